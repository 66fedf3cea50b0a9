"""Every name the runbook uses exists in the cluster, spelled as the runbook spells it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from kubernetes.client import StorageV1Api

from fixtures.core.kube import Cluster
from fixtures.core.names import RUNBOOK
from fixtures.core.runbook_source import first_line_containing
from fixtures.sut.fluxcd import HELMRELEASE_API
from tests.system.marks import runbook_system_only

pytestmark = [
    pytest.mark.system,
    runbook_system_only("reads the runbook's names on the runbook's own system"),
    pytest.mark.usefixtures("redis_system"),
]
R = RUNBOOK
BRUNO, HOMEPAGE = R.clients


@dataclass(frozen=True)
class NameCheck:
    """A runbook name, the runbook text it appears in, and how to read it from the cluster."""

    name: str
    runbook_fragment: str
    read: Callable[[Cluster], object]


def _pods_with_label(namespace: str, label: str) -> Callable[[Cluster], object]:
    def read(c: Cluster) -> object:
        pods = c.core.list_namespaced_pod(namespace, label_selector=label).items
        assert pods, f"no pod in ns {namespace} has label {label}"
        return pods

    return read


def _path_in_redis(path: str) -> Callable[[Cluster], object]:
    def read(c: Cluster) -> object:
        result = c.exec(R.namespace, R.pod, ["test", "-e", path])
        assert result.returncode == 0, f"{path} does not exist in pod/{R.pod}: {result.stderr.strip()}"
        return path

    return read


CHECKS = [
    NameCheck("namespace redis", "kubectl get pods -n redis", lambda c: c.core.read_namespace(R.namespace)),
    NameCheck("pod redis-master-0", "redis-master-0   1/1", lambda c: c.core.read_namespaced_pod(R.pod, R.namespace)),
    NameCheck(
        "label app.kubernetes.io/name=redis",
        "-l app.kubernetes.io/name=redis",
        _pods_with_label(R.namespace, R.label),
    ),
    NameCheck(
        "service redis-master",
        "kubectl get endpoints -n redis redis-master",
        lambda c: c.core.read_namespaced_service(R.service, R.namespace),
    ),
    NameCheck(
        "statefulset redis-master",
        "kubectl describe statefulset redis-master -n redis",
        lambda c: c.apps.read_namespaced_stateful_set(R.statefulset, R.namespace),
    ),
    NameCheck(
        "pvc redis-data-redis-master-0",
        "redis-data-redis-master-0",
        lambda c: c.core.read_namespaced_persistent_volume_claim(R.pvc, R.namespace),
    ),
    NameCheck(
        "configmap redis-configuration",
        "redis-configuration",
        lambda c: c.core.read_namespaced_config_map(R.configmap, R.namespace),
    ),
    NameCheck(
        "helmrelease redis",
        "flux reconcile helmrelease redis -n redis",
        lambda c: c.custom.get_namespaced_custom_object(
            HELMRELEASE_API[0], HELMRELEASE_API[1], R.namespace, HELMRELEASE_API[2], R.helmrelease
        ),
    ),
    NameCheck(
        "storageclass standard",
        'storageClass: "standard"',
        lambda c: StorageV1Api(c.api_client).read_storage_class(R.storageclass),
    ),
    NameCheck("path /etc/redis/redis.conf", "cat /etc/redis/redis.conf", _path_in_redis(R.config_path)),
    NameCheck("path /data", "df -h /data", _path_in_redis(R.data_dir)),
    NameCheck(
        "deployment bruno/agent-bruno",
        "deployment/agent-bruno",
        lambda c: c.apps.read_namespaced_deployment(BRUNO.deployment, BRUNO.namespace),
    ),
    NameCheck("label app=agent-bruno", "-l app=agent-bruno", _pods_with_label(BRUNO.namespace, BRUNO.label)),
    NameCheck(
        "service bruno/agent-bruno-service",
        "svc/agent-bruno-service 8080:8080",
        lambda c: c.core.read_namespaced_service(BRUNO.service, BRUNO.namespace),
    ),
    NameCheck(
        "deployment homepage/homepage-api",
        "deployment/homepage-api",
        lambda c: c.apps.read_namespaced_deployment(HOMEPAGE.deployment, HOMEPAGE.namespace),
    ),
    NameCheck("label app=homepage-api", "-l app=homepage-api", _pods_with_label(HOMEPAGE.namespace, HOMEPAGE.label)),
    NameCheck(
        "dns redis-master.redis.svc.cluster.local",
        "redis-master.redis.svc.cluster.local 6379",
        lambda c: c.exec(BRUNO.namespace, f"deployment/{BRUNO.deployment}", ["getent", "hosts", R.service_host]),
    ),
]


def _id(check: NameCheck) -> str:
    line, _ = first_line_containing(check.runbook_fragment)
    return f"{check.name} (runbook line {line})"


@pytest.mark.parametrize("check", CHECKS, ids=_id)
def test_runbook_name_exists_in_cluster(cluster: Cluster, check: NameCheck) -> None:
    line, text = first_line_containing(check.runbook_fragment)
    found = check.read(cluster)
    if hasattr(found, "returncode"):
        assert found.returncode == 0, f"runbook line {line} `{text}`: {check.name} not found: {found.stderr}"
    assert found, f"runbook line {line} `{text}`: {check.name} not found"
