"""The installed system behaves as the runbook assumes: durable data, clients that notice an outage."""

from __future__ import annotations

import time
import uuid

import pytest

from chaos.safety import Permit
from fixtures.core.kube import Cluster
from fixtures.core.names import RUNBOOK
from fixtures.core.pods import is_ready, wait_for_pod
from fixtures.core.redis_client import through_service
from fixtures.core.waits import Seen, wait_for
from fixtures.sut.client_apps import client_reports_redis_up, wait_until_clients_see_redis
from tests.system.marks import runbook_system_only

pytestmark = [
    pytest.mark.system,
    runbook_system_only("breaks and restores the runbook's own Redis (fixed names)"),
    pytest.mark.usefixtures("redis_system"),
]
R = RUNBOOK
RESTART_TIMEOUT = 120
# Clients poll every 0.5 s with 1 s socket timeouts: an outage must show within this budget.
DETECTION_BUDGET = 10
KEYS = 200


def _replaced_and_ready(old_uid: str):
    return lambda pod: pod.metadata.uid != old_uid and is_ready(pod)


def test_data_written_through_service_survives_pod_deletion(permit: Permit) -> None:
    cluster = permit.cluster  # deleting Redis's pod needs the safety gate's permit
    marker = uuid.uuid4().hex
    keys = {f"selftest:{marker}:{i}": f"value-{i}" for i in range(KEYS)}
    with through_service(cluster) as redis:
        redis.mset(keys)
        assert redis.config_get("appendonly") == {"appendonly": "yes"}
    old_uid = cluster.core.read_namespaced_pod(R.pod, R.namespace).metadata.uid

    cluster.core.delete_namespaced_pod(R.pod, R.namespace)
    wait_for_pod(
        cluster,
        R.namespace,
        R.pod,
        _replaced_and_ready(old_uid),
        timeout=RESTART_TIMEOUT,
        wanted="replaced by a new pod that is Ready",
    )

    wait_until_clients_see_redis(cluster)  # leave the system as healthy as it was found
    with through_service(cluster) as redis:
        values = redis.mget(list(keys))
        redis.delete(*keys)
    missing = [k for k, v in zip(keys, values, strict=True) if v is None or v.decode() != keys[k]]
    assert not missing, f"{len(missing)} of {KEYS} keys lost after deleting pod/{R.pod}: {missing[:5]}"


def test_both_clients_report_redis_reachable(cluster: Cluster) -> None:
    for client in R.clients:
        seen = client_reports_redis_up(cluster, client)
        assert seen.done, f"deployment/{client.deployment} in ns {client.namespace}: {seen.state}"


def _scale_redis(cluster: Cluster, replicas: int) -> None:
    cluster.apps.patch_namespaced_stateful_set_scale(R.statefulset, R.namespace, {"spec": {"replicas": replicas}})


def _error_logged_since(cluster: Cluster, client, since: float) -> Seen:
    seconds = max(1, int(time.time() - since) + 1)
    logs = cluster.kubectl("logs", "-n", client.namespace, "-l", client.label, f"--since={seconds}s").stdout
    errors = [line for line in logs.splitlines() if "ERROR" in line and "redis" in line.lower()]
    return Seen(bool(errors), "no redis error logged yet")


def test_outage_shows_in_client_logs_and_metrics_within_seconds(permit: Permit) -> None:
    cluster = permit.cluster  # scaling Redis to zero needs the safety gate's permit
    wait_until_clients_see_redis(cluster)
    started = time.time()
    _scale_redis(cluster, 0)
    try:
        for client in R.clients:
            down = wait_for(
                lambda c=client: Seen(not client_reports_redis_up(cluster, c).done, "redis_up still 1"),
                timeout=DETECTION_BUDGET,
                interval=0.5,
                what=f"deployment/{client.deployment}: redis_up 0 in /metrics after Redis stopped",
            )
            wait_for(
                lambda c=client: _error_logged_since(cluster, c, started),
                timeout=DETECTION_BUDGET,
                what=f"deployment/{client.deployment}: a redis error in its logs",
            )
            print(f"{client.deployment}: outage visible in metrics after {time.time() - started:.1f}s ({down=:.1f})")
    finally:
        _scale_redis(cluster, 1)
        wait_for_pod(cluster, R.namespace, R.pod, is_ready, timeout=RESTART_TIMEOUT, wanted="Ready again")
        wait_until_clients_see_redis(cluster)
