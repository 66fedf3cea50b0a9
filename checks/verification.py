"""The runbook's Verification section as checks: each reads the cluster and returns what it measured.

Checks only read: API gets and lists, `pods/proxy` GET for a client's /metrics, and `pods/exec` for
redis-cli read commands, redis-benchmark PINGs, nc, df and ls. Nothing here creates, patches or deletes
an object. Redis's password is never read from a Secret: a command run inside the Redis pod
authenticates from what the pod already has (its REDIS_PASSWORD_FILE or REDIS_PASSWORD), and nothing
prints it.

A check never raises for a broken system: what it could not measure (an absent pod, a failed exec, an
error reply) is its FAIL, stated in its value; a tool the image lacks is a SKIP saying why. Only a
runbook that lacks a line the check implements raises CheckError.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from kubernetes.client.exceptions import ApiException

from checks.runbook.model import Command, Runbook
from checks.runbook.parser import parse_file
from fixtures.core import budgets
from fixtures.core.kube import Cluster
from fixtures.core.names import Client, RunbookNames
from fixtures.core.runbook_source import RUNBOOK_PATH
from fixtures.core.waits import Seen, wait_for
from fixtures.sut import sentinel

VERIFICATION = "## Verification"


class CheckError(Exception):
    """A check could not measure what it needs; the message says what was seen."""


class NotCheckable(CheckError):
    """The check cannot run here (the image lacks the tool it needs): skipped with this reason."""


@dataclass
class CheckResult:
    """One check's outcome: what it proves, what it measured, and the runbook line it implements.

    `ok` means nothing failed: a skipped check (`skipped` gives why) is ok and shown as SKIP, never PASS.
    """

    check: str
    ok: bool
    value: str
    runbook_line: int
    detail: str = ""
    skipped: str = ""

    @property
    def status(self) -> str:
        if self.skipped:
            return "SKIP"
        return "PASS" if self.ok else "FAIL"

    def as_row(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "result": self.status,
            "value": self.value,
            "runbook_line": self.runbook_line,
            "detail": self.detail,
        }


class Measured(NamedTuple):
    """What a check measured: its verdict, the value shown, and why it failed (empty when it passed)."""

    ok: bool
    value: str
    detail: str = ""


def judged(check: str, line: int, measure: Callable[[], Measured]) -> CheckResult:
    """Run a measurement; what it could not measure becomes this check's FAIL (or SKIP) with what was seen."""
    try:
        ok, value, detail = measure()
    except NotCheckable as exc:
        return CheckResult(check, True, f"not checkable here: {exc}", line, skipped=str(exc))
    except CheckError as exc:
        return CheckResult(check, False, str(exc), line)
    except ApiException as exc:
        return CheckResult(check, False, f"API answered HTTP {exc.status} {exc.reason}", line)
    return CheckResult(check, ok, value, line, detail)


# ---------------------------------------------------------------- the runbook's words


@functools.cache
def default_runbook() -> Runbook:
    return parse_file(RUNBOOK_PATH)


def runbook_line(*fragments: str, runbook: Runbook | None = None, after: str = VERIFICATION) -> int:
    """The line of the runbook's Verification section (or of the section `after` names) a check implements: the
    first fragment found wins.

    Checks pass a name-specific fragment first and a generic one after it, so that names changed with
    options (--client, --redis-pod) still map to the runbook's step. None found: CheckError naming them.
    """
    book = runbook or default_runbook()
    start = next((n for n, text in enumerate(book.lines, start=1) if text.startswith(after)), None)
    if start is None:
        raise CheckError(f"runbook {book.path} has no {after!r} section: the runbook changed; update the suite")
    for fragment in fragments:
        for number, text in enumerate(book.lines[start - 1 :], start=start):
            if fragment in text:
                return number
    looked = " or ".join(repr(f) for f in fragments)
    raise CheckError(
        f"runbook {book.path} has no line containing {looked} after {after!r}: the runbook changed; update the suite"
    )


def verification_command(runbook: Runbook, fragment: str) -> Command:
    """The first command of the Verification section whose text contains `fragment`."""
    found = next((c for c in runbook.under("Verification") if fragment in c.text), None)
    if found is None:
        raise CheckError(
            f"runbook {runbook.path} has no command containing {fragment!r} under 'Verification': "
            "the runbook changed; update the suite"
        )
    return found


def expectation_value(command: Command, runbook: Runbook) -> str:
    """The text after "Should return:" / "Should show:" below `command`."""
    if not command.expectation:
        raise CheckError(
            f"runbook {runbook.path} line {command.line}: no '# Should return/show:' below `{command.text}`"
        )
    return command.expectation.split(":", 1)[1].strip()


class PodExpectation(NamedTuple):
    """What the runbook says a healthy Redis pod shows, and where it says so."""

    status: str
    ready: str
    line: int
    table_line: int


def expected_pod_state(runbook: Runbook, pod: str) -> PodExpectation:
    """STATUS and READY from "# Should show: Running and 1/1 READY", agreeing with the Expected Output table."""
    command = verification_command(runbook, "kubectl get pod")
    said = expectation_value(command, runbook)
    shown = re.fullmatch(r"(\w+) and (\d+/\d+) READY", said)
    if shown is None:
        raise CheckError(
            f"runbook {runbook.path} line {command.line}: expected 'Should show: STATUS and N/N READY', got {said!r}"
        )
    status, ready, table_line = _expected_output_row(runbook, pod)
    if (status, ready) != shown.groups():
        raise CheckError(
            f"runbook {runbook.path} disagrees with itself: line {command.line} says {said!r}, the Expected Output "
            f"table (line {table_line}) shows STATUS {status} READY {ready}"
        )
    return PodExpectation(status, ready, command.line, table_line)


def _expected_output_row(runbook: Runbook, pod: str) -> tuple[str, str, int]:
    """(STATUS, READY, line) of the pod's row in the first Expected Output table with those columns."""
    for command in runbook.commands:
        table = [line.split() for line in (command.expected_output or "").splitlines() if line.strip()]
        if len(table) < 2 or not {"READY", "STATUS"} <= set(table[0]):
            continue
        header, rows = table[0], table[1:]
        row = next((r for r in rows if r[0] == pod), rows[0])
        number = next(
            (n for n, text in enumerate(runbook.lines, start=1) if n > command.line and text.split() == row),
            command.line,
        )
        return row[header.index("STATUS")], row[header.index("READY")], number
    raise CheckError(
        f"runbook {runbook.path} has no Expected Output table with READY and STATUS columns: "
        "the runbook changed; update the suite"
    )


def port_forward_port(command: Command) -> int:
    """The remote port of `kubectl port-forward ... LOCAL:REMOTE`."""
    found = re.search(r"\b\d+:(\d+)\b", command.text)
    if found is None:
        raise CheckError(f"line {command.line}: no LOCAL:REMOTE port in `{command.text}`")
    return int(found.group(1))


# ---------------------------------------------------------------- pure parts


# Error replies redis-cli prints on stdout while exiting 0 (the first word of a RESP error).
ERROR_REPLY = re.compile(
    r"^(?:\(error\) )?(ERR|NOAUTH|WRONGPASS|NOPERM|LOADING|MISCONF|BUSY|READONLY|MASTERDOWN|WRONGTYPE|EXECABORT|"
    r"NOSCRIPT|OOM|NOREPLICAS|CLUSTERDOWN|CROSSSLOT|TRYAGAIN|NOPROTO|UNBLOCKED|BUSYKEY|NOGROUP)\b.*"
)
# What redis-cli says on stderr when it could not talk to Redis at all.
CLI_FAILURE = re.compile(r"^(AUTH failed: .*|Could not connect to Redis.*|Error: .*)$", re.MULTILINE)
# kubectl exec (or sh inside it) when the image lacks a program.
MISSING_TOOL = re.compile(
    r'(exec: "?[\w./-]+"?: executable file not found[^\n]*|[\w./-]+: (?:command )?not found|no such file or directory)',
    re.IGNORECASE,
)


def redis_error(stdout: str, stderr: str = "") -> str | None:
    """The error a redis-cli run answered with (NOAUTH, WRONGPASS, ERR, LOADING, MISCONF...), or None."""
    first = next((line.strip() for line in stdout.splitlines() if line.strip()), "")
    if ERROR_REPLY.match(first):
        return first
    failed = CLI_FAILURE.search(stderr)
    if failed:
        return failed.group(1).strip()
    return None


def missing_tool(stderr: str) -> str | None:
    """Why an exec failed for lack of a program in the image, or None when it failed otherwise."""
    found = MISSING_TOOL.search(stderr)
    return found.group(1) if found else None


def parse_info(text: str) -> dict[str, str]:
    """INFO output as raw strings (not coerced: ids and versions stay text)."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition(":")
        if sep and not key.startswith("#"):
            fields[key] = value
    return fields


def parse_client_list(text: str) -> list[dict[str, str]]:
    """CLIENT LIST: one dict of its key=value fields per connection."""
    return [
        dict(field.split("=", 1) for field in line.split() if "=" in field)
        for line in text.splitlines()
        if line.strip()
    ]


def connections_by_pod(entries: list[dict[str, str]], pod_ips: dict[str, str]) -> dict[str, list[dict[str, str]]]:
    """Connections grouped by the client pod they come from (`addr=IP:PORT` matched to pod IPs)."""
    by_pod: dict[str, list[dict[str, str]]] = {pod: [] for pod in pod_ips.values()}
    for entry in entries:
        ip = entry.get("addr", "").rsplit(":", 1)[0].strip("[]")
        if ip in pod_ips:
            by_pod[pod_ips[ip]].append(entry)
    return by_pod


def metric_values(text: str, name: str) -> list[float]:
    """Every sample of metric `name` (any labels) in Prometheus text format."""
    values = []
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        key, _, value = line.rpartition(" ")
        if key == name or key.startswith(name + "{"):
            values.append(float(value))
    return values


def persistence_enabled_verdict(appendonly: str, save: str) -> Measured:
    """AOF or RDB (a `save` policy) must be on."""
    aof, rdb = appendonly == "yes", bool(save.strip())
    value = f"AOF {'on' if aof else 'off'} (appendonly={appendonly}), RDB " + (
        f"on (save {save!r})" if rdb else "off (save '')"
    )
    return Measured(aof or rdb, value, "" if aof or rdb else "neither AOF nor RDB is on: a restart loses every key")


def persistence_health_verdict(appendonly: str, save: str, info: dict[str, str], lastsave_age: int) -> Measured:
    """The enabled kinds are healthy: AOF write and rewrite ok; RDB bgsave ok and LASTSAVE within the budget."""
    aof, rdb = appendonly == "yes", bool(save.strip())
    if not (aof or rdb):
        return Measured(False, "no persistence on", "neither AOF nor RDB is on")
    statuses = [k for k, on in (("aof_last_write_status", aof), ("aof_last_bgrewrite_status", aof)) if on]
    statuses += ["rdb_last_bgsave_status"] if rdb else []
    failing = [f"{k}={info.get(k, 'missing')}" for k in statuses if info.get(k) != "ok"]
    parts = ["AOF write/rewrite " + ("ok" if aof and not any(f.startswith("aof") for f in failing) else "FAILING")]
    parts = parts if aof else ["AOF off"]
    if rdb:
        parts.append(f"LASTSAVE {lastsave_age}s ago (budget {budgets.LASTSAVE_MAX_AGE_S}s)")
        if lastsave_age > budgets.LASTSAVE_MAX_AGE_S:
            failing.append(f"last RDB save {lastsave_age}s ago, over the {budgets.LASTSAVE_MAX_AGE_S}s budget")
    else:
        parts.append("RDB off (save ''): LASTSAVE age not judged")
    return Measured(not failing, "; ".join(parts), ", ".join(failing))


def persistence_files_verdict(
    appendonly: str, save: str, listing: list[str], aof_listing: list[str], dbfilename: str, appenddirname: str
) -> Measured:
    """The files of what is enabled exist: the AOF manifest in `appenddirname`, the RDB file when `save` is set."""
    aof, rdb = appendonly == "yes", bool(save.strip())
    has_manifest = any(name.endswith(".manifest") for name in aof_listing)
    has_rdb = dbfilename in listing
    problems = []
    if aof and not has_manifest:
        problems.append(f"AOF is on but {appenddirname}/ has no manifest")
    if rdb and not aof and not has_rdb:
        problems.append(f"RDB is on but there is no {dbfilename}")
    if not (aof or rdb):
        problems.append("neither AOF nor RDB is on")
    aof_file = f"AOF manifest {'yes' if has_manifest else 'no'}" + ("" if aof else " (AOF off)")
    rdb_file = f"{dbfilename} {'yes' if has_rdb else 'no'}" + ("" if rdb else " (RDB off)")
    value = f"{aof_file}, {rdb_file}"
    return Measured(not problems, value, "; ".join(problems))


def memory_verdict(used: int, maxmemory: int, limit: int) -> Measured:
    """Judged against maxmemory when set, else against the container limit; neither bounds Redis: FAIL."""
    mi = 2**20
    if maxmemory:
        ok = used <= budgets.MEMORY_OF_MAXMEMORY * maxmemory
        value = f"used {used / mi:.1f}Mi of maxmemory {maxmemory / mi:.0f}Mi (budget {budgets.MEMORY_OF_MAXMEMORY:.0%})"
        problems = [] if ok else [f"above {budgets.MEMORY_OF_MAXMEMORY:.0%} of maxmemory"]
        if limit and maxmemory > limit:
            problems.append(f"maxmemory above the container limit {limit / mi:.0f}Mi: the kernel kills Redis first")
        return Measured(not problems, value, "; ".join(problems))
    if limit:
        ok = used <= budgets.MEMORY_OF_LIMIT * limit
        value = (
            f"used {used / mi:.1f}Mi; maxmemory 0: judged against limit {limit / mi:.0f}Mi "
            f"(budget {budgets.MEMORY_OF_LIMIT:.0%})"
        )
        return Measured(ok, value, "" if ok else f"above {budgets.MEMORY_OF_LIMIT:.0%} of the container limit")
    return Measured(
        False,
        f"used {used / mi:.1f}Mi; maxmemory 0 and no memory limit",
        "nothing bounds Redis's memory: set maxmemory or a container memory limit",
    )


def quantity_bytes(quantity: str) -> int:
    """A Kubernetes memory quantity (512Mi, 1G, 1048576) in bytes."""
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9}
    for suffix, factor in units.items():
        if quantity.endswith(suffix):
            return int(float(quantity[: -len(suffix)]) * factor)
    return int(float(quantity or 0))


# A client log line about a Redis failure: it mentions redis and one of these words (case-insensitive).
REDIS_LOG_ERROR = re.compile(
    r"(?=.*redis)(?=.*\b(error|exception|refused|time(?:d)?[ -]?out|noauth|wrongpass|failed|unreachable|"
    r"reset by peer|broken pipe|loading|misconf)\b)",
    re.IGNORECASE,
)


def redis_error_lines(text: str) -> list[str]:
    """Log lines that report a Redis failure (see REDIS_LOG_ERROR)."""
    return [line for line in text.splitlines() if REDIS_LOG_ERROR.match(line)]


def benchmark_p99(csv: str) -> float:
    """The worst p99 latency (ms) of redis-benchmark --csv output."""
    lines = [line.replace('"', "").split(",") for line in csv.strip().splitlines()]
    if len(lines) < 2 or "p99_latency_ms" not in lines[0]:
        raise CheckError(f"redis-benchmark printed no latency table: {csv.strip()[:80]!r}")
    p99 = lines[0].index("p99_latency_ms")
    return max(float(row[p99]) for row in lines[1:])


# ---------------------------------------------------------------- running programs in the Redis pod

# Environment variables (by name, in the pod spec) the Redis pod authenticates with, in order of preference.
AUTH_ENV = ("REDIS_PASSWORD_FILE", "REDIS_PASSWORD", "REDISCLI_AUTH")
_PASSWORD = {
    "REDIS_PASSWORD_FILE": '"$(cat "$REDIS_PASSWORD_FILE")"',
    "REDIS_PASSWORD": '"$REDIS_PASSWORD"',
    "REDISCLI_AUTH": '"$REDISCLI_AUTH"',
}


def redis_cli_argv(auth_env: str | None, args: list[str]) -> list[str]:
    """redis-cli with the pod's own credentials: REDISCLI_AUTH set inside the pod's shell, so no argv shows it."""
    if auth_env is None or auth_env == "REDISCLI_AUTH":
        return ["redis-cli", *args]
    return ["sh", "-c", f'REDISCLI_AUTH={_PASSWORD[auth_env]} exec redis-cli "$@"', "redis-cli", *args]


def redis_benchmark_argv(auth_env: str | None, args: list[str]) -> list[str]:
    """redis-benchmark with the pod's own credentials. Redis 7.0's redis-benchmark ignores REDISCLI_AUTH and has no
    --no-auth-warning (nor prints one): the password goes as -a, expanded inside the pod's shell, never printed."""
    if auth_env is None:
        return ["redis-benchmark", *args]
    return ["sh", "-c", f'exec redis-benchmark -a {_PASSWORD[auth_env]} "$@"', "redis-benchmark", *args]


def auth_env_of(container: Any) -> str | None:
    """Which auth variable the container's spec sets (names only: its value, or the Secret, is never read)."""
    names = {e.name for e in container.env or []}
    return next((name for name in AUTH_ENV if name in names), None)


class RedisPod:
    """The Redis pod as one check sees it: read once; every program run in it authenticates as the pod does."""

    def __init__(self, cluster: Cluster, names: RunbookNames) -> None:
        self.cluster, self.names = cluster, names
        self.pod: Any | None = None
        self.absent = ""
        try:
            self.pod = cluster.core.read_namespaced_pod(names.pod, names.namespace)
        except ApiException as exc:
            if exc.status != 404:
                raise
            self.absent = f"pod {names.pod} absent" + (
                "" if _namespace_exists(cluster, names.namespace) else f": namespace {names.namespace!r} not found"
            )

    def require(self, purpose: str) -> Any:
        """The pod, running; else CheckError saying there is nothing to run `purpose` in."""
        if self.pod is None:
            raise CheckError(f"{purpose}: no pod to run it in ({self.absent})")
        if self.pod.status.phase != "Running":
            raise CheckError(f"{purpose}: pod {self.names.pod} is {self.pod.status.phase}, no container runs")
        return self.pod

    @property
    def container(self) -> Any:
        containers = self.require("reading the Redis container").spec.containers
        return next((c for c in containers if c.name == self.names.container), containers[0])

    def run(self, argv: list[str], purpose: str) -> subprocess.CompletedProcess[str]:
        """`argv` run in the Redis container, whatever its outcome."""
        self.require(purpose)
        return self.cluster.kubectl(
            "exec", "-n", self.names.namespace, self.names.pod, "-c", self.container.name, "--", *argv,
            timeout=budgets.EXEC_TIMEOUT_S,
        )  # fmt: skip

    def exec(self, argv: list[str], purpose: str) -> str:
        """stdout of `argv` run in the Redis container; CheckError (or NotCheckable for a missing tool) otherwise."""
        proc = self.run(argv, purpose)
        if proc.returncode != 0:
            said = (proc.stderr.strip() or proc.stdout.strip() or f"exit {proc.returncode}").splitlines()[-1]
            lacking = missing_tool(proc.stderr)
            if lacking:
                raise NotCheckable(f"{purpose}: pod {self.names.pod} cannot run it ({lacking})")
            raise CheckError(f"{purpose}: exec in pod {self.names.pod} failed: {said[:160]}")
        return proc.stdout

    def cli(self, *args: str, purpose: str, raw: bool = False) -> str:
        """A redis-cli command's reply (stripped unless `raw`; verify sends only reads); an error reply (redis-cli
        exits 0 on those) is CheckError stating it."""
        self.require(purpose)
        proc = self.run(redis_cli_argv(auth_env_of(self.container), list(args)), purpose)
        error = redis_error(proc.stdout, proc.stderr)
        if error:
            raise CheckError(f"{purpose}: redis-cli answered {error[:120]}")
        if proc.returncode != 0:
            said = (proc.stderr.strip() or f"exit {proc.returncode}").splitlines()[-1]
            lacking = missing_tool(proc.stderr)
            if lacking:
                raise NotCheckable(f"{purpose}: pod {self.names.pod} cannot run redis-cli ({lacking})")
            raise CheckError(f"{purpose}: redis-cli in pod {self.names.pod} failed: {said[:160]}")
        return proc.stdout if raw else proc.stdout.strip()

    def info(self, section: str) -> dict[str, str]:
        return parse_info(self.cli("info", section, purpose=f"INFO {section}"))

    def config(self, parameter: str) -> str:
        return self.configs(parameter).get(parameter, "")

    def configs(self, *parameters: str) -> dict[str, str]:
        """Several parameters in one CONFIG GET (Redis 7 takes many): name -> value."""
        lines = self.cli("config", "get", *parameters, purpose=f"CONFIG GET {' '.join(parameters)}").split("\n")
        return {lines[i].strip(): lines[i + 1].strip() for i in range(0, len(lines) - 1, 2)}


def _namespace_exists(cluster: Cluster, namespace: str) -> bool:
    try:
        cluster.core.read_namespace(namespace)
    except ApiException as exc:
        if exc.status == 404:
            return False
        raise
    return True


# ---------------------------------------------------------------- 1. pod


def pod_running_and_ready(cluster: Cluster, names: RunbookNames, runbook: Runbook | None = None) -> CheckResult:
    book = runbook or default_runbook()
    expected = expected_pod_state(book, names.pod)

    def measure() -> Measured:
        redis = RedisPod(cluster, names)
        if redis.pod is None:
            return Measured(False, redis.absent, f"the runbook expects {expected.status} and {expected.ready} READY")
        statuses = redis.pod.status.container_statuses or []
        ready = f"{sum(1 for s in statuses if s.ready)}/{len(redis.pod.spec.containers)}"
        ok = redis.pod.status.phase == expected.status and ready == expected.ready
        return Measured(
            ok,
            f"{redis.pod.status.phase} {ready}",
            "" if ok else f"the runbook expects {expected.status} and {expected.ready} READY (line {expected.line})",
        )

    return judged("pod running and ready", expected.line, measure)


def not_oom_killed(cluster: Cluster, names: RunbookNames, runbook: Runbook | None = None) -> CheckResult:
    """The Redis container's last termination was not OOMKilled: a pod the kernel killed for memory and the kubelet
    restarted is Running and Ready again, yet nothing is fixed (the runbook's fix gives it a new pod)."""
    line = runbook_line("lastState.terminated.reason", runbook=runbook, after="## Diagnosis")

    def measure() -> Measured:
        redis = RedisPod(cluster, names)
        if redis.pod is None:
            return Measured(False, redis.absent)
        container = redis.container.name
        status = next((s for s in redis.pod.status.container_statuses or [] if s.name == container), None)
        if status is None:
            return Measured(False, f"container {container} has no status yet")
        terminated = status.last_state.terminated if status.last_state else None
        reason = terminated.reason if terminated else "none"
        value = f"last terminated: {reason}, {status.restart_count} restarts"
        oom = reason == "OOMKilled"
        return Measured(not oom, value, "the runbook's 'Issue: Pod OOMKilled': raise the memory limit" if oom else "")

    return judged("redis container not OOMKilled", line, measure)


def statefulset_replicas_ready(cluster: Cluster, names: RunbookNames, runbook: Runbook | None = None) -> CheckResult:
    line = runbook_line(f"kubectl get pod -n redis {names.pod}", "kubectl get pod -n", runbook=runbook)

    def measure() -> Measured:
        try:
            sts = cluster.apps.read_namespaced_stateful_set(names.statefulset, names.namespace)
        except ApiException as exc:
            if exc.status == 404:
                return Measured(False, f"StatefulSet {names.statefulset} absent")
            raise
        ready, wanted = sts.status.ready_replicas or 0, sts.spec.replicas or 0
        value = f"StatefulSet {names.statefulset} {ready}/{wanted} replicas"
        return Measured(wanted > 0 and ready == wanted, value, "scaled to 0" if not wanted else "")

    return judged("statefulset replicas ready", line, measure)


# ---------------------------------------------------------------- 2. connectivity


def responds_to_ping(cluster: Cluster, names: RunbookNames, runbook: Runbook | None = None) -> CheckResult:
    book = runbook or default_runbook()
    command = verification_command(book, "redis-cli ping")
    expected = expectation_value(command, book)

    def measure() -> Measured:
        answer = RedisPod(cluster, names).cli("ping", purpose="PING")
        return Measured(answer == expected, answer, "" if answer == expected else f"the runbook expects {expected}")

    return judged("responds to PING", command.line, measure)


def reports_expected_version(
    cluster: Cluster, names: RunbookNames, expected_prefix: str, runbook: Runbook | None = None
) -> CheckResult:
    def measure() -> Measured:
        version = RedisPod(cluster, names).info("server").get("redis_version", "")
        ok = version.startswith(expected_prefix)
        return Measured(
            ok, version or "no redis_version", "" if ok else f"expected a version starting {expected_prefix!r}"
        )

    return judged(
        "INFO server answers with expected version", runbook_line("redis-cli info server", runbook=runbook), measure
    )


# ---------------------------------------------------------------- 3. clients


def running_client_pods(cluster: Cluster, client: Client) -> list[Any]:
    """The client Deployment's Running pods, found by its own selector."""
    try:
        deployment = cluster.apps.read_namespaced_deployment(client.deployment, client.namespace)
    except ApiException as exc:
        if exc.status == 404:
            raise CheckError(f"deployment/{client.deployment} absent in ns {client.namespace}") from None
        raise
    selector = ",".join(f"{k}={v}" for k, v in (deployment.spec.selector.match_labels or {}).items())
    pods = cluster.core.list_namespaced_pod(client.namespace, label_selector=selector).items
    return [p for p in pods if p.status.phase == "Running" and p.metadata.deletion_timestamp is None]


def _one_client_pod(cluster: Cluster, client: Client) -> Any:
    pods = running_client_pods(cluster, client)
    if not pods:
        raise CheckError(f"no Running pod of deployment/{client.deployment} in ns {client.namespace}")
    return pods[0]


def client_reaches_service(
    cluster: Cluster, names: RunbookNames, client: Client, runbook: Runbook | None = None
) -> CheckResult:
    line = runbook_line(
        f"kubectl exec -n {client.namespace} deployment/{client.deployment}",
        f"deployment/{client.deployment} -- sh -c 'nc -zv",
        "nc -zv",
        runbook=runbook,
    )

    def measure() -> Measured:
        pod = _one_client_pod(cluster, client).metadata.name
        command = f"nc -zv -w 3 {names.service_host} {names.port}"
        proc = cluster.exec(client.namespace, pod, ["sh", "-c", command], timeout=budgets.EXEC_TIMEOUT_S)
        lacking = missing_tool(proc.stderr) if proc.returncode != 0 else None
        if lacking:
            raise NotCheckable(f"{pod} cannot run `sh -c '{command}'` ({lacking})")
        said = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
        return Measured(proc.returncode == 0, f"{pod}: " + (said[-1][:80] if said else f"exit {proc.returncode}"))

    return judged(f"{client.deployment} reaches redis over TCP", line, measure)


# ---------------------------------------------------------------- 4. performance


def latency_within_budget(cluster: Cluster, names: RunbookNames, runbook: Runbook | None = None) -> CheckResult:
    # The runbook's `redis-cli --latency` never ends; a fixed sample of PINGs gives a p99 instead.
    def measure() -> Measured:
        redis = RedisPod(cluster, names)
        redis.require("redis-benchmark PING")
        args = ["-t", "ping", "-n", str(budgets.LATENCY_SAMPLES), "-c", "1", "--csv"]
        argv = redis_benchmark_argv(auth_env_of(redis.container), args)
        out = redis.exec(argv, purpose="redis-benchmark PING")
        p99 = benchmark_p99(out)
        ok = p99 <= budgets.LATENCY_P99_MS
        return Measured(
            ok,
            f"p99 {p99:.3f} ms over {budgets.LATENCY_SAMPLES} PINGs (budget {budgets.LATENCY_P99_MS} ms)",
            "" if ok else "Redis answers slowly: see the runbook's Performance Tips",
        )

    return judged("latency p99 within budget", runbook_line("redis-cli --latency", runbook=runbook), measure)


def memory_within_limits(cluster: Cluster, names: RunbookNames, runbook: Runbook | None = None) -> CheckResult:
    def measure() -> Measured:
        redis = RedisPod(cluster, names)
        used = int(redis.info("memory").get("used_memory", "0"))
        maxmemory = int(redis.config("maxmemory") or 0)
        limit = quantity_bytes((redis.container.resources.limits or {}).get("memory", "0"))
        return memory_verdict(used, maxmemory, limit)

    return judged("memory within maxmemory or limit", runbook_line("redis-cli info memory", runbook=runbook), measure)


def clients_connected(cluster: Cluster, names: RunbookNames, runbook: Runbook | None = None) -> CheckResult:
    def measure() -> Measured:
        entries = parse_client_list(RedisPod(cluster, names).cli("client", "list", purpose="CLIENT LIST"))
        seen, missing = [], []
        for client in names.clients:
            pods = running_client_pods(cluster, client)
            ips = {p.status.pod_ip: p.metadata.name for p in pods if p.status.pod_ip}
            connected = {pod: conns for pod, conns in connections_by_pod(entries, ips).items() if conns}
            if not connected:
                missing.append(f"{client.deployment} ({len(pods)} Running pods, none connected)")
            for pod, conns in connected.items():
                named = sorted({c["name"] for c in conns if c.get("name")})
                seen.append(f"{pod} x{len(conns)}" + (f" name={','.join(named)}" if named else ""))
        value = f"{len(entries)} connections; from " + ("; ".join(seen) or "no client pod")
        if missing:
            value = f"not connected: {', '.join(missing)}; {value}"
        return Measured(not missing, value, f"not connected: {', '.join(missing)}" if missing else "")

    return judged("both applications connected", runbook_line("redis-cli client list", runbook=runbook), measure)


# ---------------------------------------------------------------- 5. persistence


def persistence_enabled(cluster: Cluster, names: RunbookNames, runbook: Runbook | None = None) -> CheckResult:
    def measure() -> Measured:
        redis = RedisPod(cluster, names)
        config = redis.configs("appendonly", "save")
        return persistence_enabled_verdict(config.get("appendonly", ""), config.get("save", ""))

    line = runbook_line("redis-cli config get appendonly", runbook=runbook)
    return judged("AOF or RDB persistence enabled", line, measure)


def lastsave_recent(cluster: Cluster, names: RunbookNames, runbook: Runbook | None = None) -> CheckResult:
    def measure() -> Measured:
        redis = RedisPod(cluster, names)
        lastsave = int(redis.cli("lastsave", purpose="LASTSAVE"))
        now = int(redis.cli("time", purpose="TIME").splitlines()[0])
        config = redis.configs("appendonly", "save")
        appendonly, save = config.get("appendonly", ""), config.get("save", "")
        return persistence_health_verdict(appendonly, save, redis.info("persistence"), now - lastsave)

    return judged("persistence healthy", runbook_line("redis-cli lastsave", runbook=runbook), measure)


def persistence_files_present(cluster: Cluster, names: RunbookNames, runbook: Runbook | None = None) -> CheckResult:
    def measure() -> Measured:
        redis = RedisPod(cluster, names)
        config = redis.configs("appendonly", "save", "dir", "dbfilename", "appenddirname")
        appendonly, save = config.get("appendonly", ""), config.get("save", "")
        data_dir, dbfilename = config.get("dir") or names.data_dir, config.get("dbfilename", "dump.rdb")
        appenddirname = config.get("appenddirname") or "appendonlydir"
        listing = redis.exec(["ls", "-1A", data_dir], purpose=f"ls {data_dir}").split()
        aof_listing = (
            redis.exec(["ls", "-1A", f"{data_dir}/{appenddirname}"], purpose=f"ls {appenddirname}").split()
            if appenddirname in listing
            else []
        )
        verdict = persistence_files_verdict(appendonly, save, listing, aof_listing, dbfilename, appenddirname)
        return verdict._replace(value=f"{data_dir}: {verdict.value}")

    return judged("persistence files present", runbook_line("ls -lh /data/", runbook=runbook), measure)


def data_volume_has_room(cluster: Cluster, names: RunbookNames, runbook: Runbook | None = None) -> CheckResult:
    def measure() -> Measured:
        out = RedisPod(cluster, names).exec(["df", "-P", "-k", names.data_dir], purpose=f"df {names.data_dir}")
        fields = out.splitlines()[-1].split()
        size_k, avail_k = int(fields[1]), int(fields[3])
        free = avail_k / size_k if size_k else 0.0
        ok = free >= budgets.DATA_FREE_FRACTION
        detail = "" if ok else "the runbook: clean old RDB/AOF files or increase PVC size"
        return Measured(ok, f"{free:.0%} free ({avail_k / 2**20:.1f}Gi)", detail)

    return judged(f"{names.data_dir} has free space", runbook_line("ls -lh /data/", runbook=runbook), measure)


def sentinel_keys_intact(cluster: Cluster, names: RunbookNames, runbook: Runbook | None = None) -> CheckResult:
    """Every sentinel set the suite wrote is still whole, read with redis-cli inside the Redis pod (its own auth)."""

    def measure() -> Measured:
        redis = RedisPod(cluster, names)
        pattern = f"{sentinel.PREFIX}:*:manifest"
        manifests = sorted(redis.cli("--scan", "--pattern", pattern, purpose="SCAN sentinel manifests").split())
        if not manifests:
            raise NotCheckable(
                "no sentinel set in Redis: the suite seeds one where it installs Redis; elsewhere nothing was "
                "written to read back"
            )
        reports = []
        for key in manifests:
            set_id = key.split(":")[2]
            raw = redis.cli("get", key, purpose=f"GET {key}")
            count = json.loads(raw)["count"] if raw else 0
            keys = [sentinel.key_of(set_id, i) for i in range(count)]
            # One line per key, an empty one for a missing key: kept raw so leading and trailing misses count.
            out = redis.cli("mget", *keys, purpose=f"MGET set {set_id}", raw=True) if keys else ""
            values = out.removesuffix("\n").split("\n") if keys else []
            reports.append(sentinel.judge(set_id, raw or None, [v or None for v in values]))
        total = sentinel.combine(reports)
        value = f"{total.keys - total.lost} of {total.keys} keys in {total.sets} sets (redis-cli in the pod)"
        return Measured(total.intact, value, total.detail)

    return judged("sentinel keys intact", runbook_line("Verify Data Persistence", runbook=runbook), measure)


# ---------------------------------------------------------------- 6. applications


def client_reports_reachable(cluster: Cluster, client: Client, runbook: Runbook | None = None) -> CheckResult:
    """redis_up from the client's /metrics, read through the API server's pod proxy (no tool needed in the image)."""
    book = runbook or default_runbook()
    command = verification_command(book, "kubectl port-forward")
    port = port_forward_port(command)

    def measure() -> Measured:
        pod = _one_client_pod(cluster, client).metadata.name
        try:
            text = cluster.core.connect_get_namespaced_pod_proxy_with_path(
                f"{pod}:{port}", client.namespace, "metrics", _request_timeout=budgets.EXEC_TIMEOUT_S
            )
        except ApiException as exc:
            reason = f"HTTP {exc.status} {exc.reason}"
            raise CheckError(f"{pod}:{port}/metrics via the API server's pod proxy: {reason}") from None
        up = metric_values(text, "redis_up")
        ok = bool(up) and all(value == 1.0 for value in up)
        shown = ",".join(f"{value:g}" for value in up) or "absent"
        return Measured(ok, f"redis_up={shown} ({pod}:{port}/metrics via API pod proxy)")

    return judged(f"{client.deployment} reports redis reachable", command.line, measure)


def redis_ready_at(cluster: Cluster, names: RunbookNames) -> datetime:
    """When the Redis pod last became Ready; CheckError when it is absent or not Ready."""
    redis = RedisPod(cluster, names)
    if redis.pod is None:
        raise CheckError(f"{redis.absent}: no Ready time to start the client-log window from")
    ready = next((c for c in redis.pod.status.conditions or [] if c.type == "Ready"), None)
    if ready is None or ready.status != "True" or ready.last_transition_time is None:
        raise CheckError(f"pod {names.pod} is not Ready: no Ready time to start the client-log window from")
    return ready.last_transition_time


def redis_ready_since(cluster: Cluster, names: RunbookNames) -> datetime:
    """When the Redis pod last became Ready, plus the grace clients get to reconnect."""
    return redis_ready_at(cluster, names) + timedelta(seconds=budgets.CLIENT_RECONNECT_GRACE_S)


def logs_window(cluster: Cluster, names: RunbookNames, client: Client, since: str) -> tuple[str, str, datetime | None]:
    """(kubectl logs flag, description, when the window has lasted long enough to judge) for --clients-clean-since.

    redis-ready: since both Redis and the client's newest pod were Ready, plus the reconnect grace (a client pod
    started later gets its grace too). A window that has not begun, or has seen only a few client rounds, would
    pass on no evidence: the caller waits until it has lasted CLIENT_LOG_MIN_WINDOW_S.
    """
    if since == "redis-ready":
        ready, whose = redis_ready_at(cluster, names), "Redis Ready"
        client_ready = [_ready_since(p) for p in running_client_pods(cluster, client)]
        newest = max((t for t in client_ready if t is not None), default=None)
        if newest is not None and newest > ready:
            ready, whose = newest, f"{client.deployment} Ready"
        return grace_window(ready, whose)
    if since[:1].isdigit() and since[-1] in "smh":
        return f"--since={since}", f"in the last {since}", None
    return f"--since-time={since}", f"since {since}", None


def grace_window(ready: datetime, whose: str) -> tuple[str, str, datetime]:
    """The window from `ready` plus the reconnect grace, and when it has lasted long enough to be judged."""
    start = ready + timedelta(seconds=budgets.CLIENT_RECONNECT_GRACE_S)
    judgeable = start + timedelta(seconds=budgets.CLIENT_LOG_MIN_WINDOW_S)
    return _since_time(start), f"since {whose}+{budgets.CLIENT_RECONNECT_GRACE_S}s ({start:%H:%M:%S}Z)", judgeable


def wait_until_judgeable(judgeable: datetime | None, what: str) -> float:
    """Wait (bounded by the grace and the minimum window) until the log window can be judged; seconds waited."""
    if judgeable is None or judgeable <= datetime.now(UTC):
        return 0.0
    budget = budgets.CLIENT_RECONNECT_GRACE_S + budgets.CLIENT_LOG_MIN_WINDOW_S + 1
    return wait_for(
        lambda: Seen(datetime.now(UTC) >= judgeable, f"window judgeable at {judgeable:%H:%M:%S}Z"),
        timeout=budget,
        what=what,
    )


def _ready_since(pod: Any) -> datetime | None:
    ready = next((c for c in pod.status.conditions or [] if c.type == "Ready" and c.status == "True"), None)
    return ready.last_transition_time if ready else None


def _since_time(moment: datetime) -> str:
    return f"--since-time={moment.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"


def _age(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def client_logs_clean(
    cluster: Cluster, names: RunbookNames, client: Client, since: str, runbook: Runbook | None = None
) -> CheckResult:
    line = runbook_line(
        f"kubectl logs -n {client.namespace} -l {client.label}",
        f"-l {client.label} ",
        "kubectl logs -n",
        runbook=runbook,
    )

    def measure() -> Measured:
        window, described, judgeable = logs_window(cluster, names, client, since)
        _one_client_pod(cluster, client)  # no pod logs nothing: that is no evidence of health
        waited = wait_until_judgeable(judgeable, f"{client.deployment}'s log window lasting a few client rounds")
        if waited:
            described += f", after waiting {waited:.0f}s for the window to begin and last"
        proc = cluster.kubectl(
            "logs", "-n", client.namespace, "-l", client.label, window, "--tail=-1", "--prefix",
            timeout=budgets.EXEC_TIMEOUT_S,
        )  # fmt: skip
        if proc.returncode != 0:
            raise CheckError(f"kubectl logs -n {client.namespace} -l {client.label}: {proc.stderr.strip()[:160]}")
        lines = proc.stdout.splitlines()
        errors = redis_error_lines(proc.stdout)
        value = f"{len(errors)} redis errors in {len(lines)} lines, {described}"
        return Measured(not errors, value, errors[-1][:200] if errors else "")

    return judged(f"{client.deployment} logs free of redis errors", line, measure)
