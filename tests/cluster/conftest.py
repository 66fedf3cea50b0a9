"""Fixtures for the cluster self-tests: a fresh namespace per test, pods built from small specs."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from chaos import safety
from chaos.errors import ChaosRefused
from chaos.target import Target
from fixtures.core.kube import Cluster


@pytest.fixture(scope="session")
def own_cluster(cluster: Cluster, target: Target) -> Cluster:
    """The cluster, if the safety gate lets the suite change it (its own cluster, or a context named with
    --allow-chaos-on, such as the kind cluster): self-tests create and delete objects."""
    refused = ""
    try:
        safety.authorize(target)
    except ChaosRefused as exc:
        refused = str(exc)
    if refused:  # failed outside the handler, so the report is the one line and no chained traceback
        pytest.fail(f"cluster self-tests create objects: {refused}", pytrace=False)
    return cluster


@pytest.fixture
def make_namespace(own_cluster: Cluster) -> Iterator[Callable[[], str]]:
    """Factory of throw-away namespaces, all deleted after the test."""
    made: list[str] = []

    def make() -> str:
        name = f"selftest-{uuid.uuid4().hex[:6]}"
        own_cluster.core.create_namespace({"metadata": {"name": name, "labels": {"redis-runbook/selftest": "1"}}})
        made.append(name)
        return name

    yield make
    for name in made:
        own_cluster.core.delete_namespace(name, grace_period_seconds=0)


@pytest.fixture
def namespace(make_namespace: Callable[[], str]) -> str:
    return make_namespace()
