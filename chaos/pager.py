"""The alert path of one experiment: the pager quiet before the fault; after verification, which of the runbook's
alerts reached the webhook, how long after the fault RedisDown did, and how long after verification it resolved.

Read from the suite's monitoring stack (fixtures/monitoring, ns monitoring) through the API server, never by the
runbook's commands: this is the suite's measurement, not something the runbook does.

When RedisDown is required: when every client of this Redis reported it down without a break for at least
`REDIS_DOWN_MUST_PAGE_S`. That is the applications' own view (the redis_up gauge in their /metrics, as Prometheus
scraped it every 5 s), the runbook's own symptom ("all applications depending on Redis are failing"). A shorter
outage can rightly end before the rule's `for: 30s`: it is recorded, not judged.

The setting (chaos.target.Target.alert_path): `required` (the suite installed the monitoring stack here, so an
unreadable alert path is a failure), `if-present` (measured when the webhook answers, else "not measured" with the
reason: a team's own cluster has its own pager), `off`.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Any

from chaos.errors import AlertPathFailed, AlertPathUnmeasured
from fixtures.core import budgets
from fixtures.core.kube import Cluster
from fixtures.core.names import RunbookNames
from fixtures.core.waits import Seen, WaitTimeout, wait_for
from fixtures.monitoring.alert_timing import REDIS_DOWN, AlertPath, alert_path
from fixtures.monitoring.alerting import (
    FIRING,
    RESOLVED,
    AlertEvent,
    AlertPathUnreadable,
    alert_events,
    notifications,
    pending_or_firing,
    query_range,
    wait_for_alert,
)
from fixtures.monitoring.stack import NAMESPACE

__all__ = ["Outage", "longest_outage", "measurable", "measure", "quiet_before_fault"]

SCRAPE_S = 5.0  # the clients' scrape interval (fixtures/monitoring/stack.py): the range query's step


@dataclass(frozen=True)
class Outage:
    """The longest stretch during which every client reported Redis down."""

    start: float | None  # Unix seconds of its first sample
    seconds: float  # first to last sample of the stretch: a lower bound


def longest_outage(points: list[tuple[float, float]], step: float) -> Outage:
    """The longest run of consecutive 0 samples no more than one `step` apart; a gap breaks it (pure)."""
    best, start, previous = Outage(None, 0.0), None, None
    for at, value in points:
        if value != 0:
            start = previous = None
            continue
        if start is None or previous is None or at - previous > step * 1.5:
            start = at
        previous = at
        if start is not None and (best.start is None or at - start > best.seconds):
            best = Outage(start, at - start)
    return best


def measurable(cluster: Cluster, setting: str) -> str | None:
    """None when the alert path can be measured; else why not (for `if-present`). `required` raises instead."""
    if setting == "off":
        return "not measured: the alert path is off for this target (alert_path=off)"
    try:
        notifications(cluster)
    except AlertPathUnreadable as exc:
        if setting == "required":
            unread = f"the suite installed the monitoring stack, but its webhook is unreadable: {exc}"
            raise AlertPathUnmeasured(unread) from None
        return f"not measured: no alert webhook (svc/alert-receiver in ns {NAMESPACE}) answered: {exc}"
    return None


def quiet_before_fault(cluster: Cluster, names: RunbookNames) -> float:
    """Wait until RedisDown for this Redis is neither pending nor firing and its last notification (if any) is a
    resolution, so that what reaches the webhook after the fault is this fault's; the seconds waited."""

    def quiet() -> Seen:
        states = pending_or_firing(cluster, REDIS_DOWN, names.namespace)
        if states:
            return Seen(False, f"{REDIS_DOWN} {states[0]} in Prometheus")
        last = latest(alert_events(notifications(cluster)), REDIS_DOWN, names.namespace)
        if last is not None and last.status == FIRING:
            return Seen(False, f"the webhook's last {REDIS_DOWN} notification is firing: its resolution is not in")
        return Seen(True, f"{REDIS_DOWN} inactive and resolved at the webhook")

    what = f"{REDIS_DOWN} for ns {names.namespace} inactive in Prometheus and resolved at the webhook"
    try:
        return wait_for(quiet, timeout=budgets.ALERT_QUIET_S, interval=2, what=what)
    except WaitTimeout as exc:
        raise AlertPathFailed(f"the pager was not quiet before the fault: {exc}") from None


def latest(events: list[AlertEvent], alertname: str, namespace: str) -> AlertEvent | None:
    return next((e for e in reversed(events) if e.alertname == alertname and e.namespace == namespace), None)


def clients_down(cluster: Cluster, names: RunbookNames, start: float, end: float) -> Outage:
    """The longest stretch in [start, end] during which every client of this Redis reported it down.
    AlertPathUnreadable when the samples cannot tell: an outage could hide where they are missing."""
    promql = f'max(redis_up{{job="redis-clients", redis_namespace="{names.namespace}"}})'
    series = query_range(cluster, promql, start, end, SCRAPE_S)
    points = series[0] if series else []
    unmeasured = uncovered(points, start, end)
    if unmeasured:
        raise AlertPathUnreadable(f"the clients' outage is not measured: {promql}: {unmeasured}")
    return longest_outage(points, SCRAPE_S)


def uncovered(points: list[tuple[float, float]], start: float, end: float) -> str | None:
    """Why the samples in [start, end] cannot bound the clients' outage (pure); None when they can: a series, and no
    stretch without a sample (at either end included) as long as the outage that must page."""
    if not points:
        return "no series in Prometheus for the window"
    times = [start, *(at for at, _ in points), end]
    gaps = [(a, b) for a, b in itertools.pairwise(times) if b - a >= budgets.REDIS_DOWN_MUST_PAGE_S]
    if not gaps:
        return None
    a, b = max(gaps, key=lambda gap: gap[1] - gap[0])
    return (
        f"{len(points)} samples, none for {b - a:.0f} s (from {a - start:.0f} s into the window): an outage of "
        f"{budgets.REDIS_DOWN_MUST_PAGE_S} s could hide there"
    )


def measure(
    cluster: Cluster, names: RunbookNames, fault_at: float, injected_at: float, verified_at: float | None
) -> tuple[dict[str, Any], str | None]:
    """The alert path since the fault, waiting (bounded) for a RedisDown that is due and for its resolution once
    verified: (the journal's fields, the failure to raise or None)."""

    def received() -> AlertPath:
        return alert_path(alert_events(notifications(cluster)), names, fault_at, verified_at, until=time.time())

    outage = clients_down(cluster, names, injected_at - SCRAPE_S, time.time())
    required = outage.seconds >= budgets.REDIS_DOWN_MUST_PAGE_S
    failure = None
    fired_at = received().redis_down_fired_at
    if required and fired_at is None and outage.start is not None:
        due = outage.start + budgets.REDIS_DOWN_MUST_PAGE_S + budgets.ALERT_DELIVERY_S
        fired = _wait(cluster, names, FIRING, fault_at, due)
        fired_at = fired.received_at if fired else None
        if fired_at is None:
            failure = (
                f"{REDIS_DOWN} (fixtures/monitoring/alerts.yaml) never reached the webhook: every client reported "
                f"Redis down for {outage.seconds:.0f} s without a break (>= {budgets.REDIS_DOWN_MUST_PAGE_S} s), "
                f"and nothing arrived by {budgets.ALERT_DELIVERY_S} s after it was due"
            )
    if fired_at is not None and verified_at is not None:
        resolved = _wait(cluster, names, RESOLVED, fired_at, verified_at + budgets.ALERT_RESOLVE_S)
        if resolved is None and failure is None:
            failure = (
                f"{REDIS_DOWN} (fixtures/monitoring/alerts.yaml) still unresolved at the webhook "
                f"{budgets.ALERT_RESOLVE_S} s after every verification check passed"
            )
    return fields(received(), outage, required, verified_at), failure


def _wait(cluster: Cluster, names: RunbookNames, status: str, since: float, until: float) -> AlertEvent | None:
    try:
        return wait_for_alert(
            cluster, REDIS_DOWN, status, since=since, timeout=max(until - time.time(), 1.0), namespace=names.namespace
        )
    except WaitTimeout:
        return None


def fields(path: AlertPath, outage: Outage, required: bool, verified_at: float | None) -> dict[str, Any]:
    """The journal's alert fields (pure): times, what fired, and why RedisDown was or was not required."""
    longest = round(outage.seconds, 1)
    if required:
        judged = (
            f"required: every client reported Redis down for {longest} s without a break "
            f"(>= {budgets.REDIS_DOWN_MUST_PAGE_S} s)"
        )
    else:
        judged = (
            f"not required: every client reported Redis down for at most {longest} s without a break "
            f"(< {budgets.REDIS_DOWN_MUST_PAGE_S} s: the rule's for: 30s plus evaluation and scrape)"
        )
    resolved = path.redis_down_resolved_after_s
    return {
        "alert_path": "measured",
        "alerts_fired": path.fired,
        "time_to_alert_s": path.redis_down_after_s,
        "alert_resolved_after_s": resolved,
        "alert_resolution": (
            "not measured: recovery was not verified"
            if verified_at is None
            else ("no RedisDown to resolve" if path.redis_down_after_s is None else None)
        ),
        "redis_down_fired_at": path.redis_down_fired_at,
        "redis_down_resolved_at": path.redis_down_resolved_at,
        "clients_down_longest_s": longest,
        "clients_down_from": outage.start,
        "redis_down_required": required,
        "redis_down_judgement": judged,
    }
