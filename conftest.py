"""Suite-wide options and fixtures: which cluster, and a handle on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.kube import Cluster, ClusterUnreachable, default_kubeconfig

pytest_plugins = ["fixtures.plugin"]


@pytest.fixture(scope="session")
def cluster(request: pytest.FixtureRequest) -> Iterator[Cluster]:
    """The cluster chosen by --kubeconfig/--context (default: the local one `fixtures.cluster up` made)."""
    path = request.config.getoption("kubeconfig")
    kubeconfig = Path(path) if path else default_kubeconfig()
    try:
        yield Cluster.connect(kubeconfig, request.config.getoption("context"))
    except ClusterUnreachable as exc:
        pytest.fail(str(exc), pytrace=False)
