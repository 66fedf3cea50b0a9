"""`pytest -m verify` on a broken Bitnami-shaped system: each broken state fails in one line naming the check,
the measured value and the runbook line.

Each state is made by this test (through the safety gate's permit), verify runs in a subprocess as an on-call
engineer would run it, and the state is restored in a `finally` before the next one; the restore waits until
the system is healthy again. Runs only with `--system bitnami`.
"""

from __future__ import annotations

import contextlib
import json
import re
import shlex
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chaos.safety import Permit
from checks.verification.parsing import connections_by_pod, parse_client_list, parse_info
from checks.verification.pods import running_client_pods
from checks.verification.registry import Inputs, by_id
from checks.verification.results import CheckError
from checks.verify_runner import cluster_args, run_verify
from fixtures.core import budgets
from fixtures.core.cells import ClusterLock
from fixtures.core.kube import Cluster
from fixtures.core.names import RunbookNames
from fixtures.core.options import system_name
from fixtures.core.pods import is_ready, last_terminated_reason, wait_for_pod
from fixtures.core.waits import Seen, wait_for
from fixtures.sut import sentinel
from tests.system.broken_states import (
    CLIENT_EGRESS_POLICY,
    FILL_FILE,
    PRIOR_INGRESS,
    redis_cli,
    redis_sh,
    remove_leftovers,
    restore_policy,
)

pytestmark = [pytest.mark.system, pytest.mark.usefixtures("redis_system")]

RESTORE_TIMEOUT = 180
BREAK_TIMEOUT = 120
# A Lua table of 100-byte strings far above the container's memory limit: the kernel kills Redis mid-script.
# Nothing is written, so the restarted Redis loads its AOF as before and stays up.
OOM_SCRIPT = "local t = {} for i = 1, 20000000 do t[i] = string.rep('x', 100) .. i end return #t"


@pytest.fixture(scope="module", autouse=True)
def only_on_bitnami(request: pytest.FixtureRequest) -> None:
    """Module-scoped so that it skips before the module's other fixtures touch a system."""
    if system_name(request.config) != "bitnami":
        pytest.skip("the broken states are made on the Bitnami-shaped system: run with --system bitnami")


def redis_pod(cluster: Cluster, names: RunbookNames) -> Any:
    return cluster.core.read_namespaced_pod(names.pod, names.namespace)


def connected_deployments(cluster: Cluster, names: RunbookNames) -> set[str]:
    """The client Deployments with at least one Running pod whose IP is in Redis's CLIENT LIST."""
    entries = parse_client_list(redis_cli(cluster, names, "client", "list"))
    connected = set()
    for client in names.clients:
        pods = running_client_pods(cluster, client)
        ips = {p.status.pod_ip: p.metadata.name for p in pods if p.status.pod_ip}
        if any(connections_by_pod(entries, ips).values()):
            connected.add(client.deployment)
    return connected


def wait_clients_connected(cluster: Cluster, names: RunbookNames) -> None:
    """Every client is connected to Redis again (the clients reconnect by themselves)."""
    wanted = {c.deployment for c in names.clients}

    def seen() -> Seen:
        missing = wanted - connected_deployments(cluster, names)
        return Seen(not missing, f"not connected: {sorted(missing)}")

    wait_for(seen, timeout=RESTORE_TIMEOUT, what="both clients connected to redis again")


def wait_clients_cut_off(cluster: Cluster, names: RunbookNames, deployments: set[str]) -> None:
    """Cut the clients' connections until `deployments` stay disconnected: a policy takes effect some seconds
    after it is written, and until then the clients reconnect at once."""

    def seen() -> Seen:
        connected = deployments & connected_deployments(cluster, names)
        if connected:
            redis_cli(cluster, names, "client", "kill", "type", "normal")
        return Seen(not connected, f"still connected: {sorted(connected)}")

    wait_for(seen, timeout=BREAK_TIMEOUT, interval=3, what=f"clients {sorted(deployments)} cut off from redis")


def restart_deployment(cluster: Cluster, namespace: str, name: str) -> None:
    proc = cluster.kubectl("rollout", "restart", f"deployment/{name}", "-n", namespace)
    assert proc.returncode == 0, proc.stderr
    proc = cluster.kubectl("rollout", "status", f"deployment/{name}", "-n", namespace, "--timeout=120s", timeout=150)
    assert proc.returncode == 0, proc.stderr


# ---------------------------------------------------------------- the broken states


@contextmanager
def client_password_wrong(cluster: Cluster, names: RunbookNames) -> Iterator[None]:
    """agent-bruno restarts with a wrong password in its copy of the Secret (a rotation it missed)."""
    client = names.clients[0]
    secret = cluster.core.read_namespaced_secret("redis", client.namespace)
    prior = dict(secret.data)
    wrong = {key: "d3Jvbmc=" for key in prior}  # base64 "wrong"
    cluster.core.patch_namespaced_secret("redis", client.namespace, {"data": wrong})
    try:
        restart_deployment(cluster, client.namespace, client.deployment)
        yield
    finally:
        cluster.core.patch_namespaced_secret("redis", client.namespace, {"data": prior})
        restart_deployment(cluster, client.namespace, client.deployment)
        wait_clients_connected(cluster, names)


@contextmanager
def aof_off(cluster: Cluster, names: RunbookNames) -> Iterator[None]:
    """AOF switched off at run time (RDB is off by default too): nothing is persisted."""
    assert redis_cli(cluster, names, "config", "set", "appendonly", "no") == "OK"
    try:
        yield
    finally:
        assert redis_cli(cluster, names, "config", "set", "appendonly", "yes") == "OK"
        wait_for(
            lambda: Seen(
                parse_info(redis_cli(cluster, names, "info", "persistence"))["aof_rewrite_in_progress"] == "0",
                "rewriting",
            ),
            timeout=RESTORE_TIMEOUT,
            what="the AOF rewrite that turning appendonly on starts",
        )


@contextmanager
def data_volume_full(cluster: Cluster, names: RunbookNames) -> Iterator[None]:
    """A file fills /data, the claim's volume, to 100%."""
    fill = shlex.quote(FILL_FILE)
    said = redis_sh(
        cluster,
        names,
        f"fallocate -l $(( $(df -k --output=avail /data | tail -1) * 1024 )) {fill} || "
        f"dd if=/dev/zero of={fill} bs=1M 2>/dev/null; df -P /data | tail -1",
        timeout=120,
    )
    try:
        assert "100%" in said, said
        yield
    finally:
        redis_sh(cluster, names, f"rm -f {fill}")


@contextmanager
def client_egress_blocked(cluster: Cluster, names: RunbookNames) -> Iterator[None]:
    """A NetworkPolicy in agent-bruno's namespace lets its pods reach nothing; its connections are cut."""
    client = names.clients[0]
    policy = {
        "metadata": {"name": CLIENT_EGRESS_POLICY},
        "spec": {"podSelector": {"matchLabels": {"app": client.deployment}}, "policyTypes": ["Egress"]},
    }
    cluster.networking.create_namespaced_network_policy(client.namespace, policy)
    try:
        wait_clients_cut_off(cluster, names, {client.deployment})
        yield
    finally:
        cluster.networking.delete_namespaced_network_policy(CLIENT_EGRESS_POLICY, client.namespace)
        wait_clients_connected(cluster, names)


@contextmanager
def redis_oom_restarted(cluster: Cluster, names: RunbookNames) -> Iterator[None]:
    """Redis exceeds its container's memory limit and is OOMKilled; the kubelet restarts it and it comes back."""
    restarts = redis_pod(cluster, names).status.container_statuses[0].restart_count
    with contextlib.suppress(CheckError):  # the kill ends the connection mid-script
        redis_cli(cluster, names, "eval", OOM_SCRIPT, "0")
    wait_for_pod(
        cluster,
        names.namespace,
        names.pod,
        lambda pod: (
            pod.status.container_statuses[0].restart_count > restarts
            and last_terminated_reason(pod) == "OOMKilled"
            and is_ready(pod)
        ),
        timeout=RESTORE_TIMEOUT,
        wanted="restarted after OOMKilled, Ready again",
    )
    try:
        yield
    finally:
        # The OOM left nothing to undo but the record of it: a new pod (as the runbook's fix makes) clears it.
        proc = cluster.kubectl("delete", "pod", names.pod, "-n", names.namespace, "--wait=true", timeout=120)
        assert proc.returncode == 0, proc.stderr
        wait_for_pod(cluster, names.namespace, names.pod, is_ready, timeout=RESTORE_TIMEOUT, wanted="Ready (a new pod)")
        wait_clients_connected(cluster, names)


@contextmanager
def redis_policy_blocks_clients(cluster: Cluster, names: RunbookNames) -> Iterator[None]:
    """The Redis NetworkPolicy admits only Redis's own namespace; the clients' connections are cut."""
    prior = cluster.networking.read_namespaced_network_policy(names.network_policy, names.namespace)
    ingress = cluster.api_client.sanitize_for_serialization(prior.spec)["ingress"]
    only_own = [{"ports": [{"port": names.port}], "from": [{"podSelector": {}}]}]
    # The prior rules ride on the policy itself, so a killed run's leftover is restored by the next one.
    cluster.networking.patch_namespaced_network_policy(
        names.network_policy,
        names.namespace,
        {"metadata": {"annotations": {PRIOR_INGRESS: json.dumps(ingress)}}, "spec": {"ingress": only_own}},
    )
    try:
        wait_clients_cut_off(cluster, names, {c.deployment for c in names.clients})
        yield
    finally:
        restore_policy(cluster, names)
        wait_clients_connected(cluster, names)


@contextmanager
def sentinel_sets_gone(cluster: Cluster, names: RunbookNames) -> Iterator[None]:
    """Every sentinel set's manifest renamed out of sight: Redis answers, and holds none of the sets the suite
    seeded (as after a lost volume). Renamed back after."""
    manifests = redis_cli(cluster, names, "--scan", "--pattern", f"{sentinel.PREFIX}:*:manifest").split()
    assert manifests, "the installed system has no sentinel set to hide"
    hidden = {key: f"hidden-by-test:{key}" for key in manifests}
    for key, away in hidden.items():
        assert redis_cli(cluster, names, "rename", key, away) == "OK"
    try:
        yield
    finally:
        for key, away in hidden.items():
            redis_cli(cluster, names, "rename", away, key)


@contextmanager
def redis_replica_of_nothing(cluster: Cluster, names: RunbookNames) -> Iterator[None]:
    """A failed failover's leftover: the master made a replica of an address where no Redis listens. It answers PING
    and reads, and refuses the clients' writes (READONLY); `replicaof no one` ends it, with no restart."""
    assert redis_cli(cluster, names, "replicaof", "127.0.0.1", NO_REDIS_PORT) == "OK"
    try:
        wait_for(
            lambda: Seen(bool(_clients_logging_readonly(cluster, names)), "no client has logged READONLY yet"),
            timeout=BREAK_TIMEOUT,
            interval=3,
            what="the clients' writes refused (READONLY in their logs)",
        )
        yield
    finally:
        assert redis_cli(cluster, names, "replicaof", "no", "one") == "OK"


def _clients_logging_readonly(cluster: Cluster, names: RunbookNames) -> list[str]:
    client = names.clients[0]
    proc = cluster.kubectl("logs", "-n", client.namespace, "-l", client.label, "--since=30s", "--tail=-1")
    return [line for line in proc.stdout.splitlines() if "readonly" in line.lower()]


@dataclass(frozen=True)
class BrokenState:
    name: str
    make: Callable[[Cluster, RunbookNames], Any]
    check: str  # the check that must fail (its name in the one-line failure)
    measured: str  # a regular expression the measured value must match
    shares: str | None = None  # what else the state changes, beyond this system: held with the cluster lock exclusive


CONNECTED = "both applications connected"
MASTER = "redis is a master (accepts writes)"
NO_REDIS_PORT = "6380"  # nothing listens there in the Redis pod
# Every claim here is a folder of one local-path filesystem: filling one fills the cells' too (chaos's disk-full).
LOCAL_PATH = "the filesystem every cell's claims are folders of (local-path)"
BROKEN_STATES = (
    BrokenState("auth wrong", client_password_wrong, CONNECTED, r"not connected: agent-bruno"),
    BrokenState("AOF off", aof_off, "AOF or RDB persistence enabled", r"appendonly=no"),
    BrokenState("PVC full", data_volume_full, "/data has free space", r"\b0% free", shares=LOCAL_PATH),
    BrokenState("client cannot reach redis", client_egress_blocked, CONNECTED, r"not connected: agent-bruno"),
    BrokenState("redis OOM-restarted", redis_oom_restarted, "redis container not OOMKilled", r"OOMKilled"),
    BrokenState("networkpolicy blocking", redis_policy_blocks_clients, CONNECTED, r"agent-bruno.*homepage-api"),
    BrokenState("replica of nothing", redis_replica_of_nothing, MASTER, rf"role:slave of 127\.0\.0\.1:{NO_REDIS_PORT}"),
    BrokenState("sentinel sets gone", sentinel_sets_gone, "sentinel keys intact", r"the suite seeded set 'baseline'"),
)


@pytest.fixture(scope="module", autouse=True)
def leftovers_removed_and_clients_restarted(
    only_on_bitnami: None, permit: Permit, names: RunbookNames
) -> Iterator[None]:
    """Before: undo what a killed run left, in case this session's install did not (another --system).
    After: the broken states leave Redis errors in the clients' logs; new client pods start verify's log window
    afresh, so a verify run after this module judges the healthy system, not these states."""
    undone = remove_leftovers(permit.cluster, names)
    if undone:
        print(f"\nleft by a killed run and undone: {'; '.join(undone)}")
        wait_clients_connected(permit.cluster, names)
    yield
    for client in names.clients:
        restart_deployment(permit.cluster, client.namespace, client.deployment)
    wait_clients_connected(permit.cluster, names)


@pytest.mark.parametrize("state", BROKEN_STATES, ids=lambda s: s.name)
def test_verify_fails_in_one_line_naming_check_value_and_line(
    state: BrokenState,
    permit: Permit,
    names: RunbookNames,
    cluster_lock: ClusterLock,
    tmp_path: Path,
    record_property: Callable[..., None],
) -> None:
    cluster = permit.cluster
    what = f"verify's broken state {state.name!r} in ns {names.namespace}" + (
        f" (changes {state.shares})" if state.shares else ""
    )
    with cluster_lock.hold(exclusive=state.shares is not None, what=what), state.make(cluster, names):
        run = run_verify(
            *cluster_args(cluster),
            "--system=bitnami",
            f"--junitxml={tmp_path / f'{uuid.uuid4().hex}.xml'}",
            summary=tmp_path / "summary.json",
        )
    assert run.returncode == 1, run.output[-3000:]
    assert "Traceback" not in run.output, run.output[-3000:]
    lines = run.output.splitlines()
    # The summary table: check, result, measured value, runbook line; and the failure's own one line.
    rows = [line for line in lines if line.startswith(state.check) and re.search(r"\sFAIL\s", line)]
    assert rows, f"no FAIL row for {state.check!r}:\n{run.output[-3000:]}"
    record_property("verify_row", " ".join(rows[0].split()))
    assert re.search(state.measured, rows[0]), f"measured value should match {state.measured!r}: {rows[0]}"
    assert re.search(r"runbook line \d+$", rows[0]), f"no runbook line: {rows[0]}"
    failure = [line for line in lines if line.startswith(f"{state.check}: measured ") and "(runbook line " in line]
    assert failure, f"no one-line failure `{state.check}: measured ... (runbook line N)`:\n{run.output[-3000:]}"


def test_verify_passes_once_the_incident_is_over(
    permit: Permit, names: RunbookNames, cluster_lock: ClusterLock, request: pytest.FixtureRequest
) -> None:
    """After a replica-of-nothing incident ended by `replicaof no one` (no restart), the default client-log window
    passes within a minute or so, showing the incident's errors as history, while `redis-ready` (errors since Redis
    last became Ready, which it never stopped being) still fails: the stricter window an engineer can ask for."""
    cluster = permit.cluster
    with cluster_lock.hold(exclusive=False, what=f"verify's replica-of-nothing incident in ns {names.namespace}"):
        with redis_replica_of_nothing(cluster, names):
            pass
        ended = time.monotonic()
        client = names.clients[0]
        logs = by_id("client_logs_free_of_redis_errors")

        def inputs(since: str) -> Inputs:
            return Inputs(cluster, names, None, None, since, None)

        def recent_passes() -> Seen:
            result = logs.run(inputs("recent"), client)
            return Seen(result.ok, result.value)

        wait_for(
            recent_passes,
            timeout=budgets.CLIENT_RECENT_WINDOW_S + RESTORE_TIMEOUT,
            interval=5,
            what=f"{client.deployment}'s logs clean in verify's default window after the incident",
        )
        passed = logs.run(inputs("recent"), client)
        strict = logs.run(inputs("redis-ready"), client)
    request.node.user_properties.append(("passed_after_s", round(time.monotonic() - ended, 1)))
    assert "before it" in passed.value and "the last at" in passed.value, passed.value
    assert not strict.ok, f"redis-ready should still see the incident's errors: {strict.value}"
