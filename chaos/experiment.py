"""What every chaos experiment shares: context, safety guard, undo records, the detect/recover/verify phases.

A failure mode (one module each in chaos/) supplies four things: `inject`, the runbook `symptom` its
diagnosis must show, the runbook `recover` commands, and `undo`. This module runs them in order,
timing each phase, and keeps the undo record that lets a later run repair a run that was killed.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from kubernetes.client.exceptions import ApiException

from checks import sentinel
from checks import verification as v
from checks.runbook.executor import Execution, Executor, Outcome
from checks.runbook.model import Command, Runbook
from checks.runbook.parser import parse_file
from fixtures.kube import Cluster
from fixtures.names import RUNBOOK, RunbookNames
from fixtures.redis_client import through_service
from fixtures.runbook_source import RUNBOOK_PATH
from fixtures.waits import Seen, WaitTimeout, wait_for

log = logging.getLogger("chaos")

UNDO_CONFIGMAP = "redis-runbook-undo"
ESCALATION_S = 15 * 60  # the runbook's Escalation: "If Redis cannot be restored within 15 minutes"
DETECT_TIMEOUT = 180
RECOVER_TIMEOUT = 300
SENTINEL_COUNT = 100


class ChaosError(Exception):
    """Base of the chaos suite's errors."""


class ChaosRefused(ChaosError):
    """Chaos may not run against this cluster."""


class InjectionFailed(ChaosError):
    """The fault could not be injected."""


class SymptomNotShown(ChaosError):
    """The runbook's diagnosis did not show the documented symptom: a runbook defect."""


class RecoveryFailed(ChaosError):
    """The runbook's recovery commands did not bring Redis back within the budget."""


@dataclass
class Context:
    """Everything a failure mode needs: the cluster, the runbook's names and commands, an executor."""

    cluster: Cluster
    names: RunbookNames
    runbook: Runbook
    executor: Executor
    notes: list[str] = field(default_factory=list)  # where the time went, levers used, adaptations

    def command(self, fragment: str, after: str | None = None) -> Command:
        """The runbook command containing `fragment` (optionally below heading `after`), as written today."""
        for cmd in self.runbook.commands:
            if after and not any(after.lower() in t.lower() for t in cmd.section_path):
                continue
            if fragment in cmd.text:
                return cmd
        where = f" under {after!r}" if after else ""
        raise SymptomNotShown(f"the runbook no longer has a command containing {fragment!r}{where}")

    def run(self, cmd: Command, **kwargs: Any) -> Execution:
        execution = self.executor.run(cmd, **kwargs)
        for change in execution.adaptations:
            self.notes.append(f"line {cmd.line}: {change.what}")
        return execution

    def run_fix(self, cmd: Command, **kwargs: Any) -> Execution:
        """Run a fix command; a failure here is a failed recovery, not something to skip."""
        execution = self.run(cmd, **kwargs)
        if execution.outcome != Outcome.PASSED:
            raise RecoveryFailed(f"runbook line {cmd.line} `{cmd.text}`: {execution.outcome}: {execution.reason}")
        return execution


class Mode(Protocol):
    """A failure mode the runbook documents."""

    name: str
    title: str
    runbook_section: str
    data_loss_expected: bool

    def inject(self, ctx: Context) -> dict[str, Any]: ...  # returns what undo needs; runs after the record
    def symptom(self, ctx: Context) -> Seen: ...  # runbook diagnosis shows the documented symptom
    def recover(self, ctx: Context) -> list[Execution]: ...  # the runbook's fix commands, via the executor
    def undo(self, ctx: Context, record: dict[str, Any]) -> None: ...  # idempotent


# ---------------------------------------------------------------- context, guard, records


def connect() -> Cluster:
    """The cluster chosen by KUBECONFIG and RUNBOOK_CONTEXT (the chaos CLI path and pytest alike)."""
    from fixtures.kube import default_kubeconfig

    return Cluster.connect(
        Path(os.environ.get("KUBECONFIG") or default_kubeconfig()), os.environ.get("RUNBOOK_CONTEXT") or None
    )


def make_context(cluster: Cluster, names: RunbookNames = RUNBOOK) -> Context:
    runbook = parse_file(Path(os.environ.get("RUNBOOK_PATH") or RUNBOOK_PATH))
    return Context(cluster, names, runbook, Executor(cluster, names, log=log.info))


def guard(cluster: Cluster) -> None:
    """Refuse unless the suite created this cluster or its context is named in RUNBOOK_ALLOW_CHAOS_ON."""
    allowed = {c for c in os.environ.get("RUNBOOK_ALLOW_CHAOS_ON", "").split(",") if c}
    if cluster.context in allowed or cluster.created_by_suite():
        return
    raise ChaosRefused(
        f"refusing to inject faults into context {cluster.context!r}: it was not created by "
        f"`python -m fixtures.cluster up`; pass --allow-chaos-on {cluster.context} if it is yours to break"
    )


def _records(cluster: Cluster) -> dict[str, str]:
    try:
        return cluster.core.read_namespaced_config_map(UNDO_CONFIGMAP, "kube-system").data or {}
    except ApiException as exc:
        if exc.status == 404:
            return {}
        raise


def write_undo_record(cluster: Cluster, mode: str, record: dict[str, Any]) -> None:
    body = {"metadata": {"name": UNDO_CONFIGMAP}, "data": {mode: json.dumps(record)}}
    try:
        cluster.core.patch_namespaced_config_map(UNDO_CONFIGMAP, "kube-system", body)
    except ApiException as exc:
        if exc.status != 404:
            raise
        cluster.core.create_namespaced_config_map("kube-system", body)


def clear_undo_record(cluster: Cluster, mode: str) -> None:
    if mode in _records(cluster):
        cluster.core.patch_namespaced_config_map(UNDO_CONFIGMAP, "kube-system", {"data": {mode: None}})


def pending_undo(cluster: Cluster) -> dict[str, dict[str, Any]]:
    """Faults whose undo never ran (a killed run): mode -> record."""
    return {mode: json.loads(text) for mode, text in _records(cluster).items()}


# ---------------------------------------------------------------- phases


def steady_state(ctx: Context) -> list[v.CheckResult]:
    """Every verification check of the runbook, plus the sentinel keys; returns the ones that fail."""
    names = ctx.names
    since = "redis-ready"
    checks: list[Callable[[], v.CheckResult]] = [
        lambda: v.pod_running_and_ready(ctx.cluster, names),
        lambda: v.statefulset_replicas_ready(ctx.cluster, names),
        lambda: v.responds_to_ping(ctx.cluster, names),
        lambda: v.memory_within_limits(ctx.cluster, names),
        lambda: v.clients_connected(ctx.cluster, names),
        lambda: v.persistence_enabled(ctx.cluster, names),
        lambda: v.persistence_files_present(ctx.cluster, names),
        lambda: v.data_volume_has_room(ctx.cluster, names),
        *[lambda c=c: v.client_reaches_service(ctx.cluster, names, c) for c in names.clients],
        *[lambda c=c: v.client_reports_reachable(ctx.cluster, c) for c in names.clients],
        *[lambda c=c: v.client_logs_clean(ctx.cluster, names, c, since) for c in names.clients],
    ]
    failing = []
    for check in checks:
        try:
            result = check()
        except (v.CheckError, ApiException) as exc:
            result = v.CheckResult("check could not run", False, str(exc)[:120], 0)
        if not result.ok:
            failing.append(result)
    return failing


def wait_until_verified(ctx: Context, timeout: float = RECOVER_TIMEOUT) -> float:
    """Wait until every verification check passes; seconds waited."""

    def probe() -> Seen:
        failing = steady_state(ctx)
        return Seen(not failing, "; ".join(f"{r.check}: {r.value}" for r in failing)[:400])

    return wait_for(probe, timeout=timeout, interval=3, what="all runbook verification checks pass")


def write_sentinels(ctx: Context, set_id: str) -> None:
    with through_service(ctx.cluster, ctx.names) as client:
        sentinel.seed(client, set_id, SENTINEL_COUNT)


def read_sentinels(ctx: Context, set_id: str) -> sentinel.SentinelReport:
    with through_service(ctx.cluster, ctx.names) as client:
        return sentinel.check_set(client, set_id)


def drop_sentinels(ctx: Context, set_id: str) -> None:
    with through_service(ctx.cluster, ctx.names) as client:
        sentinel.delete_set(client, set_id)


def client_outage_seconds(ctx: Context) -> dict[str, float]:
    """Each client's own count of seconds without Redis (a counter: compare before and after)."""
    from fixtures.system import client_metrics

    return {
        c.deployment: client_metrics(ctx.cluster, c).get(
            f'redis_unavailable_seconds_total{{app="{c.deployment}"}}', 0.0
        )
        for c in ctx.names.clients
    }


def detect(ctx: Context, mode: Mode, timeout: float = DETECT_TIMEOUT) -> float:
    """Wait until the runbook's diagnosis shows the documented symptom; seconds from now."""
    try:
        return wait_for(
            lambda: mode.symptom(ctx),
            timeout=timeout,
            interval=2,
            what=f"{mode.name}: the runbook's diagnosis shows the documented symptom",
        )
    except WaitTimeout as exc:
        raise SymptomNotShown(f"runbook defect: {exc}") from None
