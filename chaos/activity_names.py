"""The names of an experiment's activities, as they stand in its document and in every journal: written by
chaos/toolkit.py, read by the journal, the tests and the report."""

from __future__ import annotations

STEADY_STATE = "verification-checks-pass"
PAGER_QUIET = "alert-path-quiet-before-fault"
WRITE_SENTINELS = "write-sentinel-keys"
INJECT_PREFIX = "inject-"
DETECT = "runbook-diagnosis-shows-symptom"
RECOVER = "runbook-recovery-procedure"
VERIFY = "verified-and-sentinels-intact"
ALERT_PATH = "runbook-alerts-fired-and-resolved"
UNDO_PREFIX = "undo-"


def inject(mode_name: str) -> str:
    return f"{INJECT_PREFIX}{mode_name}"


def undo(mode_name: str) -> str:
    return f"{UNDO_PREFIX}{mode_name}"
