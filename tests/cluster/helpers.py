"""Small pod specs and a create-and-wait for the cluster self-tests."""

from __future__ import annotations

from typing import Any

from fixtures.core.kube import Cluster
from fixtures.core.pods import is_ready, wait_for_pod

TOOLS_IMAGE = "docker.io/library/runbook-tools:1"
POD_READY_TIMEOUT = 60


def pod_spec(
    name: str,
    command: list[str],
    *,
    image: str = TOOLS_IMAGE,
    labels: dict[str, str] | None = None,
    restart: str = "Always",
    memory_limit: str | None = None,
    volumes: list[dict[str, Any]] | None = None,
    mounts: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": "main",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "command": command,
    }
    if memory_limit:
        container["resources"] = {"limits": {"memory": memory_limit}, "requests": {"memory": memory_limit}}
    if mounts:
        container["volumeMounts"] = mounts
    return {
        "metadata": {"name": name, "labels": labels or {"app": name}},
        "spec": {
            "containers": [container],
            "restartPolicy": restart,
            "terminationGracePeriodSeconds": 1,
            "volumes": volumes or [],
        },
    }


def create_claim(cluster: Cluster, namespace: str, name: str = "data", size: str = "16Mi") -> None:
    """A ReadWriteOnce PVC on the default StorageClass."""
    cluster.core.create_namespaced_persistent_volume_claim(
        namespace,
        {
            "metadata": {"name": name},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}},
        },
    )


def run_ready_pod(cluster: Cluster, namespace: str, spec: dict[str, Any]) -> Any:
    """Create the pod and wait until it is Ready."""
    cluster.core.create_namespaced_pod(namespace, spec)
    pod, _ = wait_for_pod(
        cluster, namespace, spec["metadata"]["name"], is_ready, timeout=POD_READY_TIMEOUT, wanted="Ready"
    )
    return pod
