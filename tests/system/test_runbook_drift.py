"""The drift gate fails when the runbook and the cluster disagree: an edited runbook is caught."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from checks import __main__ as cli
from checks.runbook import drift
from checks.runbook.executor import Executor
from checks.runbook.outcome import Outcome
from checks.runbook.parser import parse, parse_file
from fixtures.core.kube import Cluster
from fixtures.core.runbook_source import RUNBOOK_PATH
from tests.system.marks import runbook_system_only

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"

pytestmark = [
    pytest.mark.system,
    runbook_system_only("checks the runbook's names against the cluster, whatever the system"),
    pytest.mark.usefixtures("redis_system"),
]


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


# ---------------------------------------------------------------- what the gate does not run: fixes


def test_a_fix_acting_on_a_namespace_without_such_objects_is_drift_naming_where_they_are(cluster: Cluster) -> None:
    variant = parse_file(DATA / "runbook-policy-in-bruno.md")
    findings = drift.findings([], drift.check_names(variant, cluster))
    policy = [f for f in findings if f.line == 192]
    assert policy, f"line 192 `kubectl delete networkpolicy -n bruno <policy-name>` not reported: {findings}"
    assert "networkpolicy <policy-name> in bruno not found" in policy[0].observed
    assert "it is in" in policy[0].observed
    assert "redis" in policy[0].observed.split("it is in ", 1)[1].split(", "), policy[0].observed


def test_every_object_the_runbooks_fixes_act_on_exists_where_they_say(cluster: Cluster) -> None:
    runbook = parse_file(RUNBOOK_PATH)
    names = drift.check_names(runbook, cluster)
    fixes = {c.line for c in runbook.commands if not set(c.classes) <= drift.RUNNABLE}
    checked = {(n.kind, n.name, n.namespace): n for n in names}
    for key in [
        ("networkpolicy", "<policy-name>", "redis"),  # 192
        ("pod", "redis-master-0", "redis"),  # 161, 204, 461
        ("statefulset", "redis-master", "redis"),  # 216, 239
        ("helmrelease", "redis", "redis"),  # 99, 108, 147, 148, 224, 236, 242, 243, 464
        ("node", "<node-name>", ""),  # 160
    ]:
        assert key in checked and checked[key].exists, f"{key}: {checked.get(key)}"
    missing = [n for n in names if not n.exists and n.line in fixes]
    assert not missing, missing


@pytest.mark.parametrize("name", ["runbook-empty.md", "runbook-fences-without-language.md"])
def test_a_runbook_without_commands_fails_the_gate_with_0_commands(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["runbook", "check", "--runbook", str(DATA / name)]) == 1
    assert "0 commands" in capsys.readouterr().err


def test_pytest_runbook_fails_on_a_runbook_without_commands(cluster: Cluster, tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "pytest", "-m", "runbook", "-q", "-p", "no:cacheprovider", "checks/test_runbook.py"]
    argv += ["--runbook", str(DATA / "runbook-fences-without-language.md"), "-k", "yields_commands"]
    # This session's cluster: without it the gate reads the local cluster, which a kind session may not have.
    argv += [f"--kubeconfig={cluster.kubeconfig}", f"--context={cluster.context}"]
    argv += [f"--junitxml={tmp_path / 'junit.xml'}"]
    proc = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert proc.returncode == 1, proc.stdout[-2000:]
    assert "0 commands" in proc.stdout and "without a language" in proc.stdout


# ---------------------------------------------------------------- greps that find nothing are the expected answer


def test_a_log_grep_that_finds_nothing_passes_on_the_real_cluster(cluster: Cluster) -> None:
    runbook = parse_file(RUNBOOK_PATH)
    quiet = parse(
        '```bash\nkubectl logs -n redis redis-master-0 --tail=200 | grep -i "no-such-word\\|nor-this-one"\n```\n'
    ).commands[0]
    executor = Executor(cluster)
    try:
        runs = {c.line: executor.run(c) for c in [*(c for c in runbook.commands if c.line in (96, 310, 311)), quiet]}
    finally:
        executor.close()
    assert runs[quiet.line].pipestatus == [0, 1], runs[quiet.line]
    assert runs[quiet.line].outcome == Outcome.PASSED and "grep matched nothing" in runs[quiet.line].reason
    for line in (96, 310, 311):
        assert runs[line].outcome == Outcome.PASSED, f"line {line}: {runs[line].outcome}: {runs[line].reason}"
