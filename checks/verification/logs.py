"""The client-log window client_logs_clean reads: when Redis (and the client's newest pod) last became Ready, the
window from then plus the reconnect grace as a `kubectl logs` flag, and the wait until that window has lasted long
enough to be judged.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from checks.verification.pods import RedisPod, running_client_pods
from checks.verification.results import CheckError
from fixtures.core import budgets
from fixtures.core.kube import Cluster
from fixtures.core.names import Client, RunbookNames
from fixtures.core.waits import Seen, wait_for


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
    return f"--since-time={since}", f"since {since}", _judgeable_from(since)


def _judgeable_from(since: str) -> datetime | None:
    """A window given by its start must have lasted the minimum window too: a few seconds of silence prove nothing.
    None when `since` is no time this can read (kubectl judges it)."""
    try:
        start = datetime.fromisoformat(since.replace("Z", "+00:00"))
    except ValueError:
        return None
    start = start if start.tzinfo else start.replace(tzinfo=UTC)
    return start + timedelta(seconds=budgets.CLIENT_LOG_MIN_WINDOW_S)


RECENT = "recent"


def recent_window(cluster: Cluster, names: RunbookNames, client: Client) -> tuple[datetime, str, datetime]:
    """verify's default window: the last CLIENT_RECENT_WINDOW_S, but not before Redis (or the client's newest pod)
    became Ready plus the reconnect grace; (start, description, when it has lasted long enough to judge)."""
    start = datetime.now(UTC) - timedelta(seconds=budgets.CLIENT_RECENT_WINDOW_S)
    described = f"in the last {budgets.CLIENT_RECENT_WINDOW_S}s (since {start:%H:%M:%S}Z)"
    ready, whose = redis_ready_at(cluster, names), "Redis Ready"
    newest = max((t for t in map(_ready_since, running_client_pods(cluster, client)) if t is not None), default=None)
    if newest is not None and newest > ready:
        ready, whose = newest, f"{client.deployment} Ready"
    floor = ready + timedelta(seconds=budgets.CLIENT_RECONNECT_GRACE_S)
    if floor > start:
        start, described = floor, f"since {whose}+{budgets.CLIENT_RECONNECT_GRACE_S}s ({floor:%H:%M:%S}Z)"
    return start, described, start + timedelta(seconds=budgets.CLIENT_LOG_MIN_WINDOW_S)


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
    if (judgeable - datetime.now(UTC)).total_seconds() > budget:
        raise CheckError(
            f"the log window can be judged only from {judgeable:%H:%M:%S}Z, once it has lasted "
            f"{budgets.CLIENT_LOG_MIN_WINDOW_S}s: more than {budget}s from now"
        )
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
