"""Switching the system under test between profiles: the live objects follow, and Redis keeps running."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chaos.safety import Permit
from fixtures.cluster import config as cluster_config
from fixtures.cluster.images import catalogue, containerd
from fixtures.core.kube import Cluster
from fixtures.core.names import RUNBOOK
from fixtures.sut.fluxcd import HELMRELEASE_API
from fixtures.sut.install import ensure_installed, is_healthy
from fixtures.sut.profiles import (
    DRIFT_DETECTION,
    IMAGE_ALIAS,
    PROFILES,
    RELEASE_TIMEOUT,
    REMEDIATION,
    Profile,
)
from fixtures.sut.release import (
    PROFILE_ANNOTATION,
    installed_profile,
    live_pod_management_policy,
    pod_management_policy,
)

pytestmark = [pytest.mark.system, pytest.mark.usefixtures("redis_system")]
R = RUNBOOK


@pytest.fixture
def session_profile_restored(permit: Permit, profile: Profile) -> Iterator[Cluster]:
    """The permitted cluster; afterwards the session's profile is installed and healthy again, even on failure."""
    yield permit.cluster
    cluster = permit.cluster
    if installed_profile(cluster, R) != profile.name or not is_healthy(cluster, R):
        ensure_installed(cluster, profile=profile)


def _redis_pod(cluster: Cluster) -> tuple[str, int]:
    pod = cluster.core.read_namespaced_pod(R.pod, R.namespace)
    return pod.metadata.uid, sum(s.restart_count for s in pod.status.container_statuses or [])


def _live_state(cluster: Cluster) -> dict[str, Any]:
    """What a profile decides, read from the live objects (the node's image store only on the suite's cluster)."""
    group, version, plural = HELMRELEASE_API
    release = cluster.custom.get_namespaced_custom_object(group, version, R.namespace, plural, R.helmrelease)
    spec = release["spec"]
    state: dict[str, Any] = {
        "annotation": (release["metadata"].get("annotations") or {}).get(PROFILE_ANNOTATION),
        DRIFT_DETECTION.key: spec.get("driftDetection"),
        RELEASE_TIMEOUT.key: spec.get("timeout"),
        REMEDIATION.key: [spec.get(a, {}).get("remediation") for a in ("install", "upgrade")],
        "podManagementPolicy": live_pod_management_policy(cluster, R),
    }
    if cluster.created_by_suite():
        state[IMAGE_ALIAS.key] = catalogue.REDIS_ALIAS in containerd.image_refs(cluster_config.CONTAINERD_SOCKET)
    return state


def _expected_state(cluster: Cluster, profile: Profile) -> dict[str, Any]:
    has = profile.has
    state: dict[str, Any] = {
        "annotation": profile.name,
        DRIFT_DETECTION.key: {"mode": "enabled"} if has(DRIFT_DETECTION) else None,
        RELEASE_TIMEOUT.key: "90s" if has(RELEASE_TIMEOUT) else None,
        REMEDIATION.key: [{"retries": 3}, {"retries": 0}] if has(REMEDIATION) else [None, None],
        "podManagementPolicy": pod_management_policy(profile),
    }
    if cluster.created_by_suite():
        state[IMAGE_ALIAS.key] = has(IMAGE_ALIAS)
    return state


@pytest.mark.parametrize("order", [("stock", "runbook")], ids=["to-stock-and-back"])
def test_switching_profile_changes_live_objects_and_keeps_the_redis_pod(
    session_profile_restored: Cluster, order: tuple[str, ...]
) -> None:
    cluster = session_profile_restored
    for name in order:
        profile = PROFILES[name]
        pod_before = _redis_pod(cluster)

        ensure_installed(cluster, profile=profile)

        assert _live_state(cluster) == _expected_state(cluster, profile), f"live objects after switching to {name}"
        assert is_healthy(cluster, R), f"Redis not healthy after switching to {name}"
        assert _redis_pod(cluster) == pod_before, (
            f"pod/{R.pod} (uid, restarts) changed when switching to {name}: the orphaned pod was not adopted"
        )
