"""The runbook gate runs only what is proven read-only, shown by the API server's audit log and by Redis itself.

`python -m checks runbook check` over a runbook of destructive commands dressed as diagnosis: the
only requests the gate makes that are not reads are execs of the few proven read-only commands;
a witness file under /data, the Redis keyspace and the pod's labels are as they were.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from chaos.safety import Permit
from checks.runbook import drift
from checks.runbook.parser import parse_file
from checks.verify_runner import REPO
from fixtures.core.names import RUNBOOK as R
from tests.cluster import audit
from tests.system.marks import runbook_system_only

pytestmark = [
    pytest.mark.system,
    runbook_system_only("runs the gate's commands against the runbook's own Redis (fixed names)"),
    pytest.mark.usefixtures("redis_system"),
]

ADVERSARIAL = REPO / "tests" / "data" / "adversarial-runbook.md"
WITNESS = f"{R.data_dir}/gate-witness"


def _proven_read_only_execs() -> list[list[str]]:
    """The argv of every exec the gate may make for this runbook: its runnable commands' and their path checks."""
    runbook = parse_file(ADVERSARIAL)
    allowed = []
    for cmd in runbook.commands:
        words = shlex.split(cmd.text)
        if set(cmd.classes) <= drift.RUNNABLE and "exec" in words and "--" in words:
            allowed.append(words[words.index("--") + 1 :])
        allowed += [["test", "-r", name] for kind, name, _ in drift.names_in(cmd) if kind == "path"]
    return allowed


def _redis(permit: Permit, *args: str) -> str:
    return permit.cluster.exec(R.namespace, R.pod, ["redis-cli", *args]).stdout.strip()


def test_gate_over_an_adversarial_runbook_changes_nothing(permit: Permit, tmp_path: Path) -> None:
    cluster = permit.cluster
    marker = uuid.uuid4().hex
    assert cluster.exec(R.namespace, R.pod, ["sh", "-c", f"echo {marker} > {WITNESS}"]).returncode == 0
    aof_before = _redis(permit, "config", "get", "appendonly")
    argv = [
        sys.executable,
        "-m",
        "checks",
        "runbook",
        "check",
        "--runbook",
        str(ADVERSARIAL),
        f"--kubeconfig={cluster.kubeconfig}",
        f"--context={cluster.context}",
        f"--reports={tmp_path}",
    ]
    with audit.writes_during(audit.log_for(cluster)) as window:
        proc = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    try:
        assert "commands (" in proc.stdout, proc.stdout[-2000:] + proc.stderr[-2000:]
        assert window.writes_by(besides_exec=True) == [], f"the gate wrote: {window.writes_by(besides_exec=True)}"
        # The test's own two execs just before the window can be logged inside it: the API server audits an exec
        # when its stream completes, and the audit backend writes in batches.
        own = [["sh", "-c", f"echo {marker} > {WITNESS}"], ["redis-cli", "config", "get", "appendonly"]]
        allowed = _proven_read_only_execs() + own
        unexpected = [argv for argv in window.execs_by() if argv not in allowed]
        assert not unexpected, f"the gate ran commands not proven read-only: {unexpected}"
        assert window.execs_by(), "the gate ran none of the harmless commands: the test proves nothing"
        listing = cluster.exec(R.namespace, R.pod, ["sh", "-c", f"cat {WITNESS}; ls {R.data_dir}"]).stdout
        assert listing.splitlines()[0] == marker, "the witness file under /data changed"
        assert "adversarial" not in listing, f"a file the adversarial runbook writes exists: {listing}"
        assert _redis(permit, "exists", "adversarial:key") == "0"
        assert _redis(permit, "config", "get", "appendonly") == aof_before
        labels = cluster.core.read_namespaced_pod(R.pod, R.namespace).metadata
        assert "adversarial" not in {**(labels.labels or {}), **(labels.annotations or {})}
        assert proc.returncode == 1, "unknown commands are reported as problems"
    finally:
        cluster.exec(R.namespace, R.pod, ["rm", "-f", WITNESS])
