"""The pure parts of `pytest -m verify`: replies, INFO, CLIENT LIST, verdicts, log matching, the runbook's words."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from checks.runbook.parser import parse, parse_file
from checks.verification import checks, expectations, logs, parsing, results, verdicts
from fixtures.core import budgets, prom_text, redis_cli
from fixtures.core.runbook_source import RUNBOOK_PATH
from fixtures.sut import sentinel

pytestmark = pytest.mark.unit

MI = 2**20


@pytest.fixture(scope="module")
def runbook():
    return parse_file(RUNBOOK_PATH)


# ---------------------------------------------------------------- redis-cli replies (it exits 0 on all of these)


@pytest.mark.parametrize(
    "stdout",
    [
        "NOAUTH Authentication required.\n\n",
        "WRONGPASS invalid username-password pair or user is disabled.",
        "ERR unknown command 'foo', with args beginning with: ",
        "LOADING Redis is loading the dataset in memory",
        "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk.",
        "(error) NOAUTH Authentication required.",
    ],
)
def test_error_replies_are_errors_not_values(stdout: str) -> None:
    assert redis_cli.redis_error(stdout) == stdout.strip()


@pytest.mark.parametrize("stdout", ["PONG", "redis_version:7.0.15\nredis_mode:standalone", "1712345678", "", "OK"])
def test_values_are_not_errors(stdout: str) -> None:
    assert redis_cli.redis_error(stdout) is None


def test_a_wrong_password_said_on_stderr_is_an_error() -> None:
    stderr = "AUTH failed: WRONGPASS invalid username-password pair or user is disabled.\n"
    assert redis_cli.redis_error("", stderr).startswith("AUTH failed: WRONGPASS")
    assert redis_cli.redis_error("", "Could not connect to Redis at 127.0.0.1:6379: Connection refused\n").startswith(
        "Could not connect"
    )


@pytest.mark.parametrize(
    ("stderr", "missing"),
    [
        (
            "error: Internal error occurred: error executing command in container: failed to exec in container: "
            'failed to start exec "x": OCI runtime exec failed: exec failed: unable to start container process: '
            'exec: "sh": executable file not found in $PATH: unknown',
            'exec: "sh": executable file not found in $PATH: unknown',
        ),
        ("sh: 1: nc: not found\n", "nc: not found"),
        ("sh: nc: command not found", "nc: command not found"),
        (
            "OCI runtime exec failed: exec failed: unable to start container process: "
            'exec: "/bin/sh": stat /bin/sh: no such file or directory: unknown',
            'exec: "/bin/sh": stat /bin/sh: no such file or directory: unknown',
        ),
    ],
)
def test_a_missing_tool_is_recognised(stderr: str, missing: str) -> None:
    assert redis_cli.missing_tool(stderr) == missing


def test_a_refused_connection_is_not_a_missing_tool() -> None:
    assert (
        redis_cli.missing_tool("nc: connect to redis-master.redis.svc.cluster.local port 6379 (tcp) failed: refused")
        is None
    )


# ---------------------------------------------------------------- auth from the pod's own environment


def test_no_auth_env_runs_plain_redis_cli() -> None:
    assert redis_cli.cli_argv(None, ["ping"]) == ["redis-cli", "ping"]
    assert redis_cli.cli_argv("REDISCLI_AUTH", ["ping"]) == ["redis-cli", "ping"]


def test_password_file_is_read_inside_the_pod_and_never_on_the_command_line() -> None:
    argv = redis_cli.cli_argv("REDIS_PASSWORD_FILE", ["config", "get", "save"])
    assert argv[:2] == ["sh", "-c"]
    assert argv[2] == 'REDISCLI_AUTH="$(cat "$REDIS_PASSWORD_FILE")" exec redis-cli "$@"'
    assert argv[3:] == ["redis-cli", "config", "get", "save"]


def test_password_env_is_used_inside_the_pod() -> None:
    assert redis_cli.cli_argv("REDIS_PASSWORD", ["ping"])[2] == 'REDISCLI_AUTH="$REDIS_PASSWORD" exec redis-cli "$@"'


def test_auth_env_is_chosen_by_the_variable_names_in_the_spec() -> None:
    from kubernetes.client import V1Container, V1EnvVar, V1EnvVarSource, V1SecretKeySelector

    secret = V1EnvVarSource(secret_key_ref=V1SecretKeySelector(name="redis", key="redis-password"))
    both = V1Container(
        name="redis",
        env=[V1EnvVar(name="REDIS_PASSWORD", value_from=secret), V1EnvVar(name="REDIS_PASSWORD_FILE", value="/x")],
    )
    assert redis_cli.auth_env_of(both) == "REDIS_PASSWORD_FILE"
    assert redis_cli.auth_env_of(V1Container(name="redis", env=[V1EnvVar(name="TZ", value="UTC")])) is None
    assert redis_cli.auth_env_of(V1Container(name="redis")) is None


# ---------------------------------------------------------------- INFO, CLIENT LIST, metrics, benchmark

CLIENT_LIST = (
    "id=5 addr=10.244.0.12:40312 laddr=10.244.0.9:6379 fd=8 name= age=60 cmd=get\n"
    "id=6 addr=10.244.0.13:51000 laddr=10.244.0.9:6379 fd=9 name=homepage-api age=60 cmd=set\n"
    "id=9 addr=127.0.0.1:39000 laddr=127.0.0.1:6379 fd=10 name= age=0 cmd=client|list\n"
)


def test_client_list_is_matched_to_pods_by_ip() -> None:
    entries = parsing.parse_client_list(CLIENT_LIST)
    assert [e["id"] for e in entries] == ["5", "6", "9"]
    assert entries[0]["name"] == "" and entries[1]["name"] == "homepage-api"
    by_pod = parsing.connections_by_pod(entries, {"10.244.0.12": "agent-bruno-1", "10.244.0.99": "agent-bruno-2"})
    assert [e["id"] for e in by_pod["agent-bruno-1"]] == ["5"]
    assert by_pod["agent-bruno-2"] == []


def test_info_is_read_as_text() -> None:
    info = parsing.parse_info(
        "# Server\r\nredis_version:7.0.15\r\nrun_id:0123\r\n\r\n# Persistence\r\naof_enabled:1\r\n"
    )
    assert info == {"redis_version": "7.0.15", "run_id": "0123", "aof_enabled": "1"}


def test_redis_up_is_read_with_any_labels() -> None:
    text = '# HELP redis_up x\n# TYPE redis_up gauge\nredis_up{app="agent-bruno"} 1.0\nredis_upness 0\n'
    assert prom_text.values(text, "redis_up") == [1.0]
    assert prom_text.values("redis_up 0\n", "redis_up") == [0.0]


def test_latency_window_reads_redis_cli_raw_output() -> None:
    assert parsing.latency_window("0 37 0.19 471\n") == (0, 37, 0.19, 471)
    for bad in ("", "NOAUTH Authentication required.", "0 1 0.1", "0 0 0.00 0", "1 2 3 4 5"):
        with pytest.raises(results.CheckError, match="redis-cli --latency printed"):
            parsing.latency_window(bad)


def test_latency_is_judged_by_its_average_not_one_throttled_sample() -> None:
    # Measured on Bitnami's 150m CPU limit: one throttled period makes a 37 ms sample on an idle Redis.
    assert verdicts.latency_verdict(0, 37, 0.19, 471).ok
    slow = verdicts.latency_verdict(1, 40, budgets.LATENCY_AVG_MS + 0.5, 120)
    assert not slow.ok and "Performance Tips" in slow.detail and "max 40 ms" in slow.value


# ---------------------------------------------------------------- persistence verdicts

OK_AOF = {"aof_last_write_status": "ok", "aof_last_bgrewrite_status": "ok", "rdb_last_bgsave_status": "ok"}


def test_aof_only_passes_and_says_lastsave_is_not_judged() -> None:
    verdict = verdicts.persistence_health_verdict("yes", "", OK_AOF, lastsave_age=10**6)
    assert verdict.ok, verdict
    assert "RDB off (save ''): LASTSAVE age not judged" in verdict.value
    assert verdicts.persistence_enabled_verdict("yes", "").ok


def test_rdb_lastsave_is_judged_only_when_save_is_set() -> None:
    old = budgets.LASTSAVE_MAX_AGE_S + 1
    assert not verdicts.persistence_health_verdict("no", "900 1", OK_AOF, old).ok
    assert verdicts.persistence_health_verdict("no", "900 1", OK_AOF, 5).ok


def test_a_failing_aof_write_fails_even_with_rdb_healthy() -> None:
    info = {**OK_AOF, "aof_last_write_status": "err"}
    verdict = verdicts.persistence_health_verdict("yes", "900 1", info, 5)
    assert not verdict.ok and "aof_last_write_status=err" in verdict.detail


def test_no_persistence_at_all_fails() -> None:
    assert not verdicts.persistence_enabled_verdict("no", "").ok
    assert not verdicts.persistence_health_verdict("no", "", OK_AOF, 0).ok


def test_files_follow_what_is_enabled() -> None:
    aof_only = verdicts.persistence_files_verdict("yes", "", ["appendonlydir"], ["appendonly.aof.1.base.rdb",
        "appendonly.aof.manifest"], "dump.rdb", "appendonlydir")  # fmt: skip
    assert aof_only.ok and "(RDB off)" in aof_only.value
    no_manifest = verdicts.persistence_files_verdict("yes", "", ["appendonlydir"], [], "dump.rdb", "appendonlydir")
    assert not no_manifest.ok and "no manifest" in no_manifest.detail
    assert not verdicts.persistence_files_verdict("no", "900 1", [], [], "dump.rdb", "appendonlydir").ok
    assert verdicts.persistence_files_verdict("no", "900 1", ["dump.rdb"], [], "dump.rdb", "appendonlydir").ok


# ---------------------------------------------------------------- memory verdicts


def test_maxmemory_zero_is_judged_against_the_container_limit() -> None:
    verdict = verdicts.memory_verdict(used=2 * MI, maxmemory=0, limit=512 * MI)
    assert verdict.ok and "judged against limit 512Mi" in verdict.value
    assert not verdicts.memory_verdict(used=300 * MI, maxmemory=0, limit=512 * MI).ok


def test_maxmemory_is_the_bound_when_set() -> None:
    assert verdicts.memory_verdict(used=100 * MI, maxmemory=200 * MI, limit=512 * MI).ok
    assert not verdicts.memory_verdict(used=170 * MI, maxmemory=200 * MI, limit=512 * MI).ok
    above = verdicts.memory_verdict(used=1 * MI, maxmemory=1024 * MI, limit=512 * MI)
    assert not above.ok and "above the container limit" in above.detail


def test_nothing_bounding_memory_fails_with_the_reason() -> None:
    verdict = verdicts.memory_verdict(used=1 * MI, maxmemory=0, limit=0)
    assert not verdict.ok and "nothing bounds" in verdict.detail


def test_memory_quantities() -> None:
    assert parsing.quantity_bytes("512Mi") == 512 * MI
    assert parsing.quantity_bytes("1G") == 10**9
    assert parsing.quantity_bytes("1048576") == MI
    assert parsing.quantity_bytes("0") == 0


# ---------------------------------------------------------------- client logs


@pytest.mark.parametrize(
    "line",
    [
        "2025-01-01 12:00:00 agent-bruno ERROR redis set failed: ConnectionError: Error 111 connecting; reconnecting",
        "redis: connection refused",
        "WARN Redis timeout after 1s",
        "Redis said NOAUTH Authentication required",
        "redis client: WRONGPASS invalid username-password pair",
        "Exception in thread: redis.exceptions.TimeoutError: Timeout reading from socket",
        "redis get failed: BusyLoadingError: LOADING",
    ],
)
def test_redis_failures_in_logs_are_found(line: str) -> None:
    assert parsing.redis_error_lines(line) == [line]


@pytest.mark.parametrize(
    "line",
    [
        "2025-01-01 12:00:00 agent-bruno INFO redis reachable again",
        "started; redis at redis-master.redis.svc.cluster.local:6379, metrics on :8080",
        "ERROR database connection refused",  # an error, but not about Redis
    ],
)
def test_other_lines_are_not_redis_errors(line: str) -> None:
    assert parsing.redis_error_lines(line) == []


# ---------------------------------------------------------------- the runbook's words


def test_expected_values_come_from_the_runbook(runbook) -> None:
    ping = expectations.verification_command(runbook, "redis-cli ping")
    assert (expectations.expectation_value(ping, runbook), ping.line) == ("PONG", 262)
    pod = expectations.expected_pod_state(runbook, "redis-master-0")
    assert pod == expectations.PodExpectation("Running", "1/1", 254, 32)
    assert expectations.port_forward_port(expectations.verification_command(runbook, "kubectl port-forward")) == 8080


def test_a_changed_expectation_is_read_not_assumed() -> None:
    text = RUNBOOK_PATH.read_text(encoding="utf-8").replace("# Should return: PONG", "# Should return: HELLO")
    book = parse(text, "edited.md")
    assert expectations.expectation_value(expectations.verification_command(book, "redis-cli ping"), book) == "HELLO"


def test_a_runbook_disagreeing_with_its_table_is_an_error() -> None:
    text = RUNBOOK_PATH.read_text(encoding="utf-8").replace("Running and 1/1 READY", "Running and 2/2 READY")
    with pytest.raises(results.CheckError, match="disagrees with itself"):
        expectations.expected_pod_state(parse(text, "edited.md"), "redis-master-0")


def test_a_missing_runbook_line_is_an_error_naming_text_and_file(tmp_path: Path) -> None:
    book = parse(RUNBOOK_PATH.read_text(encoding="utf-8").replace("redis-cli lastsave", "redis-cli dbsize"), "b.md")
    with pytest.raises(results.CheckError, match=r"runbook b\.md has no line containing 'redis-cli lastsave'"):
        expectations.runbook_line("redis-cli lastsave", runbook=book)
    with pytest.raises(results.CheckError, match="no command containing 'redis-cli ping'"):
        expectations.verification_command(parse("# t\n## Verification\n", "empty.md"), "redis-cli ping")
    with pytest.raises(results.CheckError, match="no '## Verification' section"):
        expectations.runbook_line("x", runbook=parse("# t\n", "none.md"))


def test_a_check_whose_runbook_line_is_missing_raises_instead_of_line_0() -> None:
    book = parse(RUNBOOK_PATH.read_text(encoding="utf-8").replace("redis-cli info memory", "redis-cli dbsize"), "c.md")
    with pytest.raises(results.CheckError, match="redis-cli info memory"):
        checks.memory_within_limits(None, None, book)  # type: ignore[arg-type]  # fails before touching a cluster


# ---------------------------------------------------------------- judged: what could not be measured is the FAIL


def test_an_unmeasurable_check_fails_with_what_was_seen() -> None:
    def absent() -> results.Measured:
        raise results.CheckError("PING: no pod to run it in (pod redis-master-0 absent)")

    result = results.judged("responds to PING", 262, absent)
    assert (result.status, result.value, result.runbook_line) == (
        "FAIL",
        "PING: no pod to run it in (pod redis-master-0 absent)",
        262,
    )


def test_a_missing_tool_is_a_skip_saying_why() -> None:
    def slim() -> results.Measured:
        raise results.NotCheckable('agent-bruno-1 cannot run `sh -c ...` (exec: "sh": executable file not found)')

    result = results.judged("agent-bruno reaches redis over TCP", 273, slim)
    assert result.status == "SKIP" and result.value.startswith("not checkable here: agent-bruno-1 cannot run")
    assert result.as_row()["result"] == "SKIP"


# ---------------------------------------------------------------- sentinel sets read back through redis-cli


def test_sentinel_sets_are_judged_from_raw_values() -> None:
    values = [f"s1:{i}:abcd" for i in range(3)]
    manifest = json.dumps({"set": "s1", "count": 3, "digest": sentinel.digest(values)})
    assert sentinel.judge("s1", manifest, list(values)).intact
    lost = sentinel.judge("s1", manifest, [None, values[1], None])
    assert (lost.lost, lost.detail) == (2, "set s1: 2 lost, 0 changed")
    assert sentinel.judge("s1", None, []).detail == "manifest of set s1 is gone"
    total = sentinel.combine([sentinel.judge("s1", manifest, list(values)), lost])
    assert (total.sets, total.keys, total.lost, total.intact) == (2, 6, 2, False)


# ---------------------------------------------------------------- the client-log window never passes vacuously


def test_the_window_begins_after_the_reconnect_grace() -> None:
    from datetime import UTC, datetime, timedelta

    ready = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    flag, said, judgeable = logs.grace_window(ready, "Redis Ready")
    assert flag == "--since-time=2025-01-01T12:00:10Z"
    assert said == f"since Redis Ready+{budgets.CLIENT_RECONNECT_GRACE_S}s (12:00:10Z)"
    assert judgeable == ready + timedelta(seconds=budgets.CLIENT_RECONNECT_GRACE_S + budgets.CLIENT_LOG_MIN_WINDOW_S)


def test_a_window_that_cannot_be_judged_yet_is_waited_for_not_passed() -> None:
    from datetime import UTC, datetime, timedelta

    soon = datetime.now(UTC) + timedelta(seconds=1)
    assert logs.wait_until_judgeable(soon, "test window") > 0.5
    assert logs.wait_until_judgeable(None, "test window") == 0.0


def test_a_replica_of_nothing_is_not_a_master() -> None:
    replica = {"role": "slave", "master_host": "127.0.0.1", "master_port": "6380", "master_link_status": "down"}
    failed = verdicts.replication_verdict(replica)
    assert not failed.ok and failed.value == "role:slave of 127.0.0.1:6380, master_link_status:down"
    assert verdicts.replication_verdict({"role": "master", "connected_slaves": "0"}).ok
    assert not verdicts.replication_verdict({}).ok


def test_client_logs_split_into_the_window_and_the_history_before_it() -> None:
    text = (
        "[pod/agent-bruno-1/client] 2026-12-03T10:31:02.123456789Z redis error: READONLY You can't write\n"
        "[pod/agent-bruno-1/client] 2026-12-03T10:32:40.5Z redis ok again\n"
        "no timestamp here\n"
    )
    start = datetime(2026, 12, 3, 10, 32, 0, tzinfo=UTC)
    recent, before = parsing.split_at(text, start)
    assert recent == text.splitlines()[1:]
    assert len(before) == 1 and parsing.logged_at(before[0]) == "10:31:02Z"
