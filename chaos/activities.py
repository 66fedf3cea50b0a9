"""Chaos Toolkit activities: the python probes and actions every chaos/experiments/*.json calls.

Thin adapters: the experiment's control (chaos/control.py) authorizes the target and puts the run
into the run's own `configuration`; each activity hands that run to chaos/runner.py and returns the
phase's measurements, so the Chaos Toolkit journal carries them. `chaos run` and pytest run the same code.
"""

from __future__ import annotations

from typing import Any

from chaos import runner
from chaos.errors import ChaosError

RUN_KEY = "redis_runbook_run"


def current_run(configuration: dict[str, Any] | None) -> runner.Run:
    run = (configuration or {}).get(RUN_KEY)
    if run is None:
        raise ChaosError(
            "no run: the experiment's `controls` block must list the `chaos.control` module, which checks the "
            "target and starts the run (regenerate the file with `python -m chaos.toolkit`)"
        )
    return run


def steady_state(configuration: dict[str, Any] | None = None) -> bool:
    """Probe (tolerance true): every runbook verification check passes."""
    return runner.steady_state(current_run(configuration))


def pager_quiet(configuration: dict[str, Any] | None = None) -> dict[str, Any]:
    """Probe: RedisDown inactive and resolved at the webhook before the fault (the alert path's steady state)."""
    return runner.pager_quiet(current_run(configuration))


def write_sentinels(configuration: dict[str, Any] | None = None) -> dict[str, Any]:
    return runner.write_sentinels(current_run(configuration))


def inject(configuration: dict[str, Any] | None = None) -> dict[str, Any]:
    """Action: record the prior state of what the fault changes, then break Redis this way."""
    return runner.inject(current_run(configuration))


def detect(configuration: dict[str, Any] | None = None) -> dict[str, Any]:
    """Probe: the runbook's diagnosis shows the documented symptom; time to detect."""
    return runner.detect(current_run(configuration))


def recover(configuration: dict[str, Any] | None = None) -> dict[str, Any]:
    """Action: the runbook's documented fix, through the executor."""
    return runner.recover(current_run(configuration))


def verify_recovered(configuration: dict[str, Any] | None = None) -> dict[str, Any]:
    """Probe: every verification check passes and no sentinel key was lost (or the loss is measured)."""
    return runner.verify(current_run(configuration))


def alert_path(configuration: dict[str, Any] | None = None) -> dict[str, Any]:
    """Probe: the runbook's alerts that reached the webhook, RedisDown's time from the fault and to resolution."""
    return runner.alert_path(current_run(configuration))


def undo(configuration: dict[str, Any] | None = None) -> dict[str, Any]:
    """Rollback: restore what this run's fault changed, wait until healthy, clear its undo record."""
    return runner.undo(current_run(configuration))
