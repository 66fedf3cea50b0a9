"""Pure parts of the gate on another system: name mapping, redis-cli error replies, findings, empty runbooks."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.__main__ import target_names
from checks.runbook import drift
from checks.runbook.adapt import map_names, namespace_mapping
from checks.runbook.explain import ExecTarget, exec_target
from checks.runbook.model import Command
from checks.runbook.outcome import Execution, Outcome, judge, pipeline_stages
from checks.runbook.parser import parse, parse_file
from fixtures.core.names import BITNAMI, RUNBOOK, Client
from fixtures.core.redis_replies import error_reply
from fixtures.core.runbook_source import RUNBOOK_PATH

pytestmark = pytest.mark.unit

DATA = Path(__file__).resolve().parents[1] / "data"
NOAUTH = "NOAUTH Authentication required.\n"


@pytest.fixture(scope="module")
def commands() -> dict[int, Command]:
    return {c.line: c for c in parse_file(RUNBOOK_PATH).commands}


def _ran(cmd: Command, *, code: int = 0, stdout: str = "", stderr: str = "", ps: list[int] | None = None) -> Execution:
    execution = Execution(cmd.line, cmd.text, cmd.text, exit_code=code, stdout=stdout, stderr=stderr)
    execution.pipestatus = ps if ps is not None else [code]
    judge(cmd, execution, SYSTEM_NAMES)
    return execution


SYSTEM_NAMES = {"redis", "redis-master", "redis-master-0", "redis-data-redis-master-0", "redis-configuration"}


# ---------------------------------------------------------------- names mapped to the target


def test_the_runbooks_own_names_change_nothing(commands: dict[int, Command]) -> None:
    assert namespace_mapping(RUNBOOK, RUNBOOK) == {}
    for cmd in commands.values():
        assert map_names(cmd.text, RUNBOOK, RUNBOOK) == (cmd.text, [])


def test_redis_and_client_namespaces_are_mapped_by_role_and_deployment() -> None:
    assert namespace_mapping(RUNBOOK, BITNAMI) == {
        "redis": "redis-bitnami",
        "bruno": "bruno-bitnami",
        "homepage": "homepage-bitnami",
    }


def test_every_namespace_spelling_is_mapped_and_recorded() -> None:
    text, changes = map_names("kubectl get pods -n redis", RUNBOOK, BITNAMI)
    assert text == "kubectl get pods -n redis-bitnami"
    assert [(c.what, c.original, c.replacement) for c in changes] == [
        ("names mapped to the target", "-n redis", "-n redis-bitnami")
    ]
    assert map_names("kubectl get pods --namespace redis", RUNBOOK, BITNAMI)[0].endswith("--namespace redis-bitnami")
    assert map_names("kubectl get pods --namespace=redis", RUNBOOK, BITNAMI)[0].endswith("--namespace=redis-bitnami")
    # Values that only look like namespaces stay: watch's interval, a grep pattern, a label.
    assert map_names("watch -n 2 kubectl get pv | grep redis", RUNBOOK, BITNAMI)[0] == (
        "watch -n 2 kubectl get pv | grep redis"
    )
    assert map_names("kubectl get pods -n redisx", RUNBOOK, BITNAMI) == ("kubectl get pods -n redisx", [])


def test_a_client_line_gets_its_clients_namespace_and_the_service_host_redis(commands: dict[int, Command]) -> None:
    text, changes = map_names(commands[273].text, RUNBOOK, BITNAMI)
    assert text == (
        "kubectl exec -n bruno-bitnami deployment/agent-bruno -- "
        "sh -c 'nc -zv redis-master.redis-bitnami.svc.cluster.local 6379'"
    )
    assert [c.original for c in changes] == ["-n bruno", "redis-master.redis.svc"]
    assert map_names(commands[311].text, RUNBOOK, BITNAMI)[0].startswith("kubectl logs -n homepage-bitnami ")


def test_a_client_the_target_lacks_keeps_the_runbooks_namespace() -> None:
    shop = RUNBOOK.__class__(namespace="cache", clients=(Client("shop", "cart"),))
    assert namespace_mapping(RUNBOOK, shop) == {"redis": "cache"}
    assert map_names("kubectl logs -n bruno -l app=agent-bruno", RUNBOOK, shop)[0] == (
        "kubectl logs -n bruno -l app=agent-bruno"
    )


def test_the_cli_builds_the_target_from_system_namespace_and_clients() -> None:
    assert target_names("bitnami", None, []) == BITNAMI
    custom = target_names("runbook", "cache", ["shop/agent-bruno"])
    assert custom.namespace == "cache"
    assert custom.clients == (Client("shop", "agent-bruno", "agent-bruno-service"),)
    with pytest.raises(ValueError, match="NAMESPACE/DEPLOYMENT"):
        target_names("runbook", None, ["agent-bruno"])


# ---------------------------------------------------------------- redis-cli error replies


@pytest.mark.parametrize("line", [262, 266, 286, 289, 296, 297, 300, 136, 443, 446, 449, 452])
def test_noauth_with_exit_0_is_a_runbook_finding_on_every_redis_cli_line(
    commands: dict[int, Command], line: int
) -> None:
    run = _ran(commands[line], stdout=NOAUTH)
    assert run.outcome == Outcome.FINDING
    assert "NOAUTH Authentication required." in run.reason and "no credentials" in run.reason


@pytest.mark.parametrize(
    "reply", ["WRONGPASS invalid username-password pair", "(error) NOPERM this user has no permissions"]
)
def test_other_auth_replies_are_findings_too(commands: dict[int, Command], reply: str) -> None:
    assert _ran(commands[266], stdout=reply + "\n").outcome == Outcome.FINDING


@pytest.mark.parametrize(
    "reply",
    [
        "ERR unknown command 'x'",
        "LOADING Redis is loading the dataset in memory",
        "MISCONF Redis is configured to save RDB snapshots",
        "READONLY You can't write against a read only replica.",
        "BUSY Redis is busy running a script.",
        "MASTERDOWN Link with MASTER is down",
        "WRONGTYPE Operation against a key holding the wrong kind of value",
        "(error) something else",
    ],
)
def test_any_other_error_reply_fails_the_command_whatever_its_exit_code(
    commands: dict[int, Command], reply: str
) -> None:
    run = _ran(commands[300], stdout=reply + "\n")
    assert run.outcome == Outcome.FAILED and reply in run.reason


def test_an_error_reply_states_the_runbooks_expectation(commands: dict[int, Command]) -> None:
    run = _ran(commands[262], code=1, stdout="LOADING Redis is loading\n")
    assert run.outcome == Outcome.FAILED and "Should return: PONG" in run.reason


def test_real_replies_are_not_errors(commands: dict[int, Command]) -> None:
    assert error_reply("# Server\nredis_version:7.0.15\n") is None
    assert error_reply("id=3 addr=10.244.0.9:40000 name= cmd=client|list\n") is None
    assert error_reply("ERRORS are fine inside a value\n") is None
    assert _ran(commands[262], stdout="PONG\n").outcome == Outcome.PASSED
    assert _ran(commands[296], stdout="save\n3600 1 300 100 60 10000\n").outcome == Outcome.PASSED


def test_an_error_reply_counts_only_for_redis_cli() -> None:
    cmd = parse("```bash\nkubectl logs -n redis redis-master-0\n```\n").commands[0]
    assert _ran(cmd, stdout="ERR in the log of an app\n").outcome == Outcome.PASSED


# ---------------------------------------------------------------- grep that finds nothing


def test_the_memory_grep_of_line_96_that_finds_nothing_passes(commands: dict[int, Command]) -> None:
    cmd = commands[96]
    assert pipeline_stages(cmd.text) == ["kubectl logs -n redis redis-master-0 --tail=200", 'grep -i "memory\\|oom"']
    run = _ran(cmd, code=1, ps=[0, 1])
    assert run.outcome == Outcome.PASSED and "grep matched nothing" in run.reason


@pytest.mark.parametrize("line", [310, 311])
def test_client_log_greps_that_find_nothing_pass(commands: dict[int, Command], line: int) -> None:
    assert _ran(commands[line], code=1, ps=[0, 1]).outcome == Outcome.PASSED


def test_a_listing_grep_for_the_systems_own_object_that_finds_nothing_fails(commands: dict[int, Command]) -> None:
    run = _ran(commands[120], code=1, ps=[0, 1])  # `kubectl get pv | grep redis`: the system's volume is gone
    assert run.outcome == Outcome.FAILED and "nothing matched" in run.reason, run


def test_a_listing_grep_for_what_an_install_may_not_have_is_not_applicable(commands: dict[int, Command]) -> None:
    run = _ran(commands[177], code=1, ps=[0, 1])  # `kubectl get secrets -n redis | grep docker`: a public image
    assert run.outcome == Outcome.NOT_APPLICABLE and "names none of the system's objects" in run.reason, run


def test_a_failing_first_stage_is_not_hidden_by_grep(commands: dict[int, Command]) -> None:
    run = _ran(commands[96], code=1, stderr='Error from server (NotFound): pods "redis-master-0" not found', ps=[1, 1])
    assert run.outcome == Outcome.FINDING and "does not exist" in run.reason


def test_pipes_inside_quotes_and_or_lists_do_not_split_stages() -> None:
    assert pipeline_stages("a || b | c 'x|y'") == ["a || b", "c 'x|y'"]
    assert pipeline_stages("a | b \\| c") == ["a", "b \\| c"]


# ---------------------------------------------------------------- findings of a slim image and another layout


def test_a_client_image_without_sh_is_a_finding_about_the_image(commands: dict[int, Command]) -> None:
    said = (
        "error: Internal error occurred: error executing command in container: failed to exec in container: "
        'failed to start exec "x": OCI runtime exec failed: exec failed: unable to start container process: '
        'exec: "sh": executable file not found in $PATH: unknown'
    )
    run = _ran(commands[273], code=1, stderr=said)
    assert run.outcome == Outcome.FINDING and "tool the container image lacks" in run.reason
    run = _ran(commands[276], code=127, stderr="sh: 1: nc: not found")
    assert run.outcome == Outcome.FINDING and "image lacks" in run.reason


def test_a_missing_config_file_and_a_missing_cli_on_this_machine_are_findings(commands: dict[int, Command]) -> None:
    said = "cat: /etc/redis/redis.conf: No such file or directory\ncommand terminated with exit code 1"
    run = _ran(commands[143], code=1, stderr=said)
    assert run.outcome == Outcome.FINDING and "a path that does not exist" in run.reason
    run = _ran(commands[146], code=127, stderr="bash: line 2: flux: command not found")
    assert run.outcome == Outcome.FINDING and "CLI it calls is not installed" in run.reason


def test_a_wrong_flag_stays_a_runbook_defect() -> None:
    cmd = parse("```bash\nkubectl get pods -n redis --sorted\n```\n").commands[0]
    assert _ran(cmd, code=1, stderr="error: unknown flag: --sorted").outcome == Outcome.DEFECT


def test_exec_target_reads_the_workload_and_the_command_inside(commands: dict[int, Command]) -> None:
    assert exec_target(commands[273].text) == ExecTarget(
        "bruno", "deployment", "agent-bruno", ("sh", "-c", "nc -zv redis-master.redis.svc.cluster.local 6379")
    )
    assert exec_target(commands[143].text) == ExecTarget(
        "redis", "pod", "redis-master-0", ("cat", "/etc/redis/redis.conf")
    )
    assert exec_target(commands[25].text) is None


# ---------------------------------------------------------------- names of fixes, placeholders, findings


def test_fix_commands_name_their_objects_and_placeholders_mean_any(commands: dict[int, Command]) -> None:
    assert ("networkpolicy", "<policy-name>", "redis") in drift.names_in(commands[192])
    assert ("pod", "redis-master-0", "redis") in drift.names_in(commands[161])
    assert ("statefulset", "redis-master", "redis") in drift.names_in(commands[216])
    assert ("helmrelease", "redis", "redis") in drift.names_in(commands[99])
    assert ("helmrelease", "redis", "redis") in drift.names_in(commands[147])
    assert ("statefulset", "redis-master", "redis") in drift.names_in(commands[239])
    assert drift.names_in(commands[160]) == [("node", "<node-name>", "")]


def test_the_drift_variant_names_a_policy_in_the_clients_namespace() -> None:
    variant = parse_file(DATA / "runbook-policy-in-bruno.md")
    deletes = [c for c in variant.commands if c.text.startswith("kubectl delete networkpolicy")]
    assert [drift.names_in(c)[-1] for c in deletes] == [("networkpolicy", "<policy-name>", "bruno")]


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("runbook-empty.md", "no code fences at all"),
        ("runbook-fences-without-language.md", "without a language"),
    ],
)
def test_a_runbook_without_commands_says_0_commands_and_why(name: str, why: str) -> None:
    problem = drift.no_commands_problem(parse_file(DATA / name))
    assert problem is not None and "0 commands" in problem and why in problem
    assert drift.no_commands_problem(parse_file(RUNBOOK_PATH)) is None


def test_findings_list_judged_commands_and_names_not_found_with_where_they_are() -> None:
    rows = [
        drift.Row(262, "redis-cli ping", "read-only", "x", Outcome.FINDING.value, "redis-cli answered `NOAUTH`"),
        drift.Row(25, "kubectl get pods -n redis", "read-only", "x", Outcome.PASSED.value),
        drift.Row(192, "kubectl delete networkpolicy -n bruno <policy-name>", "mutating", "x", Outcome.NOT_RUN.value),
    ]
    names = [
        drift.NameFinding("networkpolicy", "<policy-name>", "bruno", 192, False, "(none similar)", "redis"),
        drift.NameFinding("pod", "redis-master-0", "redis", 25, True),
    ]
    found = drift.findings(rows, names)
    assert [(f.line, f.observed) for f in found] == [
        (192, "networkpolicy <policy-name> in bruno not found; it is in redis"),
        (262, "redis-cli answered `NOAUTH`"),
    ]
    table = drift.render_table(rows, found)
    assert "## Runbook findings" in table and "| 192 | runbook finding |" in table


def test_a_config_file_the_containers_user_cannot_read_is_a_finding(commands: dict[int, Command]) -> None:
    said = "cat: /etc/redis/redis.conf: Permission denied\ncommand terminated with exit code 1"
    run = _ran(commands[143], code=1, stderr=said)
    assert run.outcome == Outcome.FINDING
    assert run.reason == "a path the container's user cannot read: cat: /etc/redis/redis.conf: Permission denied"


def test_a_long_runtime_error_keeps_the_part_that_names_the_tool(commands: dict[int, Command]) -> None:
    said = "error: Internal error occurred: " + "x" * 300 + ' exec: "sh": executable file not found in $PATH'
    run = _ran(commands[273], code=1, stderr=said)
    assert 'exec: "sh": executable file not found' in run.reason and len(run.reason) <= 300
