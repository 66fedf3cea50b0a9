"""The Bitnami-shaped system really has the Bitnami Redis chart's defaults the runbook meets in the field.

Runs only with `--system bitnami` (it reads namespace redis-bitnami and its clients).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chaos.safety import Permit
from fixtures.core.kube import Cluster
from fixtures.core.names import BITNAMI
from fixtures.core.redis_client import through_service
from fixtures.sut.client_apps import exec_in_client
from fixtures.sut.fluxcd import flux, read_helmrelease
from fixtures.sut.install import PASSWORD_SECRET, is_healthy, redis_password

pytestmark = [
    pytest.mark.system,
    pytest.mark.skipif(
        "(config.getoption('system') or 'runbook') != 'bitnami'",
        reason="checks the Bitnami-shaped system: run with --system bitnami",
    ),
    pytest.mark.usefixtures("redis_system"),
]
B = BITNAMI
PASSWORD_FILE = "/opt/bitnami/redis/secrets/redis-password"
MOUNTED_ETC = "/opt/bitnami/redis/mounted-etc"
# The runbook's own diagnosis command, as written (Step 1).
RUNBOOK_PING = ("exec", "-n", B.namespace, B.pod, "--", "redis-cli", "ping")
TOOLS_ABSENT = ("sh", "curl", "nc", "redis-cli")


@pytest.fixture(scope="module")
def pod(cluster: Cluster) -> Any:
    return cluster.core.read_namespaced_pod(B.pod, B.namespace)


@pytest.fixture(scope="module")
def container(pod: Any) -> Any:
    return next(c for c in pod.spec.containers if c.name == B.container)


@pytest.fixture(scope="module")
def redis(cluster: Cluster) -> Iterator[Any]:
    """A connection authenticated with the password from Secret redis, as a person with the Secret would."""
    with through_service(cluster, B, password=redis_password(cluster, B)) as client:
        yield client


def _mount_of(container: Any, path: str) -> Any:
    mounts = {m.mount_path.rstrip("/"): m for m in container.volume_mounts}
    assert path in mounts, f"nothing mounted at {path}; mounts: {sorted(mounts)}"
    return mounts[path]


def _volume(pod: Any, name: str) -> Any:
    return next(v for v in pod.spec.volumes if v.name == name)


def test_password_is_in_secret_redis_and_its_client_copies(cluster: Cluster) -> None:
    secret = cluster.core.read_namespaced_secret(PASSWORD_SECRET, B.namespace)
    assert list(secret.data) == ["redis-password"], f"secret/redis keys: {list(secret.data)}"
    for client in B.clients:
        copy = cluster.core.read_namespaced_secret(PASSWORD_SECRET, client.namespace)
        assert copy.data == secret.data, f"secret/redis in ns {client.namespace} differs from ns {B.namespace}'s"


def test_password_reaches_redis_as_a_file_and_redis_cli_gets_none(pod: Any, container: Any) -> None:
    env = {e.name: e.value for e in container.env}
    assert env.get("REDIS_PASSWORD_FILE") == PASSWORD_FILE, f"env: {sorted(env)}"
    assert "REDISCLI_AUTH" not in env and "REDIS_PASSWORD" not in env, f"env: {sorted(env)}"
    mount = _mount_of(container, "/opt/bitnami/redis/secrets")
    assert _volume(pod, mount.name).secret.secret_name == PASSWORD_SECRET


def test_runbook_redis_cli_ping_answers_noauth(cluster: Cluster) -> None:
    proc = cluster.kubectl(*RUNBOOK_PING)
    assert proc.stdout.strip().startswith("NOAUTH"), f"kubectl {' '.join(RUNBOOK_PING)}: {proc.stdout}{proc.stderr}"


def test_redis_runs_as_1001_on_a_read_only_root(cluster: Cluster, pod: Any, container: Any) -> None:
    ctx = container.security_context
    assert (ctx.run_as_user, ctx.run_as_group, ctx.read_only_root_filesystem) == (1001, 1001, True)
    assert pod.spec.security_context.fs_group == 1001
    assert cluster.exec(B.namespace, B.pod, ["id", "-u"]).stdout.strip() == "1001"
    denied = cluster.exec(B.namespace, B.pod, ["touch", "/opt/bitnami/probe-write"])
    assert denied.returncode != 0 and "Read-only file system" in denied.stderr, denied.stderr
    for writable in ("/tmp", "/opt/bitnami/redis/etc", "/opt/bitnami/redis/logs", B.data_dir):
        assert _volume(pod, _mount_of(container, writable).name), writable


def test_config_is_mounted_at_bitnami_path(cluster: Cluster, pod: Any, container: Any) -> None:
    configmap = cluster.core.read_namespaced_config_map(B.configmap, B.namespace)
    assert set(configmap.data) == {"redis.conf", "master.conf"}
    assert _volume(pod, _mount_of(container, MOUNTED_ETC).name).config_map.name == B.configmap
    conf = cluster.exec(B.namespace, B.pod, ["cat", B.config_path]).stdout
    assert "appendonly yes" in conf and 'save ""' in conf and "maxmemory" not in conf, conf


def test_aof_on_rdb_off_and_no_maxmemory(redis: Any) -> None:
    assert redis.config_get("save") == {"save": ""}
    assert redis.config_get("appendonly") == {"appendonly": "yes"}
    assert redis.config_get("maxmemory") == {"maxmemory": "0"}


def test_probes_run_the_redis_health_scripts(cluster: Cluster, pod: Any, container: Any) -> None:
    scripts = cluster.core.read_namespaced_config_map("redis-health", B.namespace).data
    assert {"ping_readiness_local.sh", "ping_liveness_local.sh"} <= set(scripts)
    assert _volume(pod, _mount_of(container, "/health").name).config_map.name == "redis-health"
    assert "/health/ping_liveness_local.sh" in " ".join(container.liveness_probe._exec.command)
    assert "/health/ping_readiness_local.sh" in " ".join(container.readiness_probe._exec.command)
    for script in ("ping_readiness_local.sh", "ping_liveness_local.sh"):
        ran = cluster.exec(B.namespace, B.pod, [f"/health/{script}", "2"])
        assert ran.returncode == 0, f"{script}: {ran.stdout}{ran.stderr}"


def test_master_statefulset_is_ordered_ready_with_bitnami_labels(cluster: Cluster, pod: Any) -> None:
    sts = cluster.apps.read_namespaced_stateful_set(B.statefulset, B.namespace)
    assert (sts.spec.pod_management_policy, sts.spec.replicas) == ("OrderedReady", 1)
    labels = pod.metadata.labels
    wanted = {"app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": "redis"}
    assert {k: labels.get(k) for k in wanted} == wanted
    assert labels.get("app.kubernetes.io/component") == "master"


def test_redis_has_a_memory_limit_and_a_small_claim(cluster: Cluster, container: Any) -> None:
    limits, requests = container.resources.limits, container.resources.requests
    assert (limits["memory"], requests["memory"], limits["cpu"]) == ("192Mi", "128Mi", "150m")
    pvc = cluster.core.read_namespaced_persistent_volume_claim(B.pvc, B.namespace)
    assert (pvc.spec.storage_class_name, pvc.status.phase) == (B.storageclass, "Bound")
    assert pvc.spec.resources.requests["storage"] == "1Gi"


def test_network_policy_admits_6379_from_anywhere(cluster: Cluster) -> None:
    policy = cluster.networking.read_namespaced_network_policy(B.network_policy, B.namespace)
    (rule,) = policy.spec.ingress
    assert rule._from is None, f"ingress restricted to {rule._from}"
    assert [p.port for p in rule.ports] == [6379]


def test_helmrelease_has_flux_defaults(cluster: Cluster) -> None:
    spec = read_helmrelease(cluster, B)["spec"]
    assert spec["chart"]["spec"]["version"] == "23.x"
    leftovers = {"driftDetection", "timeout", "install", "upgrade"} & set(spec)
    assert not leftovers, f"not Flux's defaults: {sorted(leftovers)}"


@pytest.mark.parametrize("tool", TOOLS_ABSENT)
def test_client_images_have_no_shell_or_tools(cluster: Cluster, tool: str) -> None:
    for client in B.clients:
        proc = exec_in_client(cluster, client, tool)
        assert proc.returncode != 0 and "executable file not found" in proc.stderr, (
            f"`kubectl exec deployment/{client.deployment} -n {client.namespace} -- {tool}`: {proc.stderr.strip()}"
        )


def test_clients_connect_without_names(cluster: Cluster, redis: Any) -> None:
    client_ips = {
        p.status.pod_ip
        for c in B.clients
        for p in cluster.core.list_namespaced_pod(c.namespace, label_selector=c.label).items
    }
    connections = [c for c in redis.client_list() if c["addr"].rpartition(":")[0] in client_ips]
    seen = {c["addr"].rpartition(":")[0] for c in connections}
    assert seen == client_ips, f"client pods {sorted(client_ips)}, connected {sorted(seen)}"
    assert all(c["name"] == "" for c in connections), [c["name"] for c in connections]


def test_password_survives_a_forced_upgrade(permit: Permit) -> None:
    cluster = permit.cluster  # a Helm upgrade of the release needs the safety gate's permit
    before = cluster.core.read_namespaced_secret(PASSWORD_SECRET, B.namespace).data
    flux(cluster, "reconcile", "helmrelease", B.helmrelease, "-n", B.namespace, "--force")
    after = cluster.core.read_namespaced_secret(PASSWORD_SECRET, B.namespace).data
    assert after == before, "the chart drew a new password on upgrade: every client would be locked out"
    assert is_healthy(cluster, B)
