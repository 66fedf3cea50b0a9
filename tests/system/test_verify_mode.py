"""`pytest -m verify` against the live system: passes with read-only RBAC, names missing objects in one line."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from chaos.safety import Permit
from checks.verify_runner import cluster_args, run_verify
from fixtures.core.kube import Cluster
from fixtures.core.names import RunbookNames
from fixtures.core.options import system_name
from fixtures.core.pods import is_ready, wait_for_pod
from fixtures.core.waits import Seen, wait_for

pytestmark = [pytest.mark.system, pytest.mark.usefixtures("redis_system")]

READER = "runbook-verify-reader"
READER_NS = "runbook-verify"
# Reads of the kinds verify looks at (an explicit list: no Secrets, no ConfigMaps), exec into pods and GET through
# the pod proxy: nothing that creates, patches or deletes an object.
READER_RULES = [
    {
        "apiGroups": [""],
        "resources": [
            "namespaces", "pods", "pods/log", "services", "endpoints", "events", "persistentvolumeclaims",
        ],
        "verbs": ["get", "list", "watch"],
    },
    {"apiGroups": ["apps"], "resources": ["statefulsets", "deployments", "replicasets"], "verbs": ["get", "list"]},
    # Run redis-cli, redis-benchmark, nc, df and ls inside pods; GET a client's /metrics through the API server.
    {"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["get", "create"]},
    {"apiGroups": [""], "resources": ["pods/proxy"], "verbs": ["get"]},
]  # fmt: skip
AS_READER = f"--as=system:serviceaccount:{READER_NS}:{READER}"


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
        # The chosen cluster's own API server and CA (on the local cluster: https://10.222.0.1:6443 and its PKI).
        ca = base64.b64encode(Path(cluster.api_client.configuration.ssl_ca_cert).read_bytes()).decode()
        server = cluster.server
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


def test_verify_passes_without_access_to_secrets(
    request: pytest.FixtureRequest, cluster: Cluster, names: RunbookNames, read_only_kubeconfig: Path, tmp_path: Path
) -> None:
    for verb, resource in (("create", "configmaps"), ("get", "secrets"), ("list", "secrets"), ("patch", "pods")):
        answer = cluster.kubectl("auth", "can-i", verb, resource, "-n", names.namespace, AS_READER)
        assert answer.stdout.strip() == "no", f"the reader must not {verb} {resource}: can-i said {answer.stdout!r}"
    system = f"--system={system_name(request.config)}"
    run = run_verify(
        f"--kubeconfig={read_only_kubeconfig}",
        system,
        f"--junitxml={tmp_path / 'junit.xml'}",
        summary=tmp_path / "summary.json",
    )
    assert run.returncode == 0, run.output[-3000:]
    assert " passed" in run.output and "failed" not in run.output
    assert "verification checks" in run.output, "the summary table is missing"


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        ("--redis-namespace=not-redis", "pod redis-master-0 absent: namespace 'not-redis' not found"),
        ("--redis-pod=redis-master-9", "pod redis-master-9 absent"),
    ],
)
def test_missing_object_fails_each_check_on_its_own_with_the_summary(
    request: pytest.FixtureRequest, cluster: Cluster, option: str, expected: str, tmp_path: Path
) -> None:
    run = run_verify(
        *cluster_args(cluster),
        option,
        f"--system={system_name(request.config)}",
        f"--junitxml={tmp_path / 'junit.xml'}",
        summary=tmp_path / "summary.json",
    )
    assert run.returncode == 1, run.output[-3000:]  # tests failed; not an error in setup
    assert expected in run.output
    assert "PING: no pod to run it in" in run.output
    assert_no_error_in_setup(run.output)
    assert "verification checks" in run.output, "the summary table is missing"
    assert run.seconds < 30, f"took {run.seconds:.1f}s"


def test_scaled_to_zero_statefulset_is_diagnosed_not_errored(
    request: pytest.FixtureRequest, permit: Permit, names: RunbookNames, tmp_path: Path
) -> None:
    """A broken system (StatefulSet scaled to 0) fails each check with what it measured, with the summary table.

    Only on --system bitnami: the runbook's own system in `redis` is shared by every other test and is never broken
    here. The replicas are restored (and Redis Ready again) whatever happens.
    """
    if system_name(request.config) != "bitnami":
        pytest.skip("scales the StatefulSet to 0: only on --system bitnami, never on the runbook's shared system")
    cluster = permit.cluster  # scaling needs the safety gate's permit
    replicas = cluster.apps.read_namespaced_stateful_set(names.statefulset, names.namespace).spec.replicas
    scale = cluster.apps.patch_namespaced_stateful_set_scale
    try:
        scale(names.statefulset, names.namespace, {"spec": {"replicas": 0}})
        wait_for(
            lambda: Seen(not _pod_exists(cluster, names), "still there"),
            timeout=90,
            what=f"pod/{names.pod} in ns {names.namespace} gone after scaling to 0",
        )
        run = run_verify(
            *cluster_args(cluster),
            "--system=bitnami",
            f"--junitxml={tmp_path / 'junit.xml'}",
            summary=tmp_path / "summary.json",
        )
    finally:
        scale(names.statefulset, names.namespace, {"spec": {"replicas": replicas}})
        wait_for_pod(cluster, names.namespace, names.pod, is_ready, timeout=180, wanted="Ready after scaling back")
    assert run.returncode == 1, run.output[-3000:]
    for measured in (
        f"StatefulSet {names.statefulset} 0/0 replicas",
        f"pod {names.pod} absent",
        "PING: no pod to run it in",
    ):
        assert measured in run.output
    assert "verification checks" in run.output, "the summary table is missing"
    assert_no_error_in_setup(run.output)


def _pod_exists(cluster: Cluster, names: RunbookNames) -> bool:
    return bool(cluster.core.list_namespaced_pod(names.namespace, field_selector=f"metadata.name={names.pod}").items)


def assert_no_error_in_setup(output: str) -> None:
    """Checks failed as tests: no traceback, no chained exception, no pytest ERROR (in setup or counted)."""
    assert "Traceback" not in output and "During handling" not in output, output[-3000:]
    assert "ERROR at setup" not in output and not re.search(r"\b\d+ errors?\b", output), output[-3000:]
