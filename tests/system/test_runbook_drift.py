"""The drift gate fails when the runbook and the cluster disagree: an edited runbook is caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.runbook import drift
from checks.runbook.executor import Executor, Outcome
from checks.runbook.parser import parse
from fixtures.kube import Cluster
from fixtures.runbook_source import RUNBOOK_PATH

pytestmark = [pytest.mark.system, pytest.mark.usefixtures("redis_system")]


def test_a_renamed_pod_in_the_runbook_is_reported_with_the_nearest_real_name(cluster: Cluster) -> None:
    edited = RUNBOOK_PATH.read_text(encoding="utf-8").replace("redis-master-0", "redis-main-0")
    findings = drift.check_names(parse(edited), cluster)
    missing = {(f.kind, f.name): f for f in findings if not f.exists}
    assert ("pod", "redis-main-0") in missing
    assert missing[("pod", "redis-main-0")].nearest == "redis-master-0"


def test_a_command_with_a_wrong_flag_is_a_runbook_defect_with_its_line(cluster: Cluster, tmp_path: Path) -> None:
    runbook = parse("# R\n## Diagnosis\n```bash\nkubectl get pods -n redis --show-everything\n```\n")
    executor = Executor(cluster)
    try:
        rows = drift.run_read_only(runbook, executor)
    finally:
        executor.close()
    assert [(r.line, r.outcome) for r in rows] == [(4, Outcome.DEFECT.value)]
    assert "flag" in rows[0].reason
