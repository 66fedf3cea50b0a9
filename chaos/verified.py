"""Whether Redis is verified in a chaos run: every verification check of the runbook the experiments judge, the
client-log window they judge it over, and the clients' own count of time without Redis."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from kubernetes.client.exceptions import ApiException

from chaos.context import Context
from checks.verification.checks import (
    client_logs_clean,
    client_reaches_service,
    client_reports_reachable,
    clients_connected,
    data_volume_has_room,
    memory_within_limits,
    persistence_enabled,
    persistence_files_present,
    pod_running_and_ready,
    responds_to_ping,
    statefulset_replicas_ready,
)
from checks.verification.logs import redis_ready_since
from checks.verification.results import CheckError, CheckResult
from fixtures.core import budgets
from fixtures.core.names import Client
from fixtures.core.waits import Seen, wait_for
from fixtures.sut.client_apps import client_metrics


def clients_clean_since(ctx: Context, not_before: float | None) -> datetime:
    """The start of the client-log window: Redis Ready plus the reconnect grace, and not before `not_before`
    plus that grace. Errors the clients logged during the fault, before it was fixed, are the incident."""
    ready = redis_ready_since(ctx.cluster, ctx.names)
    if not_before is None:
        return ready
    return max(ready, datetime.fromtimestamp(not_before + budgets.CLIENT_RECONNECT_GRACE_S, UTC))


def steady_state_failures(ctx: Context, not_before: float | None = None) -> list[CheckResult]:
    """Every verification check of the runbook; returns the ones that fail."""
    names, cluster = ctx.names, ctx.cluster

    def logs_clean(client: Client) -> CheckResult:
        start = clients_clean_since(ctx, not_before)
        if start > datetime.now(UTC):  # an empty window proves nothing: wait until it has begun
            check = f"{client.deployment} logs free of redis errors"
            return CheckResult(check, False, f"window opens at {start:%H:%M:%S}Z (reconnect grace)", 0)
        return client_logs_clean(cluster, names, client, start.strftime("%Y-%m-%dT%H:%M:%SZ"))

    checks: list[Callable[[], CheckResult]] = [
        lambda: pod_running_and_ready(cluster, names),
        lambda: statefulset_replicas_ready(cluster, names),
        lambda: responds_to_ping(cluster, names),
        lambda: memory_within_limits(cluster, names),
        lambda: clients_connected(cluster, names),
        lambda: persistence_enabled(cluster, names),
        lambda: persistence_files_present(cluster, names),
        lambda: data_volume_has_room(cluster, names),
        *[lambda c=c: client_reaches_service(cluster, names, c) for c in names.clients],
        *[lambda c=c: client_reports_reachable(cluster, c) for c in names.clients],
        *[lambda c=c: logs_clean(c) for c in names.clients],
    ]
    # Side by side: each check is an API read or an exec into a pod, and waits on the cluster, not on this CPU.
    with ThreadPoolExecutor(max_workers=min(8, len(checks)), thread_name_prefix="steady-state") as pool:
        results = list(pool.map(_outcome, checks))
    return [result for result in results if not result.ok]


def _outcome(check: Callable[[], CheckResult]) -> CheckResult:
    try:
        return check()
    except (CheckError, ApiException) as exc:
        return CheckResult("check could not run", False, str(exc)[:120], 0)


def wait_until_verified(
    ctx: Context, not_before: float | None = None, timeout: float = budgets.CHAOS_RECOVER_S
) -> float:
    """Wait until every verification check passes (client logs clean since `not_before`); seconds waited."""

    def probe() -> Seen:
        failing = steady_state_failures(ctx, not_before)
        return Seen(not failing, "; ".join(f"{r.check}: {r.value}" for r in failing)[:400])

    return wait_for(probe, timeout=timeout, interval=3, what="all runbook verification checks pass")


def client_outage_seconds(ctx: Context) -> dict[str, float]:
    """Each client's own count of seconds without Redis (a counter: compare before and after)."""
    return {
        c.deployment: client_metrics(ctx.cluster, c).get(
            f'redis_unavailable_seconds_total{{app="{c.deployment}"}}', 0.0
        )
        for c in ctx.names.clients
    }
