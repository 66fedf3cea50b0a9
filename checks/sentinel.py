"""Sentinel keys: a known data set written before a fault and read back after recovery.

A set is N keys under `runbook:sentinel:<set>:` plus a manifest holding their count and digest.
Writing happens only in the suite's own cluster (installer, chaos experiments); verify only reads.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass

import redis

PREFIX = "runbook:sentinel"
DEFAULT_COUNT = 200


@dataclass
class SentinelReport:
    """What reading back sentinel sets found."""

    sets: int
    keys: int
    lost: int
    changed: int
    detail: str = ""

    @property
    def intact(self) -> bool:
        return self.sets > 0 and self.lost == 0 and self.changed == 0


def key_of(set_id: str, index: int) -> str:
    return f"{PREFIX}:{set_id}:{index:05d}"


def _manifest_key(set_id: str) -> str:
    return f"{PREFIX}:{set_id}:manifest"


def digest(values: list[str]) -> str:
    return hashlib.sha256("\n".join(values).encode()).hexdigest()


def seed(client: redis.Redis, set_id: str, count: int = DEFAULT_COUNT) -> list[str]:
    """Write a sentinel set (no TTL) and its manifest; return the key names."""
    values = [f"{set_id}:{i}:{secrets.token_hex(8)}" for i in range(count)]
    keys = [key_of(set_id, i) for i in range(count)]
    manifest = {"set": set_id, "count": count, "digest": digest(values), "written_at": time.time()}
    pipe = client.pipeline(transaction=True)
    pipe.mset(dict(zip(keys, values, strict=True)))
    pipe.set(_manifest_key(set_id), json.dumps(manifest))
    pipe.execute()
    return keys


def set_ids(client: redis.Redis) -> list[str]:
    """Every sentinel set present, found by SCAN (read-only)."""
    found = {k.decode().split(":")[2] for k in client.scan_iter(match=f"{PREFIX}:*:manifest", count=1000)}
    return sorted(found)


def check_set(client: redis.Redis, set_id: str) -> SentinelReport:
    raw = client.get(_manifest_key(set_id))
    if raw is None:
        return judge(set_id, None, [])
    count = json.loads(raw)["count"]
    values = client.mget([key_of(set_id, i) for i in range(count)])
    return judge(set_id, raw.decode(), [None if v is None else v.decode() for v in values])


def judge(set_id: str, manifest_raw: str | None, values: list[str | None]) -> SentinelReport:
    """A set read back: its manifest (None when gone) and the values of its keys in order (None when lost)."""
    if manifest_raw is None:
        return SentinelReport(1, 0, 0, 0, f"manifest of set {set_id} is gone")
    manifest = json.loads(manifest_raw)
    keys = [key_of(set_id, i) for i in range(manifest["count"])]
    values = values + [None] * (len(keys) - len(values))
    lost = sum(1 for v in values if v is None)
    present = [v for v in values if v is not None]
    changed = 0
    if not lost and digest(present) != manifest["digest"]:
        changed = sum(1 for i, v in enumerate(present) if not v.startswith(f"{set_id}:{i}:"))
        changed = changed or 1
    detail = f"set {set_id}: {lost} lost, {changed} changed" if lost or changed else ""
    return SentinelReport(1, len(keys), lost, changed, detail)


def check_all(client: redis.Redis) -> SentinelReport:
    return combine([check_set(client, set_id) for set_id in set_ids(client)])


def combine(reports: list[SentinelReport]) -> SentinelReport:
    """Several sets' reports as one."""
    return SentinelReport(
        sum(r.sets for r in reports),
        sum(r.keys for r in reports),
        sum(r.lost for r in reports),
        sum(r.changed for r in reports),
        "; ".join(r.detail for r in reports if r.detail),
    )


def delete_set(client: redis.Redis, set_id: str) -> None:
    manifest = client.get(_manifest_key(set_id))
    count = json.loads(manifest)["count"] if manifest else 0
    client.delete(_manifest_key(set_id), *[key_of(set_id, i) for i in range(count)])
