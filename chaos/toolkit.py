"""Chaos Toolkit experiment documents for each failure mode, and running them from pytest.

`python -m chaos.toolkit` (re)writes chaos/experiments/<mode>.json; a unit test keeps them equal to
what this module generates. The same files run through pytest and through `chaos run`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from chaos import activity_names as names
from chaos.modes import MODES
from chaos.target import Target, configuration_block
from fixtures.core.cli_logging import configure_cli_logging

EXPERIMENTS = Path(__file__).resolve().parent / "experiments"
ACTIVITIES = "chaos.activities"
CONTROL = "chaos.control"
ROLLBACKS_ALWAYS = {"runtime": {"rollbacks": {"strategy": "always"}}}


def _activity(kind: str, name: str, func: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "name": name, "provider": {"type": "python", "module": ACTIVITIES, "func": func}, **extra}


def experiment(mode_name: str) -> dict[str, Any]:
    """The experiment document of one failure mode."""
    mode = MODES[mode_name]
    return {
        "version": "1.0.0",
        "title": f"Redis recovers from '{mode.title}' by the runbook's own procedure",
        "description": (
            f"Inject the failure mode the runbook documents under '{mode.runbook_section}', check that the "
            "runbook's diagnosis shows the documented symptom, recover with the runbook's procedure (each step "
            "labelled runbook, runbook-prose or lever in the journal), and verify with the runbook's "
            "Verification checks that Redis is back and no sentinel key was lost. Around it, the alert path: "
            "RedisDown quiet before the fault; after, which of the runbook's alerts reached the pager and when. "
            "`without_recovery` set to any value leaves the recovery out (a mutation run: it must end not recovered). "
            + (f"`parameter`: {mode.parameter}. " if mode.parameter else "")
            + "The target comes from `configuration` (environment variables for `chaos run`); a cluster that "
            "`python -m fixtures.cluster up` did not create needs RUNBOOK_ALLOW_CHAOS_ON=<context>."
        ),
        "tags": ["redis", "runbook", mode.name],
        "configuration": {**configuration_block(), "failure_mode": mode.name, "parameter": "", "without_recovery": ""},
        "controls": [{"name": "redis-runbook-safety-gate", "provider": {"type": "python", "module": CONTROL}}],
        "steady-state-hypothesis": {
            "title": "every runbook verification check passes",
            "probes": [_activity("probe", names.STEADY_STATE, "steady_state", tolerance=True)],
        },
        "method": [
            _activity("probe", names.PAGER_QUIET, "pager_quiet"),
            _activity("action", names.WRITE_SENTINELS, "write_sentinels"),
            _activity("action", names.inject(mode.name), "inject"),
            _activity("probe", names.DETECT, "detect"),
            _activity("action", names.RECOVER, "recover"),
            _activity("probe", names.VERIFY, "verify_recovered"),
            _activity("probe", names.ALERT_PATH, "alert_path"),
        ],
        "rollbacks": [_activity("action", names.undo(mode.name), "undo")],
    }


def experiment_path(mode_name: str) -> Path:
    return EXPERIMENTS / f"{mode_name}.json"


def write_all() -> list[Path]:
    EXPERIMENTS.mkdir(exist_ok=True)
    paths = []
    for name in MODES:
        path = experiment_path(name)
        path.write_text(json.dumps(experiment(name), indent=2) + "\n")
        paths.append(path)
    return paths


def run(mode_name: str, target: Target, **overrides: str) -> dict[str, Any]:
    """Run the mode's experiment file through chaoslib against `target` (given as configuration values, so
    nothing goes through the environment); `overrides` set other configuration keys (e.g. parameter)."""
    from chaoslib.experiment import run_experiment
    from chaoslib.loader import load_experiment
    from chaoslib.types import Strategy

    document = load_experiment(str(experiment_path(mode_name)))
    variables = {**target.as_configuration(), **overrides}
    # The hypothesis before the method only: the method's own verification probe judges the same checks after the
    # recovery (and fails the run when they do not pass), so a second judgement a second later adds only time.
    return run_experiment(
        document, settings=ROLLBACKS_ALWAYS, experiment_vars=(variables, {}), strategy=Strategy.BEFORE_METHOD
    )


if __name__ == "__main__":
    configure_cli_logging()
    for written in write_all():
        print(written)
    sys.exit(0)
