"""Pure parsers of what the checks read: INFO, CLIENT LIST (and its connections grouped by client pod), Kubernetes
memory quantities, client log lines reporting a Redis failure, and redis-cli --latency's window (redis-cli's own errors
are read in fixtures/core/redis_cli.py). Nothing here touches a cluster.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from checks.verification.results import CheckError


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


def latency_window(raw: str) -> tuple[int, int, float, int]:
    """min, max (whole ms), avg (ms) and sample count of `redis-cli --latency --raw` output."""
    fields = raw.strip().split()
    try:
        low, high, avg, samples = int(fields[0]), int(fields[1]), float(fields[2]), int(fields[3])
    except (IndexError, ValueError):
        raise CheckError(f"redis-cli --latency printed no min/max/avg/samples line: {raw.strip()[:80]!r}") from None
    if len(fields) != 4 or samples < 1:
        raise CheckError(f"redis-cli --latency printed no samples: {raw.strip()[:80]!r}")
    return low, high, avg, samples


# `kubectl logs --prefix --timestamps`: "[pod/NAME/CONTAINER] 2026-12-03T10:31:02.123456789Z text".
LOG_TIMESTAMP = re.compile(r"^(?:\[[^\]]*\] )?(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?Z ")


def split_at(text: str, start: datetime) -> tuple[list[str], list[str]]:
    """Timestamped log lines split into (from `start` on, before it); a line without a readable time counts as
    recent (it cannot be shown to be history)."""
    recent, before = [], []
    for line in text.splitlines():
        found = LOG_TIMESTAMP.match(line)
        at = datetime.fromisoformat(found.group(1)).replace(tzinfo=UTC) if found else None
        (before if at is not None and at < start else recent).append(line)
    return recent, before


def logged_at(line: str) -> str:
    """The time a timestamped log line was written, as HH:MM:SSZ ("?" when it has none)."""
    found = LOG_TIMESTAMP.match(line)
    return f"{found.group(1)[11:]}Z" if found else "?"
