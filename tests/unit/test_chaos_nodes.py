"""Which nodes chaos can reach: a kind node is named by its providerID, anything else is not."""

from __future__ import annotations

import pytest

from chaos.nodes import KindNode, kind_node_of

pytestmark = pytest.mark.unit


def test_a_kind_nodes_provider_id_names_its_cluster_and_container() -> None:
    assert kind_node_of("kind://docker/redis-runbook/redis-runbook-worker") == ("redis-runbook", "redis-runbook-worker")


@pytest.mark.parametrize(
    "provider_id",
    ["", "aws:///eu-west-1a/i-0abc", "kind://podman/c/n", "kind://docker/c", "kind://docker/c/n/extra", "gce://p/z/n"],
)
def test_any_other_provider_id_is_no_kind_node(provider_id: str) -> None:
    assert kind_node_of(provider_id) is None


def test_a_kind_nodes_undo_record_names_what_reaches_it_again() -> None:
    node = KindNode("redis-runbook-worker", "redis-runbook", "unix:///run/redis-runbook-docker/docker.sock")
    assert node.as_record() == {
        "provider": "kind",
        "node": "redis-runbook-worker",
        "cluster": "redis-runbook",
        "docker_host": "unix:///run/redis-runbook-docker/docker.sock",
    }
