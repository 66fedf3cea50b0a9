"""Disk full, as a real install fills it: the runbook's own Prevention backups (`redis-cli --rdb
/data/backup-$(date +%Y%m%d).rdb`, one a day) land on the volume they protect, until Redis cannot write its AOF.
The runbook says to clean old RDB files; a responder sees a month of dated backups and keeps the newest.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chaos import levers
from chaos.context import Context
from chaos.errors import InjectionFailed, RecoveryFailed
from chaos.failure_mode import FailureMode
from chaos.modes.disk_full import refuse_a_volume_on_the_nodes_disk, remove_what_filled, volume_shown_full
from chaos.modes.oom import DROP_BALLAST
from checks.verification.parsing import quantity_bytes
from fixtures.core.waits import Seen

# The Prevention section's backup command writes here, named by the day it ran.
DATE_IN_NAME = "$(date +%Y%m%d)"
# The data the backups hold: enough that about this many daily backups fill the volume (a month of them)...
DAYS_TO_FILL = 30
# ...but at most this share of what bounds Redis's memory (maxmemory, else the container limit), keys of 1000 bytes.
BALLAST_SHARE = 0.4
VALUE_CHUNKS = 25  # 40-character SHA-1 hex digests per 1000-byte value: RDB's LZF cannot squeeze them away
BALLAST_BATCH = 2_000  # keys a script writes at once: well under the clients' 1 s timeout
MOST_BACKUPS = 90  # beyond this many the volume is too large for the fault's budget: refused, nothing written


def backup_command(ctx: Context) -> str:
    """The Prevention section's backup command as the runbook writes it today."""
    cmd = ctx.command("redis-cli --rdb", after="Prevention")
    if DATE_IN_NAME not in cmd.text:
        raise InjectionFailed(f"line {cmd.line} `{cmd.text}` no longer names its backups by {DATE_IN_NAME}")
    return cmd.text


def backup_path(command: str, day: date) -> str:
    """The file the runbook's backup command writes on `day` (pure)."""
    target = re.search(rf"\S*{re.escape(DATE_IN_NAME)}\S*", command)
    if target is None:
        raise InjectionFailed(f"`{command}` names no file by {DATE_IN_NAME}")
    return target.group(0).replace(DATE_IN_NAME, day.strftime("%Y%m%d"))


def backups_needed(free_bytes: int, backup_bytes: int) -> int:
    """Daily backups until the volume is full, one more to be sure (pure)."""
    return math.ceil(free_bytes / max(backup_bytes, 1)) + 1


def ballast_keys(free_bytes: int, memory_bound: int) -> int:
    """How many 1000-byte keys the backups hold: a month of them fills `free_bytes`, within the memory share."""
    wanted = free_bytes // DAYS_TO_FILL
    return max(1, min(wanted, int(memory_bound * BALLAST_SHARE)) // 1000)


class DiskFullBackups(FailureMode):
    name = "disk-full-backups"
    title = "Persistent volume full of the Prevention section's own backups"
    shares = "the filesystem every cell's claims are folders of (local-path)"
    runbook_section = "Issue: Persistent Volume Issues"

    def snapshot(self, ctx: Context) -> dict[str, Any]:
        command = backup_command(ctx)
        yesterday = datetime.now(UTC).date() - timedelta(days=1)
        days = [yesterday - timedelta(days=n) for n in range(MOST_BACKUPS)]  # newest first: written in that order
        present = set(_listing(ctx))
        # Only names no one has used: undo removes exactly these, never a backup someone else made.
        files = [p for p in (backup_path(command, d) for d in days) if p.rsplit("/", 1)[-1] not in present]
        return {"files": files, "ballast_prefix": f"chaos:{ctx.run_id}:backup-ballast:"}

    def inject(self, ctx: Context) -> dict[str, Any]:
        names = ctx.names
        refuse_a_volume_on_the_nodes_disk(ctx.cluster, names.namespace, names.pod, names.data_dir)
        free = _free_bytes(ctx)
        keys = ballast_keys(free, _memory_bound(ctx))
        _write_ballast(ctx, keys)
        files: list[str] = ctx.record["files"]
        written = 0
        for path in files:
            written += 1
            try:
                levers.redis_cli(ctx, "--rdb", path)
            except InjectionFailed:  # the backup that found no room left: the volume is full
                break
            if written == 1 and backups_needed(free, _size(ctx, path)) > len(files):
                raise InjectionFailed(
                    f"{names.data_dir} has {free / 2**30:.1f}Gi free: more than {len(files)} daily backups of "
                    f"{_size(ctx, path) / 2**20:.0f}Mi would be needed to fill it, beyond this fault's budget"
                )
        filled = ctx.cluster.exec(names.namespace, names.pod, ["df", "-h", names.data_dir]).stdout.strip()
        if "100%" not in filled:
            raise InjectionFailed(f"{names.data_dir} did not fill up after {written} backups: {filled}")
        return {"ballast_keys": keys, "backups": written, "filled": filled.splitlines()[-1]}

    def symptom(self, ctx: Context) -> Seen:
        return volume_shown_full(ctx)

    def recover(self, ctx: Context) -> None:
        for cmd in ctx.runbook.under("Issue: Persistent Volume Issues"):
            ctx.run(cmd)
        present = set(_listing(ctx))
        dated = [p for p in ctx.record["files"] if p.rsplit("/", 1)[-1] in present]
        if len(dated) < 2:
            raise RecoveryFailed(f"no old backups to clean: {len(dated)} of the run's backups are on the volume")
        old = " ".join(dated[1:])  # the record lists them newest first
        ctx.prose_fix(
            "clean old RDB/AOF files",
            f"kubectl exec -n {ctx.names.namespace} {ctx.names.pod} -- rm -f {old}",
            "the runbook names the action without a command; `ls -lh /data/` shows a month of dated backups "
            "(the Prevention section's schedule): the suite keeps the newest and removes the older ones it wrote",
        )
        ctx.notes.append(
            "finding: the Prevention section's backups (`redis-cli --rdb /data/backup-$(date +%Y%m%d).rdb`) land on "
            f"the volume they protect and are never rotated: {len(dated)} of them filled {ctx.names.data_dir}"
        )

    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        remove_what_filled(ctx, record)
        try:
            levers.redis_cli(ctx, "eval", DROP_BALLAST, "0", f"{record['ballast_prefix']}*")
        except InjectionFailed as exc:  # best effort, as the ballast is only data the run added
            ctx.notes.append(f"ballast keys not removed: {exc}")


def _listing(ctx: Context) -> list[str]:
    proc = ctx.cluster.exec(ctx.names.namespace, ctx.names.pod, ["ls", "-1A", ctx.names.data_dir])
    if proc.returncode != 0:
        raise InjectionFailed(f"ls {ctx.names.data_dir} in {ctx.names.pod}: {proc.stderr.strip()[:160]}")
    return proc.stdout.split()


def _free_bytes(ctx: Context) -> int:
    proc = ctx.cluster.exec(ctx.names.namespace, ctx.names.pod, ["df", "-P", "-k", ctx.names.data_dir])
    try:
        return int(proc.stdout.splitlines()[-1].split()[3]) * 1024
    except (IndexError, ValueError):
        raise InjectionFailed(f"df {ctx.names.data_dir}: {(proc.stdout + proc.stderr).strip()[:160]}") from None


def _size(ctx: Context, path: str) -> int:
    proc = ctx.cluster.exec(ctx.names.namespace, ctx.names.pod, ["stat", "-c", "%s", path])
    return int(proc.stdout.strip() or 0)


def _memory_bound(ctx: Context) -> int:
    """maxmemory when set, else the Redis container's memory limit, else 256Mi."""
    maxmemory = levers.redis_cli(ctx, "config", "get", "maxmemory").split()
    if len(maxmemory) == 2 and maxmemory[1] != "0":
        return int(maxmemory[1])
    pod = ctx.cluster.core.read_namespaced_pod(ctx.names.pod, ctx.names.namespace)
    container = next((c for c in pod.spec.containers if c.name == ctx.names.container), pod.spec.containers[0])
    limit = (container.resources.limits or {}).get("memory") if container.resources else None
    return quantity_bytes(limit) if limit else 256 * 2**20


def _write_ballast(ctx: Context, keys: int) -> None:
    prefix = ctx.record["ballast_prefix"]
    for start in range(1, keys + 1, BALLAST_BATCH):
        end = min(start + BALLAST_BATCH - 1, keys)
        script = (
            f"for i={start},{end} do local v = {{}} "
            f"for j=1,{VALUE_CHUNKS} do v[j] = redis.sha1hex('{prefix}'..i..':'..j) end "
            f"redis.call('SET', '{prefix}'..i, table.concat(v)) end return 1"
        )
        levers.redis_cli(ctx, "eval", script, "0")
