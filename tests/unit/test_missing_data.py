"""Missing data is not health (issue 22): what could not be read, or is gone, fails; it never passes or skips."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from kubernetes.client.exceptions import ApiException

from chaos import trials
from chaos.modes import disk_full_backups, network_policy, node, oom
from checks.verification import checks
from fixtures.core import redis_cli
from fixtures.core.names import RUNBOOK, Client
from fixtures.sut import sentinel

pytestmark = pytest.mark.unit

STARTED_AT = 1_700_000_000.5  # a run's record `started_at`: before the injection


# ---------------------------------------------------------------- fakes: a pod, a cluster, a Redis client


def _pod(limits: dict[str, str] | None = None) -> Any:
    container = SimpleNamespace(name="redis", env=None, resources=SimpleNamespace(limits=limits))
    return SimpleNamespace(status=SimpleNamespace(phase="Running"), spec=SimpleNamespace(containers=[container]))


class FakeCluster:
    """kubectl exec into the Redis pod answers from `answers` (program name -> (exit code, stdout, stderr))."""

    def __init__(self, answers: dict[str, tuple[int, str, str]]) -> None:
        self.answers = answers
        pod = _pod()
        self.core = SimpleNamespace(read_namespaced_pod=lambda name, namespace: pod)

    def kubectl(self, *args: str, timeout: float | None = None) -> subprocess.CompletedProcess[str]:
        argv = list(args[args.index("--") + 1 :])
        code, out, err = self.answers[argv[0]]
        return subprocess.CompletedProcess(argv, code, out, err)


REDIS_CONFIG = "appendonly\nyes\nsave\n3600 1\ndir\n/data\ndbfilename\ndump.rdb\nappenddirname\nappendonlydir\n"
LS_MISSING = (2, "", "ls: cannot access '/data': No such file or directory\ncommand terminated with exit code 2\n")
DF_MISSING = (1, "", "df: /data: No such file or directory\ncommand terminated with exit code 1\n")
RUNC_MISSING = (
    "error: Internal error occurred: error executing command in container: failed to exec in container: failed to "
    'start exec "0a1b": OCI runtime exec failed: exec failed: unable to start container process: exec: "/bin/df": '
    "stat /bin/df: no such file or directory: unknown\n"
)


class FakeRedis:
    """The few redis-py calls the sentinel read-back makes, over a dict."""

    def __init__(self, data: dict[str, str]) -> None:
        self.data = data

    def scan_iter(self, match: str, count: int) -> list[bytes]:
        prefix, suffix = match.split("*")
        return [k.encode() for k in self.data if k.startswith(prefix) and k.endswith(suffix)]

    def get(self, key: str) -> bytes | None:
        value = self.data.get(key)
        return None if value is None else value.encode()

    def mget(self, keys: list[str]) -> list[bytes | None]:
        return [self.get(k) for k in keys]


# ---------------------------------------------------------------- 1. a missing path is a FAIL, a missing program a SKIP


@pytest.mark.parametrize(
    "stderr",
    [
        "ls: cannot access '/data': No such file or directory",
        "ls: /data: No such file or directory",  # busybox
        "df: /data: No such file or directory",
        "df: '/data': No such file or directory",
        "stat: cannot stat '/data': No such file or directory",
    ],
)
def test_a_missing_path_is_not_a_missing_tool(stderr: str) -> None:
    assert redis_cli.missing_tool(stderr + "\ncommand terminated with exit code 2\n") is None


@pytest.mark.parametrize(
    ("stderr", "missing"),
    [
        (RUNC_MISSING, 'exec: "/bin/df": stat /bin/df: no such file or directory: unknown'),
        (
            "OCI runtime exec failed: exec failed: container_linux.go:380: starting container process caused: exec: "
            '"redis-cli": executable file not found in $PATH: unknown\r\ncommand terminated with exit code 126',
            'exec: "redis-cli": executable file not found in $PATH: unknown',
        ),
        ("sh: 1: exec: redis-cli: not found\ncommand terminated with exit code 127", "redis-cli: not found"),
    ],
)
def test_a_missing_program_is_a_missing_tool(stderr: str, missing: str) -> None:
    assert redis_cli.missing_tool(stderr) == missing


def test_a_data_directory_that_is_not_there_fails_the_persistence_files_check() -> None:
    cluster = FakeCluster({"redis-cli": (0, REDIS_CONFIG, ""), "ls": LS_MISSING})
    result = checks.persistence_files_present(cluster, RUNBOOK)  # type: ignore[arg-type]
    assert result.status == "FAIL", result.value
    assert "ls: cannot access '/data': No such file or directory" in result.value


def test_a_data_directory_that_is_not_there_fails_the_free_space_check() -> None:
    result = checks.data_volume_has_room(FakeCluster({"df": DF_MISSING}), RUNBOOK)  # type: ignore[arg-type]
    assert result.status == "FAIL", result.value
    assert "df: /data: No such file or directory" in result.value


def test_a_pod_without_df_skips_the_free_space_check() -> None:
    result = checks.data_volume_has_room(FakeCluster({"df": (1, "", RUNC_MISSING)}), RUNBOOK)  # type: ignore[arg-type]
    assert result.status == "SKIP", result.value
    assert 'exec: "/bin/df": stat /bin/df' in result.skipped


def test_a_client_without_nc_skips_the_reachability_check(monkeypatch: pytest.MonkeyPatch) -> None:
    client_pod = SimpleNamespace(metadata=SimpleNamespace(name="agent-bruno-1"))
    monkeypatch.setattr(checks, "running_client_pods", lambda cluster, client: [client_pod])
    said = subprocess.CompletedProcess([], 127, "", "sh: 1: nc: not found\n")
    cluster = SimpleNamespace(exec=lambda namespace, pod, argv, timeout: said)
    result = checks.client_reaches_service(cluster, RUNBOOK, RUNBOOK.clients[0])  # type: ignore[arg-type]
    assert result.status == "SKIP" and "nc: not found" in result.skipped


# ---------------------------------------------------------------- 2. a gone sentinel set is lost, not intact


def _manifest(set_id: str, count: int) -> tuple[str, list[str]]:
    values = [f"{set_id}:{i}:abcd" for i in range(count)]
    return json.dumps({"set": set_id, "count": count, "digest": sentinel.digest(values)}), values


def test_a_gone_manifest_is_not_intact() -> None:
    report = sentinel.judge("s1", None, [])
    assert not report.intact, report
    assert "manifest of set s1 is gone" in report.detail


def test_a_gone_manifest_counts_the_expected_keys_as_lost() -> None:
    report = sentinel.judge("s1", None, [], expected_count=100)
    assert (report.keys, report.lost, report.intact) == (100, 100, False)
    assert report.detail == "manifest of set s1 is gone: its 100 keys count as lost"


def test_a_gone_set_among_whole_ones_is_not_intact() -> None:
    manifest, values = _manifest("s1", 3)
    total = sentinel.combine([sentinel.judge("s1", manifest, values), sentinel.judge("s2", None, [])])
    assert (total.sets, total.keys, total.lost, total.intact) == (2, 3, 0, False)


def test_check_set_passes_the_expected_count_to_a_gone_set() -> None:
    report = sentinel.check_set(FakeRedis({}), "run1", expected_count=100)  # type: ignore[arg-type]
    assert (report.keys, report.lost) == (100, 100)


def test_the_trials_count_the_baseline_keys_lost_when_the_keyspace_is_gone() -> None:
    assert trials.sentinel_keys_lost(FakeRedis({})) == sentinel.DEFAULT_COUNT  # type: ignore[arg-type]


def test_the_trials_count_nothing_lost_when_the_baseline_is_whole() -> None:
    manifest, values = _manifest("baseline", 3)
    data = {sentinel.key_of("baseline", i): v for i, v in enumerate(values)}
    data[f"{sentinel.PREFIX}:baseline:manifest"] = manifest
    assert trials.sentinel_keys_lost(FakeRedis(data)) == 0  # type: ignore[arg-type]


# ---------------------------------------------------------------- 3. clients and memory


class FakeRedisPod:
    """checks.RedisPod with set answers to CLIENT LIST, INFO memory and CONFIG GET maxmemory."""

    def __init__(self, info_memory: dict[str, str] | None = None) -> None:
        self.info_memory = info_memory or {}
        self.container = _pod({"memory": "128Mi"}).spec.containers[0]

    def __call__(self, cluster: Any, names: Any) -> FakeRedisPod:
        return self

    def cli(self, *args: str, purpose: str, raw: bool = False) -> str:
        return "id=9 addr=127.0.0.1:39000 laddr=127.0.0.1:6379 fd=10 name= age=0 cmd=client|list"

    def info(self, section: str) -> dict[str, str]:
        return self.info_memory

    def config(self, parameter: str) -> str:
        return str(100 * 2**20)


def test_no_client_configured_fails_clients_connected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "RedisPod", FakeRedisPod())
    result = checks.clients_connected(None, replace(RUNBOOK, clients=()))  # type: ignore[arg-type]
    assert result.status == "FAIL", result.value
    assert "no client configured: nothing to count" in result.value


def test_a_client_with_no_running_pod_fails_clients_connected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "RedisPod", FakeRedisPod())
    monkeypatch.setattr(checks, "running_client_pods", lambda cluster, client: [])
    names = replace(RUNBOOK, clients=(Client("bruno", "agent-bruno"),))
    result = checks.clients_connected(None, names)  # type: ignore[arg-type]
    assert result.status == "FAIL", result.value
    assert "agent-bruno (0 Running pods, none connected)" in result.value


def test_info_memory_without_used_memory_fails_memory_within_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "RedisPod", FakeRedisPod({"maxmemory": str(100 * 2**20)}))
    result = checks.memory_within_limits(None, RUNBOOK)  # type: ignore[arg-type]
    assert (result.status, result.value) == ("FAIL", "INFO memory has no used_memory")


def test_info_memory_with_used_memory_is_judged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "RedisPod", FakeRedisPod({"used_memory": str(10 * 2**20)}))
    assert checks.memory_within_limits(None, RUNBOOK).status == "PASS"  # type: ignore[arg-type]


# ---------------------------------------------------------------- 4. network-policy: no client, no symptom


def _execution(stdout: str = "", exit_code: int = 0, stderr: str = "") -> Any:
    return SimpleNamespace(stdout=stdout, stderr=stderr, exit_code=exit_code)


def _policy_ctx(clients: tuple[Client, ...]) -> Any:
    def run(cmd: str, **kwargs: Any) -> Any:
        if cmd.startswith("kubectl get networkpolicies"):
            return _execution("NAME           POD-SELECTOR\nredis-master   app.kubernetes.io/name=redis\n")
        return _execution(exit_code=1, stderr="nc: connect to redis-master port 6379 (tcp) timed out")

    names = replace(RUNBOOK, clients=clients)
    return SimpleNamespace(
        names=names, executor=SimpleNamespace(runbook_names=names), command=lambda text: text, run=run
    )


def test_network_policy_symptom_is_not_shown_without_a_client() -> None:
    seen = network_policy.NetworkPolicy().symptom(_policy_ctx(()))
    assert not seen.done, seen
    assert "no client configured" in seen.state


def test_network_policy_symptom_is_shown_when_every_client_is_blocked() -> None:
    assert network_policy.NetworkPolicy().symptom(_policy_ctx(RUNBOOK.clients)).done


@pytest.mark.parametrize(("blocked", "clients", "shown"), [(0, 0, False), (1, 2, False), (2, 2, True)])
def test_every_client_blocked_needs_a_client(blocked: int, clients: int, shown: bool) -> None:
    assert network_policy.every_client_blocked([f"c{i}" for i in range(blocked)], clients) is shown


# ---------------------------------------------------------------- 5. oom and node: this run's fault, not an earlier one


def _at(unix: float) -> datetime:
    return datetime.fromtimestamp(unix, UTC)


@pytest.mark.parametrize(
    ("finished_at", "this_run"),
    [
        (None, False),
        (_at(STARTED_AT - 3600), False),
        (_at(int(STARTED_AT)), True),  # the API keeps whole seconds: the second the run started counts
        (_at(STARTED_AT + 40), True),
    ],
)
def test_oom_this_run_needs_a_termination_after_the_injection(finished_at: datetime | None, this_run: bool) -> None:
    assert oom.oom_this_run(finished_at, STARTED_AT) is this_run


def _oom_ctx(finished_at: datetime) -> Any:
    terminated = SimpleNamespace(reason="OOMKilled", finished_at=finished_at)
    status = SimpleNamespace(name="redis", last_state=SimpleNamespace(terminated=terminated))
    pod = SimpleNamespace(status=SimpleNamespace(container_statuses=[status]))
    return SimpleNamespace(
        names=RUNBOOK,
        record={"started_at": STARTED_AT},
        command=lambda text, after=None: SimpleNamespace(line=80, text=text),
        run=lambda cmd: _execution("OOMKilled"),
        cluster=SimpleNamespace(core=SimpleNamespace(read_namespaced_pod=lambda name, namespace: pod)),
    )


def test_an_earlier_oom_kill_is_not_this_runs_symptom() -> None:
    seen = oom.Oom().symptom(_oom_ctx(_at(STARTED_AT - 3600)))
    assert not seen.done, seen


def test_an_oom_kill_after_the_injection_is_this_runs_symptom() -> None:
    assert oom.Oom().symptom(_oom_ctx(_at(STARTED_AT + 30))).done


NODES = (
    "NAME           STATUS                        ROLES           AGE   VERSION\n"
    "control-plane  Ready                         control-plane   9d    v1.31.0\n"
    "worker         Ready                         <none>          9d    v1.31.0\n"
    "worker2        NotReady,SchedulingDisabled   <none>          9d    v1.31.0\n"
)


@pytest.mark.parametrize(
    ("name", "shown"), [("worker", False), ("worker2", True), ("control-plane", False), ("gone", False)]
)
def test_node_shown_not_ready_is_the_named_node(name: str, shown: bool) -> None:
    assert node.node_shown_not_ready(NODES, name) is shown


def _node_ctx(stopped: str) -> Any:
    return SimpleNamespace(
        record={"node": stopped},
        command=lambda text, after=None: SimpleNamespace(line=156, text=text),
        run=lambda cmd: _execution(NODES),
    )


def test_another_nodes_not_ready_is_not_this_runs_symptom() -> None:
    assert not node.Node().symptom(_node_ctx("worker")).done


def test_the_stopped_nodes_not_ready_is_this_runs_symptom() -> None:
    assert node.Node().symptom(_node_ctx("worker2")).done


def test_a_test_pod_in_redis_own_namespace_proves_nothing_about_the_policy_fix() -> None:
    ran = "kubectl run test -n redis-cell1 --image=redis:7.2 --rm -i --restart=Never -- redis-cli -h redis-master ping"
    assert "proves nothing here" in network_policy.proves_nothing(ran, "redis-cell1")
    assert network_policy.proves_nothing(ran.replace("-n redis-cell1", "-n bruno"), "redis-cell1") == ""
    assert network_policy.proves_nothing("kubectl delete networkpolicy -n redis-cell1 x", "redis-cell1") == ""


# ---------------------------------------------------------------- a client that declares no metrics port


def _client_pod(ports: list[int]) -> Any:
    container = SimpleNamespace(ports=[SimpleNamespace(container_port=p) for p in ports] or None)
    return SimpleNamespace(metadata=SimpleNamespace(name="redis-cli-7f9"), spec=SimpleNamespace(containers=[container]))


def _proxy_refused(*args: Any, **kwargs: Any) -> str:
    raise ApiException(status=503, reason="Service Unavailable")


@pytest.mark.parametrize(("ports", "status"), [([], "SKIP"), ([6379], "SKIP"), ([8080], "FAIL")])
def test_a_client_without_a_metrics_port_is_not_checkable_and_a_silent_declared_one_fails(
    monkeypatch: pytest.MonkeyPatch, ports: list[int], status: str
) -> None:
    monkeypatch.setattr(checks, "running_client_pods", lambda cluster, client: [_client_pod(ports)])
    cluster = SimpleNamespace(core=SimpleNamespace(connect_get_namespaced_pod_proxy_with_path=_proxy_refused))
    result = checks.client_reports_reachable(cluster, Client("bruno", "agent-bruno"))  # type: ignore[arg-type]
    assert result.status == status, result.value
    if status == "FAIL":
        assert "HTTP 503" in result.value
    else:
        assert "not 8080" in result.value


# ---------------------------------------------------------------- disk full of the Prevention section's backups


def test_the_backups_are_named_as_the_runbooks_command_names_them() -> None:
    command = "kubectl exec -n redis redis-master-0 -- redis-cli --rdb /data/backup-$(date +%Y%m%d).rdb"
    assert disk_full_backups.backup_path(command, date(2026, 11, 30)) == "/data/backup-20261130.rdb"


def test_a_month_of_backups_fills_the_volume_within_the_memory_share() -> None:
    gib = 2**30
    assert disk_full_backups.ballast_keys(2 * gib, 200 * 2**20) == (2 * gib // 30) // 1000
    assert disk_full_backups.ballast_keys(20 * gib, 200 * 2**20) == int(200 * 2**20 * 0.4) // 1000
    assert disk_full_backups.backups_needed(2 * gib, 70 * 2**20) == 31
