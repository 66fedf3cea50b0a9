"""Fixtures of the chaos experiments: the guard, repair of killed runs, running and journaling an experiment."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from chaos import activities, journal, toolkit
from chaos import experiment as x
from fixtures.kube import Cluster
from fixtures.options import REPORTS


@pytest.fixture(scope="session")
def chaos_cluster(request: pytest.FixtureRequest, cluster: Cluster, redis_system: Any) -> Cluster:
    """The cluster, once chaos is allowed on it and faults a killed run left behind are undone."""
    # (redis_system has already undone whatever a killed run left: see repair_interrupted_chaos.)
    os.environ["RUNBOOK_ALLOW_CHAOS_ON"] = ",".join(request.config.getoption("allow_chaos_on"))
    try:
        x.guard(cluster)
    except x.ChaosRefused as exc:
        pytest.fail(str(exc), pytrace=False)
    return cluster


@pytest.fixture(scope="session")
def chaos_run_dir() -> Iterator[Path]:
    run_dir = REPORTS / "chaos" / journal.run_id()
    yield run_dir
    if run_dir.exists():
        print(f"\nchaos journal: {journal.render_summary(run_dir)}")


@pytest.fixture
def run_chaos(chaos_cluster: Cluster, chaos_run_dir: Path) -> Iterator[Callable[..., dict[str, Any]]]:
    """Run one experiment through chaoslib; journal it; undo again in teardown if anything was left."""
    ran: list[str] = []

    def run(mode: str, document: dict[str, Any] | None = None, name: str | None = None) -> dict[str, Any]:
        ran.append(mode)
        started = time.monotonic()
        result = toolkit.run(mode, document)
        row = journal.summary_row(name or mode, result, time.monotonic() - started)
        journal.write(chaos_run_dir, name or mode, result, row)
        return row

    yield run
    for mode in ran:
        if mode in x.pending_undo(chaos_cluster):
            activities.undo(mode)


def assert_recovered(row: dict[str, Any]) -> None:
    """Every phase succeeded, the time is within the runbook's escalation threshold."""
    assert row["status"] == "completed" and not row["failed_activities"], (
        f"{row['mode']}: {row['status']}, failed: {row['failed_activities']}; notes: {row['notes']}"
    )
    assert row["within_escalation"], f"{row['mode']}: not restored within the runbook's 15 minutes"
