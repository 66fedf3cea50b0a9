"""Run a documented command as written, with bash, against the suite's cluster; record what ran and what it said.

Adaptations are minimal and recorded next to the original text: placeholders filled from live state,
interactive forms replaced by their non-interactive equivalent, endless commands bounded.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from kubernetes.client import V1PodSpec
from kubernetes.client.exceptions import ApiException

from checks.runbook.model import Command
from checks.runbook.model import CommandClass as K
from fixtures.cluster import config as cluster_config
from fixtures.core.kube import Cluster, run_process
from fixtures.core.names import RUNBOOK, RunbookNames
from fixtures.core.waits import Seen, WaitTimeout, wait_for

DEFAULT_TIMEOUT = 60
WATCH_TIMEOUT = 300
PIPESTATUS_MARK = "__RUNBOOK_PIPESTATUS__"
NOT_YET = "metrics not available yet"
METRICS_WAIT = 90


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"  # ran, and exited non-zero, answered an error, or missed the runbook's stated expectation
    DEFECT = "runbook defect"  # the text is wrong for the CLI it calls: a flag, subcommand or resource type
    # The text is fine, but an assumption it makes about the system does not hold there: credentials, a path,
    # a tool in an image, a CLI or add-on, a name. Kept apart from DEFECT because the fix differs: the runbook
    # must say how to reach this kind of install, not correct a typo.
    FINDING = "runbook finding"
    SUITE_ERROR = "suite error"  # the suite could not run it (e.g. a timeout of the harness)
    NOT_RUN = "not run"


@dataclass
class Adaptation:
    """One recorded change between the runbook's text and what ran."""

    what: str
    original: str
    replacement: str


@dataclass
class Execution:
    """What running one documented command did."""

    line: int
    original: str
    ran: str
    adaptations: list[Adaptation] = field(default_factory=list)
    exit_code: int | None = None
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0
    outcome: Outcome = Outcome.NOT_RUN
    reason: str = ""
    pipestatus: list[int] = field(default_factory=list)  # exit code of each pipeline stage

    @property
    def ok(self) -> bool:
        return self.outcome == Outcome.PASSED


# Messages that mean the command cannot work as written (not a failure of Redis), first match wins:
# a runbook defect (its text is wrong) or a runbook finding (an assumption about the system does not hold).
DEFECT_PATTERNS = [
    (
        re.compile(r"executable file not found|\bsh: \d+: [\w./-]+: not found", re.I),
        Outcome.FINDING,
        "the runbook assumes a tool the container image lacks",
    ),
    (
        re.compile(r"command not found", re.I),
        Outcome.FINDING,
        "a CLI it calls is not installed",
    ),
    (
        re.compile(r"unknown (shorthand )?flag|unknown command", re.I),
        Outcome.DEFECT,
        "a flag or subcommand the CLI does not have",
    ),
    (re.compile(r"No such file or directory", re.I), Outcome.FINDING, "a path that does not exist"),
    # e.g. a file the image ships for another user (uid 1001 cannot read Debian's /etc/redis/redis.conf)
    (re.compile(r": Permission denied", re.I), Outcome.FINDING, "a path the container's user cannot read"),
    (
        re.compile(r"Metrics API not available|metrics\.k8s\.io", re.I),
        Outcome.FINDING,
        "needs metrics-server, absent here",
    ),
    (
        re.compile(r'the server doesn\'t have a resource type "', re.I),
        Outcome.DEFECT,
        "a resource type the cluster does not know",
    ),
    (re.compile(r"\(NotFound\)|not found", re.I), Outcome.FINDING, "a name that does not exist in the cluster"),
]
# A redis-cli reply that is an error, whatever redis-cli's exit code (it exits 0 on most of them).
ERROR_REPLY = re.compile(
    r"^(?:\(error\)\s*|Error:\s*)?(NOAUTH|WRONGPASS|NOPERM|ERR|LOADING|MISCONF|WRONGTYPE|READONLY|BUSY|MASTERDOWN)\b"
    r"|^\(error\)\s"
)
# Error replies that mean the command cannot work as written on an install with auth or ACLs.
AUTH_REPLIES = {"NOAUTH", "WRONGPASS", "NOPERM"}


class Executor:
    """Runs runbook commands with KUBECONFIG pinned to the suite's context and the cluster's CLIs first on PATH."""

    def __init__(
        self,
        cluster: Cluster,
        names: RunbookNames = RUNBOOK,
        log: Callable[[str], None] | None = None,
        runbook_names: RunbookNames = RUNBOOK,
    ):
        """`names` are the target's; `runbook_names` those the runbook's text spells out (mapped to `names`)."""
        self.cluster = cluster
        self.names = names
        self.runbook_names = runbook_names
        self.log = log or (lambda _msg: None)
        self._kubeconfig = self._pinned_kubeconfig()
        self._background: list[subprocess.Popen[str]] = []

    def _pinned_kubeconfig(self) -> Path:
        """A kubeconfig whose current context is the suite's, so commands written without --context use it."""
        flat = self.cluster.kubectl("config", "view", "--minify", "--flatten", "--raw", check=True).stdout
        fd, name = tempfile.mkstemp(prefix="runbook-kubeconfig-", suffix=".yaml")
        with os.fdopen(fd, "w") as handle:
            handle.write(flat)
        return Path(name)

    @property
    def env(self) -> dict[str, str]:
        path = f"{cluster_config.TOOLS_BIN}:{os.environ.get('PATH', '')}"
        return {**os.environ, "KUBECONFIG": str(self._kubeconfig), "PATH": path}

    def close(self) -> None:
        self.stop_background()
        self._kubeconfig.unlink(missing_ok=True)

    # ------------------------------------------------------------ adaptations

    def adapt(
        self, cmd: Command, fill: dict[str, str] | None = None, edit_patch: str | None = None
    ) -> tuple[str, list[Adaptation]]:
        """The text to run for `cmd`, and every change made to the runbook's text."""
        text, changes = map_names(cmd.text, self.runbook_names, self.names)
        for name in cmd.placeholders:
            value = (fill or {}).get(name) or self.live_value(name, namespace_of(text))
            changes.append(Adaptation(f"placeholder <{name}> filled from live state", f"<{name}>", value))
            text = text.replace(f"<{name}>", value)
        words = shlex.split(text)
        if words[:2] == ["kubectl", "edit"]:
            if edit_patch is None:
                raise NotRunnable("interactive `kubectl edit`: the caller must say which field to change")
            patched = ["kubectl", "patch", *words[2:], "--type", "merge", "-p", edit_patch]
            changes.append(
                Adaptation("interactive edit replaced by a patch of the same field", text, shlex.join(patched))
            )
            text = shlex.join(patched)
        if words[0] == "kubectl" and any(w in ("-it", "-ti") for w in words):
            new = re.sub(r"(?<=\s)-(it|ti)(?=\s)", "-i", text)
            changes.append(Adaptation("-it dropped to -i (no terminal; --rm still needs attach)", text, new))
            text = new
        if re.search(r"redis-cli\b.*--latency(?!-)", text) and "--raw" not in text:
            new = text.replace("--latency", "--latency --raw", 1)
            changes.append(Adaptation("endless --latency bounded: --raw prints one sample window and exits", text, new))
            text = new
        return text, changes

    def live_value(self, placeholder: str, namespace: str | None = None) -> str:
        """Fill a runbook placeholder from the cluster's current state (in the command's namespace if it has one)."""
        if placeholder == "node-name":
            return self.cluster.core.read_namespaced_pod(self.names.pod, self.names.namespace).spec.node_name
        if placeholder == "policy-name":
            namespace = namespace or self.names.namespace
            policies = self.cluster.networking.list_namespaced_network_policy(namespace).items
            if not policies:
                raise NotRunnable(f"<policy-name>: no NetworkPolicy in namespace {namespace}")
            return policies[0].metadata.name
        raise NotRunnable(f"no live value known for placeholder <{placeholder}>")

    # ------------------------------------------------------------ running

    def run(
        self,
        cmd: Command,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        fill: dict[str, str] | None = None,
        edit_patch: str | None = None,
        until: Callable[[str], bool] | None = None,
    ) -> Execution:
        """Run one documented command; `until` (for `watch`) is the state its output must show."""
        try:
            text, changes = self.adapt(cmd, fill, edit_patch)
        except NotRunnable as exc:
            return Execution(cmd.line, cmd.text, cmd.text, outcome=Outcome.NOT_RUN, reason=str(exc))
        if text.startswith("watch "):
            return self._watch(cmd, text, changes, until, timeout=max(timeout, WATCH_TIMEOUT))
        if K.LONG_RUNNING in cmd.classes and " port-forward " in f" {text} ":
            return self._start_port_forward(cmd, text, changes)
        execution = self._bash(cmd.line, cmd.text, text, changes, timeout)
        if K.NEEDS_ADDON in cmd.classes and NOT_YET in execution.stderr:
            execution = self._retry_until_served(cmd, text, changes, timeout)
        judge(cmd, execution)
        if execution.outcome == Outcome.FINDING:
            self._explain(text, execution)
        self.log(f"RUNBOOK line {cmd.line}: {execution.outcome} ({execution.seconds:.1f}s) {text}")
        return execution

    def _explain(self, text: str, execution: Execution) -> None:
        """Add what the target really has to a finding about an exec'd container (reads only; best effort)."""
        target = exec_target(text)
        if target is None:
            return
        try:
            spec = self._pod_spec(target)
            hint = _hint(self.cluster, target, spec, execution.reason)
        except ApiException:
            return
        if hint:
            execution.reason = f"{execution.reason}; {hint}"

    def _pod_spec(self, target: ExecTarget) -> V1PodSpec:
        if target.kind == "pod":
            return self.cluster.core.read_namespaced_pod(target.name, target.namespace).spec
        read = {
            "deployment": self.cluster.apps.read_namespaced_deployment,
            "statefulset": self.cluster.apps.read_namespaced_stateful_set,
        }.get(target.kind)
        if read is None:
            raise ApiException(reason=f"no pod template for kind {target.kind}")
        return read(target.name, target.namespace).spec.template.spec

    def _bash(self, line: int, original: str, text: str, changes: list[Adaptation], timeout: float) -> Execution:
        # PIPESTATUS is read first thing after the command; the script then exits with the pipeline's
        # status (pipefail semantics: the last non-zero stage), so the echo does not mask it.
        script = (
            f"set -o pipefail\n{text}\n"
            '__ps="${PIPESTATUS[*]}"; __rc=0; for __s in $__ps; do [ "$__s" != 0 ] && __rc=$__s; done\n'
            f'echo "{PIPESTATUS_MARK} $__ps" >&2; exit $__rc'
        )
        started = time.monotonic()
        try:
            proc = run_process(["bash", "-c", script], timeout=timeout, env=self.env, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            return Execution(
                line,
                original,
                text,
                changes,
                None,
                _text(exc.stdout),
                _text(exc.stderr),
                time.monotonic() - started,
                Outcome.SUITE_ERROR,
                f"still running after {timeout:.0f}s (bounded by the suite)",
            )
        stderr, statuses = _split_pipestatus(proc.stderr)
        return Execution(
            line,
            original,
            text,
            changes,
            proc.returncode,
            proc.stdout,
            stderr,
            time.monotonic() - started,
            pipestatus=statuses,
        )

    def _retry_until_served(self, cmd: Command, text: str, changes: list[Adaptation], timeout: float) -> Execution:
        """metrics-server has no sample of a pod in its first ~15 s: wait for one, bounded, and say so."""
        changes = [*changes, Adaptation("re-run while the metrics API says 'not available yet' (new pod)", text, text)]
        last: list[Execution] = []

        def probe() -> Seen:
            last[:] = [self._bash(cmd.line, cmd.text, text, changes, timeout)]
            return Seen(NOT_YET not in last[0].stderr, last[0].stderr.strip()[-200:])

        with contextlib.suppress(WaitTimeout):
            wait_for(probe, timeout=METRICS_WAIT, interval=3, what=f"runbook line {cmd.line}: metrics for the pod")
        return last[0]

    def _watch(self, cmd: Command, text: str, changes: list[Adaptation], until, timeout: float) -> Execution:
        inner = watched_command(text)
        until = until or all_pods_running_and_ready
        changes = [*changes, Adaptation("`watch` replaced by re-running until the expected state shows", text, inner)]
        last: list[Execution] = []

        def probe() -> Seen:
            last[:] = [self._bash(cmd.line, cmd.text, inner, changes, DEFAULT_TIMEOUT)]
            return Seen(last[0].exit_code == 0 and until(last[0].stdout), last[0].stdout.strip()[-300:])

        try:
            took = wait_for(
                probe, timeout=timeout, interval=2, what=f"runbook line {cmd.line}: `{inner}` shows the expected state"
            )
        except WaitTimeout as exc:
            execution = last[0] if last else Execution(cmd.line, cmd.text, inner, changes)
            execution.outcome, execution.reason = Outcome.FAILED, str(exc)
            return execution
        execution = last[0]
        execution.seconds, execution.outcome = took, Outcome.PASSED
        return execution

    def _start_port_forward(self, cmd: Command, text: str, changes: list[Adaptation]) -> Execution:
        ports = re.search(r"\s(\d+):(\d+)(\s|$)", text)
        proc = subprocess.Popen(
            ["bash", "-c", f"exec {text}"],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        self._background.append(proc)
        changes = [*changes, Adaptation("endless port-forward kept in the background for the next command", text, text)]
        execution = Execution(cmd.line, cmd.text, text, changes)
        if ports is None:
            execution.outcome, execution.reason = Outcome.NOT_RUN, "no LOCAL:REMOTE port pair to wait for"
            return execution
        local = int(ports.group(1))

        def listening() -> Seen:
            if proc.poll() is not None:
                return Seen(True, "exited")
            import socket

            with socket.socket() as s:
                return Seen(s.connect_ex(("127.0.0.1", local)) == 0, f"127.0.0.1:{local} not listening")

        try:
            execution.seconds = wait_for(
                listening, timeout=20, what=f"runbook line {cmd.line}: port-forward on :{local}"
            )
        except WaitTimeout as exc:
            execution.outcome, execution.reason = Outcome.FAILED, str(exc)
            return execution
        if proc.poll() is not None:
            execution.exit_code, execution.stderr = proc.returncode, proc.stderr.read() if proc.stderr else ""
            execution.outcome = Outcome.FAILED
            _mark_defect(execution)
            return execution
        execution.outcome, execution.reason = Outcome.PASSED, f"listening on 127.0.0.1:{local}"
        return execution

    def stop_background(self) -> None:
        for proc in self._background:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=10)
        self._background.clear()


class NotRunnable(Exception):
    """The command cannot be run by the suite as asked (a placeholder with no value, an edit with no patch)."""


def watched_command(text: str) -> str:
    """`watch [-n N] [-d] CMD...` -> CMD...: only watch's own leading options are dropped."""
    words = shlex.split(text)[1:]
    while words and words[0].startswith("-"):
        option = words.pop(0)
        if option in ("-n", "--interval") and words:
            words.pop(0)
    return shlex.join(words)


def _text(value: str | bytes | None) -> str:
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return value or ""


def _split_pipestatus(stderr: str) -> tuple[str, list[int]]:
    lines = stderr.splitlines()
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].startswith(PIPESTATUS_MARK):
            codes = [int(c) for c in lines[i].split()[1:] if c.isdigit()]
            return "\n".join(lines[:i] + lines[i + 1 :]), codes
    return stderr, []


def all_pods_running_and_ready(table: str) -> bool:
    """`kubectl get pods` output where every pod is Running with all containers ready."""
    rows = [r.split() for r in table.strip().splitlines()[1:]]
    return bool(rows) and all(len(r) >= 3 and r[2] == "Running" and _all_ready(r[1]) for r in rows)


def _all_ready(ready: str) -> bool:
    have, _, want = ready.partition("/")
    return have == want and have.isdigit()


def judge(cmd: Command, execution: Execution) -> None:
    """Set the outcome from error replies, the exit code, grep semantics, the runbook's stated expectations."""
    if _judge_error_reply(cmd, execution):
        return
    statuses = execution.pipestatus
    grep_found_nothing = (
        execution.exit_code == 1
        and len(statuses) > 1
        and statuses[-1] == 1
        and all(s == 0 for s in statuses[:-1])
        and pipeline_stages(cmd.text)[-1].split()[:1] in (["grep"], ["egrep"], ["fgrep"])
    )
    if grep_found_nothing:
        execution.outcome, execution.reason = Outcome.PASSED, "grep matched nothing (exit 1): nothing to report"
        return
    if execution.exit_code != 0:
        if "previous terminated container" in execution.stderr and "restarted" in cmd.trailing:
            execution.outcome = Outcome.PASSED
            execution.reason = f"not applicable: the runbook says `{cmd.trailing}`, and the pod has not restarted"
            return
        execution.outcome = Outcome.FAILED
        execution.reason = (execution.stderr.strip() or execution.stdout.strip() or "no output").splitlines()[-1][:300]
        _mark_defect(execution)
        return
    problem = expectation_problem(cmd, execution.stdout)
    execution.outcome = Outcome.FAILED if problem else Outcome.PASSED
    execution.reason = problem or ""


def _judge_error_reply(cmd: Command, execution: Execution) -> bool:
    """A redis-cli error reply fails the command whatever the exit code; auth errors are runbook findings."""
    if not re.search(r"(?<![\w-])redis-cli(?![\w-])", cmd.text):
        return False
    reply = error_reply(execution.stdout) or error_reply(execution.stderr)
    if reply is None:
        return False
    line, code = reply
    if code in AUTH_REPLIES:
        execution.outcome = Outcome.FINDING
        execution.reason = (
            f"redis-cli answered `{line}`: the runbook passes no credentials and this Redis requires them"
        )
    else:
        execution.outcome = Outcome.FAILED
        expected = f" (runbook says `{cmd.expectation}`)" if cmd.expectation else ""
        execution.reason = f"redis-cli answered an error: `{line}`{expected}"
    execution.reason = execution.reason[:300]
    return True


def error_reply(output: str) -> tuple[str, str] | None:
    """(first line, error code) when the output's first non-empty line is a Redis error reply, else None."""
    first = next((line.strip() for line in output.splitlines() if line.strip()), "")
    match = ERROR_REPLY.match(first)
    if match is None:
        return None
    return first[:200], match.group(1) or "ERR"


def pipeline_stages(text: str) -> list[str]:
    """`a | b "x\\|y"` -> ["a", 'b "x\\|y"']: split at unquoted single pipes (not `||`) only."""
    stages, current, quote, i = [], [], "", 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and quote != "'" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "|" and text[i + 1 : i + 2] != "|" and text[i - 1 : i] != "|":
            stages.append("".join(current).strip())
            current = []
            i += 1
            continue
        current.append(ch)
        i += 1
    stages.append("".join(current).strip())
    return stages


def _mark_defect(execution: Execution) -> None:
    said = f"{execution.stderr}\n{execution.stdout}"
    for pattern, outcome, meaning in DEFECT_PATTERNS:
        match = pattern.search(said)
        if match:
            execution.outcome = outcome
            execution.reason = f"{meaning}: {_around(said, match)}"[:300]
            return


def _around(said: str, match: re.Match[str]) -> str:
    """The line that matched, cut to the part that says it (OCI errors put the reason after 200 characters)."""
    start = said.rfind("\n", 0, match.start()) + 1
    end = said.find("\n", match.end())
    line = said[start : end if end != -1 else len(said)].strip()
    if len(line) <= 160:
        return line
    return "..." + said[max(start, match.start() - 60) : end if end != -1 else len(said)].strip()


# ---------------------------------------------------------------- names of the target


NAMESPACE_FLAG = re.compile(r"(?<![\w-])(-n|--namespace)(=|[ \t]+)([a-z0-9][a-z0-9-]*)(?![\w.-])")
SERVICE_HOST = re.compile(r"(?<![\w.-])([a-z0-9][a-z0-9-]*)\.([a-z0-9][a-z0-9-]*)(?=\.svc(?![\w-]))")


def namespace_mapping(source: RunbookNames, target: RunbookNames) -> dict[str, str]:
    """Runbook namespace -> target namespace: Redis's by role, each client's by the deployment it holds."""
    mapping = {source.namespace: target.namespace}
    where = {client.deployment: client.namespace for client in target.clients}
    for client in source.clients:
        if client.deployment in where:
            mapping.setdefault(client.namespace, where[client.deployment])
    return {old: new for old, new in mapping.items() if old != new}


def map_names(text: str, source: RunbookNames, target: RunbookNames) -> tuple[str, list[Adaptation]]:
    """The runbook's namespaces in `-n X`, `--namespace[=]X` and `SVC.X.svc` hosts replaced by the target's."""
    mapping = namespace_mapping(source, target)
    if not mapping:
        return text, []
    changes: dict[tuple[str, str], None] = {}  # ordered and distinct

    def flag(match: re.Match[str]) -> str:
        option, separator, namespace = match.groups()
        if namespace not in mapping:
            return match.group(0)
        changes[(match.group(0), f"{option}{separator}{mapping[namespace]}")] = None
        return f"{option}{separator}{mapping[namespace]}"

    def host(match: re.Match[str]) -> str:
        service, namespace = match.groups()
        if namespace not in mapping:
            return match.group(0)
        if namespace == source.namespace and service == source.service:
            service = target.service
        changes[(f"{match.group(0)}.svc", f"{service}.{mapping[namespace]}.svc")] = None
        return f"{service}.{mapping[namespace]}"

    mapped = SERVICE_HOST.sub(host, NAMESPACE_FLAG.sub(flag, text))
    return mapped, [Adaptation("names mapped to the target", old, new) for old, new in changes]


def namespace_of(text: str) -> str | None:
    """The first `-n`/`--namespace` value in a command, if any."""
    match = NAMESPACE_FLAG.search(text)
    return match.group(3) if match else None


@dataclass(frozen=True)
class ExecTarget:
    """What a `kubectl exec` runs in: the workload, and the command inside it."""

    namespace: str
    kind: str  # pod, deployment, statefulset
    name: str
    inner: tuple[str, ...]


EXEC_KINDS = {"pod": "pod", "pods": "pod", "po": "pod", "deployment": "deployment", "deploy": "deployment"}
EXEC_KINDS |= {"deployments": "deployment", "statefulset": "statefulset", "sts": "statefulset"}


def exec_target(text: str) -> ExecTarget | None:
    """The workload a `kubectl exec ... -- CMD` (first pipeline stage) runs in, or None for other commands."""
    try:
        words = shlex.split(pipeline_stages(text)[0])
    except ValueError:
        return None
    if words[:2] != ["kubectl", "exec"] or "--" not in words:
        return None
    own, inner = words[2 : words.index("--")], words[words.index("--") + 1 :]
    namespace, positional, skip = "default", [], False
    for i, word in enumerate(own):
        if skip:
            skip = False
        elif word in ("-n", "--namespace", "-c", "--container"):
            skip = True
            namespace = own[i + 1] if word in ("-n", "--namespace") and i + 1 < len(own) else namespace
        elif word.startswith("--namespace="):
            namespace = word.split("=", 1)[1]
        elif not word.startswith("-"):
            positional.append(word)
    if not positional:
        return None
    kind, _, name = positional[0].rpartition("/")
    if kind and kind not in EXEC_KINDS:
        return None
    return ExecTarget(namespace, EXEC_KINDS.get(kind, "pod"), name, tuple(inner))


def _hint(cluster: Cluster, target: ExecTarget, spec: V1PodSpec, reason: str) -> str:
    """Where the target really has what the finding says is missing: credentials, a config file, a tool."""
    container = spec.containers[0]
    where = f"{target.kind}/{target.name} in {target.namespace}"
    if reason.startswith("redis-cli answered"):
        env = {e.name for e in container.env or []}
        present = [n for n in ("REDIS_PASSWORD_FILE", "REDIS_PASSWORD", "REDISCLI_AUTH") if n in env]
        return f"{where} sets {', '.join(present)}" if present else ""
    if reason.startswith("the runbook assumes a tool"):
        return f"image {container.image} of {where}"
    if reason.startswith(("a path that does not exist", "a path the container's user cannot read")):
        path = next((w for w in target.inner if w.startswith("/")), "")
        return _config_location(cluster, target.namespace, spec, container.volume_mounts or [], path)
    return ""


def _config_location(cluster: Cluster, namespace: str, spec: V1PodSpec, mounts: list, path: str) -> str:
    """`PATH` is missing: where a ConfigMap holding a file of that name is mounted instead, if one is."""
    configmaps = {v.name: v.config_map.name for v in spec.volumes or [] if v.config_map is not None}
    basename = path.rstrip("/").rpartition("/")[2]
    for mount in mounts:
        configmap = configmaps.get(mount.name)
        if configmap is None:
            continue
        keys = cluster.core.read_namespaced_config_map(configmap, namespace).data or {}
        if basename in keys or mount.sub_path == basename:
            real = mount.mount_path if mount.sub_path else f"{mount.mount_path.rstrip('/')}/{basename}"
            return f"it is at {real} (ConfigMap {configmap} mounted at {mount.mount_path})"
    return ""


def expectation_problem(cmd: Command, stdout: str) -> str | None:
    """What the output lacks of the runbook's "Should return/show" or its Expected Output table, or None."""
    if cmd.expectation:
        wanted = cmd.expectation.split(":", 1)[1].strip()
        if cmd.expectation.lower().startswith("should return"):
            if stdout.strip() != wanted:
                return f"runbook says `{cmd.expectation}`; got {stdout.strip()[:100]!r}"
        else:
            tokens = [t for part in wanted.split(" and ") for t in part.split() if t.lower() not in {"and", "ready"}]
            missing = [t for t in tokens if t not in stdout]
            if missing:
                return f"runbook says `{cmd.expectation}`; output lacks {missing}"
    if cmd.expected_output:
        return table_problem(cmd.expected_output, stdout)
    return None


def table_problem(expected: str, actual: str) -> str | None:
    """Compare a `kubectl get` table with the runbook's: same columns, and each expected row's NAME/READY/STATUS."""
    want = [line.split() for line in expected.strip().splitlines()]
    got = [line.split() for line in actual.strip().splitlines()]
    if not got or got[0] != want[0]:
        return f"columns differ: runbook {want[0]}, cluster {got[0] if got else []}"
    rows = {row[0]: row for row in got[1:]}
    for row in want[1:]:
        have = rows.get(row[0])
        if have is None:
            return f"row {row[0]} missing (cluster has {sorted(rows)})"
        if have[1:3] != row[1:3]:
            return f"row {row[0]}: runbook shows READY/STATUS {row[1:3]}, cluster {have[1:3]}"
    return None
