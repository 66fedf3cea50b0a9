"""Chaos definitions without a cluster: experiment files match the code, every runbook issue has a mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chaos import journal, toolkit
from chaos.modes import MODES
from checks.runbook.parser import parse_file
from fixtures.core.runbook_source import RUNBOOK_PATH

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("mode", sorted(MODES))
def test_experiment_file_is_what_the_code_generates(mode: str) -> None:
    on_disk = json.loads(toolkit.experiment_path(mode).read_text())
    assert on_disk == toolkit.experiment(mode), f"run `.venv/bin/python -m chaos.toolkit` to regenerate {mode}.json"


def test_every_issue_and_recovery_step_of_the_runbook_has_a_failure_mode() -> None:
    runbook = parse_file(RUNBOOK_PATH)
    sections = {m.runbook_section for m in MODES.values()}
    for issue in runbook.issues:
        heading = f"Issue: {issue.title}"
        assert any(heading.startswith(section) for section in sections), (
            f"no chaos experiment for runbook issue {issue.title!r} (line {issue.line})"
        )
    for step in ("Step 3", "Step 4", "Step 5", "Step 6"):
        assert step in sections, f"no chaos experiment recovers by {step}"


def _step(label: str, role: str, ran: str, line: int | None, runbook: str | None, why: str = "") -> dict:
    return {
        "label": label,
        "role": role,
        "ran": ran,
        "line": line,
        "runbook": runbook,
        "why": why,
        "outcome": "passed",
        "started_at": 100.0,
        "seconds": 1.0,
        "adaptations": [],
        "reason": "",
    }


def test_summary_is_rendered_from_the_journals(tmp_path: Path) -> None:
    lever = _step("lever", "fix", "kubectl apply -f sc.yaml", None, None, "a fix for a missing StorageClass")
    fake = {
        "status": "completed",
        "run": [
            {
                "activity": {"name": "runbook-diagnosis-shows-symptom"},
                "status": "succeeded",
                "output": {"time_to_detect_s": 5.0, "fault_in_effect": "watch: pvc Pending"},
            },
            {
                "activity": {"name": "runbook-recovery-procedure"},
                "status": "succeeded",
                "output": {"steps": [_step("runbook", "diagnosis", "kubectl get pvc -n redis", 116, "x"), lever]},
            },
            {
                "activity": {"name": "verified-and-sentinels-intact"},
                "status": "succeeded",
                "output": {
                    "time_to_recover_s": 12.0,
                    "fault_to_verified_s": 20.0,
                    "keys_lost": 0,
                    "keys_written": 100,
                    "client_outage_s": {"agent-bruno": 3.0},
                    "notes": ["where the time went"],
                },
            },
        ],
    }
    row = journal.summary_row("pvc-loss", fake, 30.0)
    assert row["within_escalation"] and row["failed_activities"] == []
    assert row["verdict"] == "runbook insufficient" and row["missing"] == ["a fix for a missing StorageClass"]
    journal.write(tmp_path, "pvc-loss", fake, row)
    text = journal.render_summary(tmp_path).read_text()
    assert (
        "| pvc-loss | runbook insufficient | completed | 5.0 | 12.0 | 20.0 | yes | agent-bruno 3.0 | 0 of 100 | 30.0 |"
        in text
    )
    assert "- pvc-loss: [lever, fix] ran `kubectl apply -f sc.yaml`: a fix for a missing StorageClass" in text
    assert "- pvc-loss: where the time went" in text
    assert "**time_to_detect_s**" in text


def test_a_failed_activity_is_reported_even_when_chaostoolkit_says_completed() -> None:
    fake = {"status": "completed", "run": [{"activity": {"name": "inject-oom"}, "status": "failed"}]}
    row = journal.summary_row("oom", fake, 1.0)
    assert row["failed_activities"] == ["inject-oom"] and not row["within_escalation"]


def test_an_unhealthy_start_is_a_failure_not_a_pass() -> None:
    fake = {"status": "completed", "steady_states": {"before": {"steady_state_met": False}}, "run": []}
    row = journal.summary_row("oom", fake, 1.0)
    assert row["failed_activities"] and "nothing was injected" in row["failed_activities"][0]
