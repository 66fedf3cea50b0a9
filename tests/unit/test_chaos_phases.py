"""The runner's detect phase without a cluster: a harness error is not a runbook defect."""

from __future__ import annotations

import time
from typing import Any

import pytest

from chaos import runner
from chaos.context import Context
from chaos.errors import ChaosError, HarnessError, SymptomNotShown
from chaos.failure_mode import FailureMode
from checks.runbook.outcome import Execution
from fixtures.core import budgets
from fixtures.core.waits import Seen

pytestmark = pytest.mark.unit


class Probe(FailureMode):
    """A failure mode whose symptom probe does what the test says."""

    name, title, runbook_section = "probe", "probe", "Step 1"

    def __init__(self, symptom: Any) -> None:
        self._symptom = symptom

    def inject(self, ctx: Context) -> dict[str, Any]:
        return {}

    def symptom(self, ctx: Context) -> Seen:
        return self._symptom()

    def recover(self, ctx: Context) -> list[Execution]:
        return []

    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        return None


def _run(symptom: Any) -> runner.Run:
    return runner.Run(mode=Probe(symptom), ctx=None, set_id="unit", injected_at=time.time())  # type: ignore[arg-type]


def test_an_exception_in_the_suites_probe_fails_detect_at_once_as_a_harness_error() -> None:
    def broken() -> Seen:
        raise TypeError("'NoneType' object is not subscriptable")

    started = time.monotonic()
    with pytest.raises(HarnessError, match="TypeError"):
        runner.detect(_run(broken))
    assert time.monotonic() - started < 2, "a harness error must not wait out the detect budget"


def test_a_symptom_that_never_shows_within_the_budget_is_a_runbook_defect(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner.budgets, "CHAOS_DETECT_S", 0.3)
    with pytest.raises(SymptomNotShown, match="runbook defect"):
        runner.detect(_run(lambda: Seen(False, "still healthy")))


def test_a_failed_phase_stops_the_phases_after_it() -> None:
    run = _run(lambda: Seen(True))
    run.failed_phase = "inject"
    with pytest.raises(ChaosError, match="phase 'inject' failed"):
        runner.detect(run)


def test_a_watch_that_delivers_after_the_diagnosis_does_not_put_the_fault_after_the_symptom() -> None:
    at, source = runner.earliest_sighting(100.5, "watch: ImagePullBackOff", detected_at=100.0)
    assert at == 100.0
    assert source == "the runbook's diagnosis, 0.5 s before the watch: ImagePullBackOff delivered it"


def test_a_watch_that_saw_the_fault_first_keeps_its_time() -> None:
    assert runner.earliest_sighting(90.0, "watch: OOMKilled", detected_at=100.0) == (90.0, "watch: OOMKilled")


def test_a_mutation_run_fails_for_at_least_as_long_as_a_recovery_is_allowed() -> None:
    # Shorter, and a system that heals by itself in between passes both the experiment and its mutation proof.
    assert budgets.CHAOS_UNAIDED_S >= budgets.CHAOS_RECOVER_S
