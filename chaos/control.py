"""The experiments' Chaos Toolkit control: the safety gate runs before any activity, on both entry points.

before the experiment: resolve the target from the run's configuration, authorize it (a refusal drops
the rollbacks, since nothing was changed, and interrupts at once), replay any undo record a killed
run left, and start the run. After it: mark a refused run `aborted` and close the run.
"""

from __future__ import annotations

from typing import Any

from chaoslib.exceptions import InterruptExecution

from chaos import chaos_logger, runner, safety, show_suite_logs_where_chaostoolkit_does
from chaos.activities import RUN_KEY
from chaos.errors import ChaosRefused
from chaos.target import BadTarget, Target

log = chaos_logger(__name__)
REFUSED_KEY = "redis_runbook_refused"


def before_experiment_control(context: dict[str, Any], configuration: dict[str, Any] | None = None, **_: Any) -> None:
    configuration = configuration if configuration is not None else {}
    show_suite_logs_where_chaostoolkit_does()
    try:
        permit = safety.authorize(Target.from_configuration(configuration))
        run = runner.start(
            permit,
            configuration["failure_mode"],
            configuration.get("parameter") or None,
            without_recovery=bool(configuration.get("without_recovery")),
        )
    except (ChaosRefused, BadTarget) as exc:
        configuration[REFUSED_KEY] = str(exc)
        context["rollbacks"] = []  # nothing was changed, so nothing may be "rolled back" on this cluster
        log.error("REFUSED %s", exc)
        raise InterruptExecution(str(exc)) from None
    log.info("PERMIT context %s (%s): %s", permit.cluster.context, permit.cluster.server, permit.reason)
    try:
        runner.repair(permit, before_cells=False)  # this system's own: other cells may be running
    except Exception as exc:
        run.close()
        context["rollbacks"] = []  # this run changed nothing; the record of the earlier one stays for next time
        raise InterruptExecution(f"repairing what an earlier run left failed: {type(exc).__name__}: {exc}") from None
    configuration[RUN_KEY] = run


def after_experiment_control(
    context: dict[str, Any], state: dict[str, Any], configuration: dict[str, Any] | None = None, **_: Any
) -> None:
    configuration = configuration or {}
    if configuration.get(REFUSED_KEY):
        state["status"] = "aborted"
        state["refused"] = configuration[REFUSED_KEY]
    run = configuration.pop(RUN_KEY, None)
    if run is not None:
        run.close()
