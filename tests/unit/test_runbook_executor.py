"""Pure parts of the runbook executor and drift checks: judging output, reading names."""

from __future__ import annotations

import pytest

from checks.runbook.adapt import watched_command
from checks.runbook.drift import names_in
from checks.runbook.executor import Executor, _split_pipestatus
from checks.runbook.outcome import Execution, Outcome, all_pods_running_and_ready, judge, table_problem
from checks.runbook.parser import parse
from checks.verification.expectations import runbook_line
from fixtures.core.names import RUNBOOK

pytestmark = pytest.mark.unit

EXPECTED = "NAME             READY   STATUS    RESTARTS   AGE\nredis-master-0   1/1     Running   0          24h"


def _cmd(text: str, expectation: str | None = None, trailing: str = ""):
    cmd = parse(f"```bash\n{text}\n```\n").commands[0]
    cmd.expectation, cmd.trailing = expectation, trailing
    return cmd


def test_table_matches_on_columns_and_ready_status_not_age() -> None:
    live = "NAME             READY   STATUS    RESTARTS   AGE\nredis-master-0   1/1     Running   2          3m"
    assert table_problem(EXPECTED, live) is None
    crashing = live.replace("1/1     Running", "0/1     CrashLoopBackOff")
    assert "READY/STATUS" in table_problem(EXPECTED, crashing)
    assert "missing" in table_problem(EXPECTED, "NAME READY STATUS RESTARTS AGE\nredis-0 1/1 Running 0 1m")


def test_should_return_is_exact_and_should_show_needs_each_word() -> None:
    ping = _cmd("kubectl exec -n redis redis-master-0 -- redis-cli ping", "Should return: PONG")
    run = Execution(1, ping.text, ping.text, exit_code=0, stdout="PONG\n", pipestatus=[0])
    judge(ping, run)
    assert run.outcome == Outcome.PASSED
    run = Execution(1, ping.text, ping.text, exit_code=0, stdout="LOADING\n", pipestatus=[0])
    judge(ping, run)
    assert run.outcome == Outcome.FAILED and "Should return: PONG" in run.reason
    pod = _cmd("kubectl get pod -n redis redis-master-0", "Should show: Running and 1/1 READY")
    run = Execution(1, pod.text, pod.text, exit_code=0, stdout="redis-master-0 0/1 Running", pipestatus=[0])
    judge(pod, run)
    assert run.outcome == Outcome.FAILED and "1/1" in run.reason


def test_a_log_grep_without_match_is_not_a_failure_but_a_failing_kubectl_is() -> None:
    logs = _cmd("kubectl logs -n redis redis-master-0 | grep -i error")
    run = Execution(1, logs.text, logs.text, exit_code=1, pipestatus=[0, 1])
    judge(logs, run)
    assert run.outcome == Outcome.PASSED
    cmd = _cmd("kubectl get secrets -n redis | grep docker")
    run = Execution(
        1,
        cmd.text,
        cmd.text,
        exit_code=1,
        stderr='error: the server doesn\'t have a resource type "secretz"',
        pipestatus=[1, 1],
    )
    judge(cmd, run)
    assert run.outcome == Outcome.DEFECT


def test_wrong_flag_is_a_runbook_defect() -> None:
    cmd = _cmd("kubectl get pods -n redis --sorted")
    run = Execution(1, cmd.text, cmd.text, exit_code=1, stderr="error: unknown flag: --sorted", pipestatus=[1])
    judge(cmd, run)
    assert run.outcome == Outcome.DEFECT and "flag" in run.reason


def test_previous_logs_of_a_pod_that_never_restarted_are_not_applicable() -> None:
    cmd = _cmd("kubectl logs -n redis statefulset/redis-master --previous", trailing="If pod restarted")
    run = Execution(
        1,
        cmd.text,
        cmd.text,
        exit_code=1,
        pipestatus=[1],
        stderr='previous terminated container "redis" in pod "redis-master-0" not found',
    )
    judge(cmd, run)
    assert run.outcome == Outcome.NOT_APPLICABLE and "has not restarted" in run.reason


def test_pipestatus_is_split_from_stderr() -> None:
    assert _split_pipestatus("warning\n__RUNBOOK_PIPESTATUS__ 0 1\n") == ("warning", [0, 1])


def test_watch_keeps_the_watched_commands_own_options() -> None:
    assert watched_command("watch -n 2 kubectl get pods -n redis") == "kubectl get pods -n redis"
    assert all_pods_running_and_ready("NAME READY STATUS\nredis-master-0 1/1 Running")
    assert not all_pods_running_and_ready("NAME READY STATUS\nredis-master-0 0/1 Running")


def test_names_come_from_commands_and_substitutions() -> None:
    cmd = _cmd("kubectl describe node $(kubectl get pod -n redis redis-master-0 -o jsonpath='{.spec.nodeName}')")
    assert names_in(cmd) == [("namespace", "redis", ""), ("pod", "redis-master-0", "redis")]
    cmd = _cmd("kubectl exec -n bruno deployment/agent-bruno -- sh -c 'nc -zv x 6379'")
    assert ("deployment", "agent-bruno", "bruno") in names_in(cmd)
    cmd = _cmd("kubectl exec -n redis redis-master-0 -- cat /etc/redis/redis.conf")
    assert ("path", "/etc/redis/redis.conf", "redis/redis-master-0") in names_in(cmd)


def test_checks_with_renamed_clients_still_map_to_the_runbook_step() -> None:
    assert runbook_line("kubectl exec -n shop deployment/cart", "nc -zv") == 273


def test_a_placeholder_the_caller_fills_is_not_credited_to_live_state() -> None:
    executor = object.__new__(Executor)  # adapt reads only the names: no cluster, no kubeconfig
    executor.names = executor.runbook_names = RUNBOOK
    cmd = _cmd("kubectl delete networkpolicy <policy-name> -n redis")
    text, changes = executor.adapt(cmd, fill={"policy-name": "redis-master"})
    assert text == "kubectl delete networkpolicy redis-master -n redis"
    assert [c.what for c in changes] == [
        "placeholder <policy-name> filled by the caller, from what it knows (not read from the cluster)"
    ]
