"""Whether Redis is verified in a chaos run: every check of the verification registry (the one `pytest -m verify`
runs), the client-log window they are judged over, and the clients' own count of time without Redis."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from kubernetes.client.exceptions import ApiException

from chaos.context import Context
from checks.verification.logs import redis_ready_since
from checks.verification.registry import Inputs, judged_in_chaos, not_judged_in_chaos
from checks.verification.results import CheckError, CheckResult
from fixtures.core import budgets
from fixtures.core.waits import Seen, wait_for
from fixtures.sut.client_apps import client_metrics


def clients_clean_since(ctx: Context, not_before: float | None) -> datetime:
    """The start of the client-log window: Redis Ready plus the reconnect grace, and not before `not_before`
    plus that grace. Errors the clients logged during the fault, before it was fixed, are the incident."""
    ready = redis_ready_since(ctx.cluster, ctx.names)
    if not_before is None:
        return ready
    return max(ready, datetime.fromtimestamp(not_before + budgets.CLIENT_RECONNECT_GRACE_S, UTC))


def _clients_since(ctx: Context, not_before: float | None) -> str:
    """The client-log window as `pytest -m verify --clients-clean-since` takes it. Without a Ready Redis there is no
    start: `redis-ready` makes each client's log check fail saying so."""
    try:
        return clients_clean_since(ctx, not_before).strftime("%Y-%m-%dT%H:%M:%SZ")
    except CheckError:
        return "redis-ready"


def verification(ctx: Context, not_before: float | None = None) -> list[CheckResult]:
    """Every check of the verification registry (the list `pytest -m verify` runs), judged now with client logs
    clean since `not_before` (plus the reconnect grace), and a SKIP row naming the phase that judges each of the
    others. The version must be the one Redis ran before the fault (not judged before it is read)."""
    names = ctx.names
    inputs = Inputs(
        ctx.cluster,
        names,
        ctx.runbook,
        expected_version=ctx.redis_version or None,
        clients_since=_clients_since(ctx, not_before),
        prometheus=None,
    )
    cases = [
        (check, client) for check in judged_in_chaos() for client in (names.clients if check.per_client else [None])
    ]
    # Side by side: each check is an API read or an exec into a pod, and waits on the cluster, not on this CPU.
    with ThreadPoolExecutor(max_workers=min(8, len(cases)), thread_name_prefix="verification") as pool:
        results = list(pool.map(lambda case: _outcome(case[0].id, lambda: case[0].run(inputs, case[1])), cases))
    return results + not_judged_in_chaos()


def steady_state_failures(ctx: Context, not_before: float | None = None) -> list[CheckResult]:
    """The checks of `verification` that fail now."""
    return [result for result in verification(ctx, not_before) if not result.ok]


def _outcome(check_id: str, check: Callable[[], CheckResult]) -> CheckResult:
    try:
        return check()
    except (CheckError, ApiException) as exc:
        return CheckResult(f"{check_id} could not run", False, str(exc)[:120], 0)


def wait_until_verified(
    ctx: Context,
    not_before: float | None = None,
    timeout: float = budgets.CHAOS_RECOVER_S,
    seen: list[dict[str, Any]] | None = None,
) -> float:
    """Wait until every verification check passes (client logs clean since `not_before`); seconds waited. `seen`
    gets every check's row of the last round (the passing one, or the last failing one at the timeout)."""

    def probe() -> Seen:
        results = verification(ctx, not_before)
        if seen is not None:
            seen[:] = [result.as_row() for result in results]
        failing = [result for result in results if not result.ok]
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
