"""Fixtures of the chaos experiments: the permit, running and journaling an experiment, stopping on Ctrl-C."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from chaos import journal, records, runner, toolkit
from chaos.safety import Permit
from chaos.target import Target
from fixtures.options import REPORTS


@pytest.fixture(scope="session")
def chaos_permit(permit: Permit, redis_system: Any) -> Permit:
    """The permit, once Redis is installed and whatever a killed run left is undone (by redis_system)."""
    return permit


@pytest.fixture(scope="session")
def chaos_run_dir() -> Iterator[Path]:
    run_dir = REPORTS / "chaos" / journal.run_id()
    yield run_dir
    if run_dir.exists():
        print(f"\nchaos journal: {journal.render_summary(run_dir)}")


@pytest.fixture
def run_chaos(chaos_permit: Permit, target: Target, chaos_run_dir: Path) -> Iterator[Callable[..., dict[str, Any]]]:
    """Run one experiment file through chaoslib against the target; journal it. After Ctrl-C the experiment's
    rollback has run (or its record is kept, if interrupted again) and the session stops: no next fault."""
    interrupted: list[str] = []

    def run(mode: str, name: str | None = None, **overrides: str) -> dict[str, Any]:
        started = time.monotonic()
        try:
            result = toolkit.run(mode, target, **overrides)
        except KeyboardInterrupt:
            interrupted.append(mode)
            raise
        row = journal.summary_row(name or mode, result, time.monotonic() - started)
        journal.write(chaos_run_dir, name or mode, result, row)
        if result.get("status") == "aborted" and result.get("refused"):
            pytest.fail(result["refused"], pytrace=False)
        if result.get("status") == "interrupted":
            interrupted.append(mode)
            # Chaos Toolkit caught the Ctrl-C and ran the rollback; stop the session so no further fault is injected.
            raise KeyboardInterrupt(f"chaos run interrupted during {name or mode}; its rollback ran")
        return row

    yield run
    if interrupted:
        return  # an interrupted rollback keeps its record for the next run: do not fight the user's Ctrl-C
    for mode, record in records.pending(chaos_permit.cluster).items():
        print(f"UNDO again {mode}: its record is still pending after the experiment")
        runner.undo_record(chaos_permit, mode, record)


def assert_recovered(row: dict[str, Any]) -> None:
    """Every phase succeeded, the time is within the runbook's escalation threshold."""
    assert row["status"] == "completed" and not row["failed_activities"], (
        f"{row['mode']}: {row['status']}, failed: {row['failed_activities']}; notes: {row['notes']}"
    )
    assert row["within_escalation"], f"{row['mode']}: not restored within the runbook's 15 minutes"
