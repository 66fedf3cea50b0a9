"""`pytest -m verify` against the live system: passes with read-only RBAC, names missing objects in one line."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from chaos.safety import Permit
from fixtures.cluster import config as cluster_config
from fixtures.kube import Cluster
from tests.verify_runner import run_verify

pytestmark = [pytest.mark.system, pytest.mark.usefixtures("redis_system")]

READER = "runbook-verify-reader"
READER_NS = "runbook-verify"
# get/list/watch on everything, plus the two subresources verify needs to run redis-cli, nc and curl
# inside pods and to read sentinel keys: nothing that creates, patches or deletes an object.
READER_RULES = [
    {"apiGroups": ["*"], "resources": ["*"], "verbs": ["get", "list", "watch"]},
    {"apiGroups": [""], "resources": ["pods/exec", "pods/portforward"], "verbs": ["get", "create"]},
]


@pytest.fixture
def read_only_kubeconfig(permit: Permit, tmp_path: Path) -> Iterator[Path]:
    """A kubeconfig for a ServiceAccount bound to READER_RULES only; removed afterwards."""
    cluster = permit.cluster  # creating RBAC objects needs the safety gate's permit
    rbac = cluster.api_client
    from kubernetes.client import RbacAuthorizationV1Api

    rbac_api = RbacAuthorizationV1Api(rbac)
    cluster.core.create_namespace({"metadata": {"name": READER_NS}})
    try:
        cluster.core.create_namespaced_service_account(READER_NS, {"metadata": {"name": READER}})
        rbac_api.create_cluster_role({"metadata": {"name": READER}, "rules": READER_RULES})
        rbac_api.create_cluster_role_binding(
            {
                "metadata": {"name": READER},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": READER},
                "subjects": [{"kind": "ServiceAccount", "name": READER, "namespace": READER_NS}],
            }
        )
        token = cluster.core.create_namespaced_service_account_token(
            READER, READER_NS, {"spec": {"expirationSeconds": 3600}}
        ).status.token
        ca = base64.b64encode((cluster_config.PKI / "ca.crt").read_bytes()).decode()
        server = f"https://{cluster_config.NODE_IP}:{cluster_config.APISERVER_PORT}"
        path = tmp_path / "read-only.kubeconfig"
        path.write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [{"name": "c", "cluster": {"server": server, "certificate-authority-data": ca}}],
                    "users": [{"name": READER, "user": {"token": token}}],
                    "contexts": [{"name": "read-only", "context": {"cluster": "c", "user": READER}}],
                    "current-context": "read-only",
                }
            )
        )
        yield path
    finally:
        rbac_api.delete_cluster_role_binding(READER)
        rbac_api.delete_cluster_role(READER)
        cluster.core.delete_namespace(READER_NS)


def test_verify_passes_with_only_read_exec_and_portforward_rights(
    cluster: Cluster, read_only_kubeconfig: Path, tmp_path: Path
) -> None:
    writes = cluster.kubectl(
        "auth", "can-i", "create", "configmaps", "-n", "redis", f"--as=system:serviceaccount:{READER_NS}:{READER}"
    )
    assert writes.stdout.strip() == "no", "the reader must not be able to write"
    run = run_verify(f"--kubeconfig={read_only_kubeconfig}", f"--junitxml={tmp_path / 'junit.xml'}")
    assert run.returncode == 0, run.output[-3000:]
    assert " passed" in run.output and "failed" not in run.output


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        ("--redis-namespace=not-redis", "namespace 'not-redis' not found"),
        ("--redis-pod=redis-master-9", "pod 'redis-master-9' not found in namespace 'redis'"),
    ],
)
def test_missing_object_fails_every_check_in_one_line_within_seconds(
    option: str, expected: str, tmp_path: Path
) -> None:
    run = run_verify(option, f"--junitxml={tmp_path / 'junit.xml'}")
    assert run.returncode != 0
    assert expected in run.output
    assert "Traceback" not in run.output
    assert run.seconds < 20, f"took {run.seconds:.1f}s"
