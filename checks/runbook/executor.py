"""Run a documented command as written, with bash, against the suite's cluster; record what ran and what it said.

Adaptations are minimal and recorded next to the original text: placeholders filled from live state,
interactive forms replaced by their non-interactive equivalent, endless commands bounded.

This module holds the `Executor` (adapting, running in bash, watching, port-forwards) and its process runner's
helpers; the text's name mapping is in `adapt`, judging the output in `outcome`, explaining findings in `explain`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shlex
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from kubernetes.client import V1PodSpec
from kubernetes.client.exceptions import ApiException

from checks.runbook.adapt import Adaptation, map_names, namespace_of, watched_command
from checks.runbook.explain import ExecTarget, exec_target, hint
from checks.runbook.model import Command
from checks.runbook.model import CommandClass as K
from checks.runbook.outcome import Execution, Outcome, all_pods_running_and_ready, judge, mark_defect
from fixtures.cluster import config as cluster_config
from fixtures.core import budgets
from fixtures.core.kube import Cluster, run_process
from fixtures.core.names import RUNBOOK, RunbookNames
from fixtures.core.waits import Seen, WaitTimeout, wait_for

log = logging.getLogger(__name__)

PIPESTATUS_MARK = "__RUNBOOK_PIPESTATUS__"
NOT_YET = "metrics not available yet"


class Executor:
    """Runs runbook commands with KUBECONFIG pinned to the suite's context and the cluster's CLIs first on PATH."""

    def __init__(
        self,
        cluster: Cluster,
        names: RunbookNames = RUNBOOK,
        runbook_names: RunbookNames = RUNBOOK,
    ):
        """`names` are the target's; `runbook_names` those the runbook's text spells out (mapped to `names`)."""
        self.cluster = cluster
        self.names = names
        self.runbook_names = runbook_names
        self._kubeconfig = self._pinned_kubeconfig()
        self._background: list[subprocess.Popen[str]] = []

    @property
    def system_names(self) -> set[str]:
        """The names of the system's own objects, as the target and as the runbook spells them."""
        return {
            name
            for names in (self.names, self.runbook_names)
            for name in (
                names.namespace,
                names.statefulset,
                names.pod,
                names.service,
                names.pvc,
                names.configmap,
                names.helmrelease,
                names.network_policy,
                names.storageclass,
                names.label.partition("=")[2],
            )
        }

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
            if (fill or {}).get(name):
                value, source = (fill or {})[name], "by the caller, from what it knows (not read from the cluster)"
            else:
                value, source = self.live_value(name, namespace_of(text))
            changes.append(Adaptation(f"placeholder <{name}> filled {source}", f"<{name}>", value))
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

    def live_value(self, placeholder: str, namespace: str | None = None) -> tuple[str, str]:
        """Fill a runbook placeholder from the cluster's current state (in the command's namespace if it has one):
        the value, and where it was read."""
        if placeholder == "node-name":
            node = self.cluster.core.read_namespaced_pod(self.names.pod, self.names.namespace).spec.node_name
            return node, f"from live state: the node of pod {self.names.pod}"
        if placeholder == "policy-name":
            namespace = namespace or self.names.namespace
            policies = self.cluster.networking.list_namespaced_network_policy(namespace).items
            if not policies:
                raise NotRunnable(f"<policy-name>: no NetworkPolicy in namespace {namespace}")
            names = [p.metadata.name for p in policies]
            return names[0], f"from live state: the first of {len(names)} NetworkPolicies in ns {namespace}"
        raise NotRunnable(f"no live value known for placeholder <{placeholder}>")

    # ------------------------------------------------------------ running

    def run(
        self,
        cmd: Command,
        *,
        timeout: float = budgets.RUNBOOK_COMMAND_S,
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
            return self._watch(cmd, text, changes, until, timeout=max(timeout, budgets.RUNBOOK_WATCH_S))
        if K.LONG_RUNNING in cmd.classes and " port-forward " in f" {text} ":
            return self._start_port_forward(cmd, text, changes)
        execution = self._bash(cmd.line, cmd.text, text, changes, timeout)
        if K.NEEDS_ADDON in cmd.classes and NOT_YET in execution.stderr:
            execution = self._retry_until_served(cmd, text, changes, timeout)
        judge(cmd, execution, self.system_names)
        if execution.outcome == Outcome.FINDING:
            self._explain(text, execution)
        log.info(f"RUNBOOK line {cmd.line}: {execution.outcome} ({execution.seconds:.1f}s) {text}")
        return execution

    def _explain(self, text: str, execution: Execution) -> None:
        """Add what the target really has to a finding about an exec'd container (reads only; best effort)."""
        target = exec_target(text)
        if target is None:
            return
        try:
            spec = self._pod_spec(target)
            where = hint(self.cluster, target, spec, execution.reason)
        except ApiException:
            return
        if where:
            execution.reason = f"{execution.reason}; {where}"

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
            wait_for(
                probe,
                timeout=budgets.RUNBOOK_METRICS_WAIT_S,
                interval=3,
                what=f"runbook line {cmd.line}: metrics for the pod",
            )
        return last[0]

    def _watch(self, cmd: Command, text: str, changes: list[Adaptation], until, timeout: float) -> Execution:
        inner = watched_command(text)
        until = until or all_pods_running_and_ready
        changes = [*changes, Adaptation("`watch` replaced by re-running until the expected state shows", text, inner)]
        last: list[Execution] = []

        def probe() -> Seen:
            last[:] = [self._bash(cmd.line, cmd.text, inner, changes, budgets.RUNBOOK_COMMAND_S)]
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
                listening, timeout=budgets.PORT_FORWARD_S, what=f"runbook line {cmd.line}: port-forward on :{local}"
            )
        except WaitTimeout as exc:
            execution.outcome, execution.reason = Outcome.FAILED, str(exc)
            return execution
        if proc.poll() is not None:
            execution.exit_code, execution.stderr = proc.returncode, proc.stderr.read() if proc.stderr else ""
            execution.outcome = Outcome.FAILED
            mark_defect(execution)
            return execution
        execution.outcome, execution.reason = Outcome.PASSED, f"listening on 127.0.0.1:{local}"
        return execution

    def stop_background(self) -> None:
        for proc in self._background:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=budgets.PORT_FORWARD_STOP_S)
        self._background.clear()


class NotRunnable(Exception):
    """The command cannot be run by the suite as asked (a placeholder with no value, an edit with no patch)."""


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
