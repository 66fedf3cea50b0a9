"""The safety gate, proven from the API server's own audit log.

A cluster the suite did not create (here: the local cluster once the identity `fixtures.cluster up`
recorded is set aside) is refused through both entry points, in one line, with no write request
at all; a chosen context is the one an experiment acts on, whatever the kubeconfig's current one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from chaos import records, safety
from chaos.errors import ChaosRefused
from chaos.target import Target
from checks.verify_runner import REPO
from fixtures.cluster import config as cluster_config
from fixtures.core.kube import Cluster
from tests.cluster import audit
from tests.system.marks import runbook_system_only

pytestmark = [
    pytest.mark.system,
    runbook_system_only("checks the safety gate, whatever the system"),
    pytest.mark.usefixtures("redis_system"),
]

CHAOS_CLI = str(Path(sys.executable).parent / "chaos")
# Loopback's discard port: nothing listens, so any request to the kubeconfig's current context fails at once.
UNREACHABLE = "https://127.0.0.1:9"


@pytest.fixture
def foreign(cluster: Cluster) -> Iterator[Cluster]:
    """The local cluster as if someone else had made it: the identity `up` recorded is set aside. Any other
    cluster (the kind cluster) already is one the suite did not make: it is used as it is, and the local
    cluster's identity is left alone."""
    if not cluster.created_by_suite():
        yield cluster
        return
    aside = cluster_config.IDENTITY.with_suffix(".aside")
    shutil.move(cluster_config.IDENTITY, aside)
    try:
        yield cluster
    finally:
        shutil.move(aside, cluster_config.IDENTITY)


def _env(**extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("RUNBOOK_") and k != "KUBECONFIG"}
    return {**keep, **extra}


def _pytest_chaos(selection: str, *options: str, timeout: float) -> subprocess.CompletedProcess[str]:
    # The tests' own chaos sessions keep their journals out of reports/chaos, which the report reads.
    journals = tempfile.mkdtemp(prefix="chaos-guard-journals-")
    argv = [sys.executable, "-m", "pytest", "-m", "chaos", "-k", selection, "-q", "-p", "no:cacheprovider",
            "--junitxml=/dev/null", f"--chaos-journals={journals}", *options]  # fmt: skip
    return subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=timeout, env=_env(), check=False)


def _chaos_run(mode: str, journal: Path, env: dict[str, str], timeout: float) -> dict:
    argv = [
        CHAOS_CLI,
        "--no-version-check",
        "--log-file",
        str(journal.with_suffix(".log")),
        "run",
        "--rollback-strategy",
        "always",
        "--journal-path",
        str(journal),
        f"chaos/experiments/{mode}.json",
    ]
    subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    return json.loads(journal.read_text())


def test_identity_is_the_recorded_api_server_not_a_configmap(cluster: Cluster, foreign: Cluster) -> None:
    assert not foreign.created_by_suite()
    target = Target(foreign.kubeconfig, foreign.context, REPO / "runbooks" / "redis-down.md")
    with pytest.raises(ChaosRefused, match=f"--allow-chaos-on {foreign.context}") as refused:
        safety.authorize(target)
    assert foreign.server in str(refused.value) and "\n" not in str(refused.value)
    allowed = safety.authorize(
        Target(target.kubeconfig, target.context, target.runbook, allow_chaos_on=frozenset({foreign.context}))
    )
    assert allowed.cluster.context == foreign.context and not allowed.local


def test_refused_pytest_run_fails_in_one_line_and_writes_nothing(foreign: Cluster) -> None:
    with audit.writes_during(audit.log_for(foreign)) as window:
        started = time.monotonic()
        proc = _pytest_chaos("network_policy", f"--kubeconfig={foreign.kubeconfig}", timeout=180)
        took = time.monotonic() - started
    assert proc.returncode != 0
    refusal = [line for line in proc.stdout.splitlines() if "refusing to change context" in line]
    assert refusal and foreign.server in refusal[0], proc.stdout[-2000:]
    assert window.writes_by() == [], f"a refused pytest run wrote: {window.writes_by()}"
    assert records.pending_anywhere(foreign) == {}
    assert took < 60, f"refusing took {took:.0f}s"


def test_refused_chaos_run_aborts_within_5s_and_writes_nothing(foreign: Cluster, tmp_path: Path) -> None:
    journal = tmp_path / "journal.json"
    env = _env(KUBECONFIG=str(foreign.kubeconfig))
    with audit.writes_during(audit.log_for(foreign)) as window:
        result = _chaos_run("oom", journal, env, timeout=120)
    assert result["status"] == "aborted", result["status"]
    assert result["duration"] < 5, f"the journal took {result['duration']:.1f}s to abort"
    assert "refusing to change context" in result["refused"] and foreign.server in result["refused"]
    assert not result.get("rollbacks"), "a refused run has nothing to roll back"
    assert window.writes_by() == [], f"a refused `chaos run` wrote: {window.writes_by()}"
    assert records.pending_anywhere(foreign) == {}


@pytest.fixture
def two_contexts(cluster: Cluster, tmp_path: Path) -> Path:
    """A kubeconfig whose current context is unreachable and whose other context `local` is the local cluster."""
    config = yaml.safe_load(cluster.kubeconfig.read_text())
    real = next(c for c in config["contexts"] if c["name"] == cluster.context)
    config["clusters"].append(
        {"name": "unreachable", "cluster": {"server": UNREACHABLE, "insecure-skip-tls-verify": True}}
    )
    config["contexts"] = [
        {"name": "local", "context": real["context"]},
        {"name": "unreachable", "context": {**real["context"], "cluster": "unreachable"}},
    ]
    config["current-context"] = "unreachable"
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return path


def test_pytest_chaos_acts_on_the_chosen_context(two_contexts: Path) -> None:
    proc = _pytest_chaos(
        "step5", f"--kubeconfig={two_contexts}", "--context=local", "--allow-chaos-on=local", timeout=900
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "1 passed" in proc.stdout


def test_chaos_run_acts_on_the_chosen_context(two_contexts: Path, tmp_path: Path) -> None:
    env = _env(KUBECONFIG=str(two_contexts), RUNBOOK_CONTEXT="local", RUNBOOK_ALLOW_CHAOS_ON="local")
    result = _chaos_run("step5-flux-reconcile", tmp_path / "journal.json", env, timeout=900)
    failed = [r["activity"]["name"] for r in result.get("run", []) if r.get("status") != "succeeded"]
    assert result["status"] == "completed" and not failed, (result["status"], failed)
    assert [r["status"] for r in result["rollbacks"]] == ["succeeded"]
