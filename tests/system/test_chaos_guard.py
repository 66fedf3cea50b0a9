"""Chaos refuses a cluster the suite did not create, in one line, unless the context is explicitly allowed."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from chaos import experiment as x
from fixtures.cluster.cluster import OWNER_CONFIGMAP
from fixtures.kube import Cluster
from tests.verify_runner import REPO

pytestmark = pytest.mark.system


@pytest.fixture
def unmarked_cluster(cluster: Cluster) -> Iterator[Cluster]:
    """The same cluster without the marker `fixtures.cluster up` leaves: it looks like someone else's."""
    marker = cluster.core.read_namespaced_config_map(OWNER_CONFIGMAP, "kube-system")
    cluster.core.delete_namespaced_config_map(OWNER_CONFIGMAP, "kube-system")
    try:
        yield cluster
    finally:
        cluster.core.create_namespaced_config_map(
            "kube-system", {"metadata": {"name": OWNER_CONFIGMAP}, "data": marker.data}
        )


def test_chaos_refuses_a_cluster_it_did_not_create_unless_allowed(
    unmarked_cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RUNBOOK_ALLOW_CHAOS_ON", raising=False)
    with pytest.raises(x.ChaosRefused, match=f"--allow-chaos-on {unmarked_cluster.context}"):
        x.guard(unmarked_cluster)
    monkeypatch.setenv("RUNBOOK_ALLOW_CHAOS_ON", unmarked_cluster.context)
    x.guard(unmarked_cluster)


def test_pytest_chaos_stops_in_one_line_before_injecting(unmarked_cluster: Cluster) -> None:
    env = {k: v for k, v in os.environ.items() if k != "RUNBOOK_ALLOW_CHAOS_ON"}
    argv = [
        sys.executable,
        "-m",
        "pytest",
        "-m",
        "chaos",
        "-k",
        "network_policy",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--kubeconfig={unmarked_cluster.kubeconfig}",
        "--junitxml=/dev/null",
    ]
    proc = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=180, env=env, check=False)
    assert proc.returncode != 0
    assert "refusing to inject faults into context" in proc.stdout, proc.stdout[-2000:]
    assert x.pending_undo(unmarked_cluster) == {}, "nothing may have been injected"
