"""Chaos Toolkit experiment documents for each failure mode, and running them.

`python -m chaos.toolkit` (re)writes chaos/experiments/<mode>.json; a unit test keeps them equal to
what this module generates. The same files run through pytest and through `chaos run`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from chaos.modes import MODES

EXPERIMENTS = Path(__file__).resolve().parent / "experiments"
ACTIVITIES = "chaos.activities"


def _activity(kind: str, name: str, func: str, arguments: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "name": name,
        "provider": {"type": "python", "module": ACTIVITIES, "func": func, "arguments": arguments},
        **extra,
    }


def experiment(mode_name: str, **arguments: Any) -> dict[str, Any]:
    """The experiment document; `arguments` (e.g. directive= for bad-config) go to every activity."""
    mode = MODES[mode_name]
    args = {"mode": mode.name, **arguments}
    return {
        "version": "1.0.0",
        "title": f"Redis recovers from '{mode.title}' by the runbook's own procedure",
        "description": (
            f"Inject the failure mode the runbook documents under '{mode.runbook_section}', check that the "
            "runbook's diagnosis shows the documented symptom, recover with the runbook's fix commands, and "
            "verify with the runbook's Verification checks that Redis is back and no sentinel key was lost."
        ),
        "tags": ["redis", "runbook", mode.name],
        "steady-state-hypothesis": {
            "title": "every runbook verification check passes",
            "probes": [_activity("probe", "verification-checks-pass", "steady_state", args, tolerance=True)],
        },
        "method": [
            _activity("action", "write-sentinel-keys", "write_sentinels", args),
            _activity("action", f"inject-{mode.name}", "inject", args),
            _activity("probe", "runbook-diagnosis-shows-symptom", "detect", args),
            _activity("action", "runbook-recovery-procedure", "recover", args),
            _activity("probe", "verified-and-sentinels-intact", "verify_recovered", args),
        ],
        "rollbacks": [_activity("action", f"undo-{mode.name}", "undo", args)],
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


def run(mode_name: str, document: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run the experiment file (or `document`) through chaoslib with rollbacks always on; return the journal."""
    from chaoslib.experiment import run_experiment
    from chaoslib.loader import load_experiment

    document = document or load_experiment(str(experiment_path(mode_name)))
    settings = {"runtime": {"rollbacks": {"strategy": "always"}}}
    return run_experiment(document, settings=settings)


if __name__ == "__main__":
    for written in write_all():
        print(written)
    sys.exit(0)
