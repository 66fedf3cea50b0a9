"""Verdicts, symptoms and journal errors without a cluster: what counts as the runbook's doing, and what not."""

from __future__ import annotations

import pytest

from chaos import journal
from chaos.modes.bad_config import rejects_directive
from chaos.steps import INSUFFICIENT, NOT_RECOVERED, SUFFICIENT, WITH_CORRECTIONS, first_fix_started, verdict

pytestmark = pytest.mark.unit


def step(label: str, role: str = "fix", started_at: float = 10.0, why: str = "") -> dict:
    return {"label": label, "role": role, "ran": "x", "line": 1, "runbook": "x", "why": why, "started_at": started_at}


def test_a_mode_is_runbook_sufficient_only_without_levers() -> None:
    assert verdict([step("runbook"), step("runbook-prose")], recovered=True)["verdict"] == SUFFICIENT
    with_lever = verdict([step("runbook"), step("lever", why="a fix for X")], recovered=True)
    assert with_lever["verdict"] == INSUFFICIENT and with_lever["missing"] == ["a fix for X"]
    assert verdict([step("runbook")], recovered=False)["verdict"] == NOT_RECOVERED


def test_time_to_recover_starts_at_the_first_fix_not_at_diagnosis() -> None:
    steps = [step("runbook", "diagnosis", 5.0), step("runbook", "fix", 9.0), step("lever", "fix", 12.0)]
    assert first_fix_started(steps) == 9.0
    assert first_fix_started([step("runbook", "diagnosis", 5.0)]) is None


REDIS_REJECTS = """
*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***
Reading the configuration file, at line 14
>>> 'maxmemory-policy "sometimes-lru"'
argument(s) must be one of the following: volatile-lru, allkeys-lru
"""


def test_bad_config_symptom_is_redis_rejecting_the_injected_directive() -> None:
    assert rejects_directive(REDIS_REJECTS, "maxmemory-policy sometimes-lru")
    assert not rejects_directive(REDIS_REJECTS, "appendfsync ohdish"), "another directive's error is not it"
    assert not rejects_directive("wrong number of arguments somewhere", "maxmemory-policy sometimes-lru")


def test_the_suites_error_behind_a_failed_activity_is_read_from_the_journal() -> None:
    fake = {
        "run": [
            {"activity": {"name": "inject-node"}, "status": "succeeded"},
            {
                "activity": {"name": "runbook-recovery-procedure"},
                "status": "failed",
                "exception": ["Traceback ...\n", "chaos.errors.NoHealthyNode: no Ready schedulable node\n"],
            },
        ]
    }
    assert journal.errors(fake) == [
        {"activity": "runbook-recovery-procedure", "type": "NoHealthyNode", "message": "no Ready schedulable node"}
    ]


def test_a_failed_recovery_keeps_its_steps_from_the_rollback_output() -> None:
    taken = [step("runbook", "fix", 3.0)]
    fake = {
        "status": "completed",
        "run": [{"activity": {"name": "runbook-recovery-procedure"}, "status": "failed", "exception": []}],
        "rollbacks": [{"activity": {"name": "undo-node"}, "status": "succeeded", "output": {"recovery_steps": taken}}],
    }
    row = journal.summary_row("node", fake, 1.0)
    assert row["steps"] == taken and row["verdict"] == NOT_RECOVERED


def test_a_step_the_suite_corrected_makes_the_verdict_sufficient_with_corrections() -> None:
    corrected = {**step("runbook"), "line": 99, "corrections": ["resources placed under master:"]}
    result = verdict([step("runbook", "diagnosis"), corrected], recovered=True)
    assert result["verdict"] == WITH_CORRECTIONS
    assert result["corrections"] == ["line 99: resources placed under master:"]
    assert verdict([corrected, step("lever", why="a fix for X")], recovered=True)["verdict"] == INSUFFICIENT
    assert verdict([corrected], recovered=False)["verdict"] == NOT_RECOVERED


def test_the_verdict_says_why_the_suite_read_prose_the_way_it_did() -> None:
    prose = step("runbook-prose", why="the suite removed exactly the files it planted")
    assert verdict([prose], recovered=True)["interpreted"] == [
        "line 1: 'x' -> x (the suite removed exactly the files it planted)"
    ]
