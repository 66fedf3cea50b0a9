"""Disk full: backup files fill /data until Redis cannot write its AOF; the runbook says to clean old RDB files."""

from __future__ import annotations

import shlex
from typing import Any

from chaos import levers
from chaos.context import Context
from chaos.errors import InjectionFailed
from chaos.failure_mode import FailureMode
from fixtures.core import budgets
from fixtures.core.kube import Cluster
from fixtures.core.waits import Seen


def fault_files(ctx: Context) -> list[str]:
    """Backups as the runbook's Prevention section names them (`/data/backup-*.rdb`), carrying the run's id:
    undo and the suite's cleanup remove these and never a backup someone else made."""
    return [f"{ctx.names.data_dir}/backup-chaos-{ctx.run_id}-{n}.rdb" for n in (1, 2)]


def refuse_a_volume_on_the_nodes_disk(cluster: Cluster, namespace: str, pod: str, path: str) -> None:
    """Fill only a volume that is a filesystem of its own. The pod's /etc/hosts is a file in the kubelet's pod
    directory: when `path` is on the same device, filling it fills the node's disk (on kind with local-path, the
    host's), and the kubelet starts evicting every pod on that node."""
    probe = cluster.exec(namespace, pod, ["stat", "-c", "%d", path, "/etc/hosts"])
    devices = probe.stdout.split()
    if probe.returncode != 0 or len(devices) != 2:
        raise InjectionFailed(
            f"nothing filled: could not tell whether {path} is a filesystem of its own "
            f"(stat -c %d {path} /etc/hosts in {pod}: {(probe.stdout + probe.stderr).strip()[:200]})"
        )
    if devices[0] == devices[1]:
        raise InjectionFailed(
            f"nothing filled: {path} in {pod} is on the node's own disk (the device of the kubelet's pod "
            f"directory), so filling it would fill the node; give the PVC's StorageClass a volume of its own "
            f"(the suite's clusters mount a fixed-size filesystem for local-path)"
        )


class DiskFull(FailureMode):
    name = "disk-full"
    title = "Persistent volume full"
    # On the suite's clusters every local-path claim is a folder of one fixed-size filesystem: filling one fills all.
    shares = "the filesystem every cell's claims are folders of (local-path)"
    runbook_section = "Issue: Persistent Volume Issues"

    def snapshot(self, ctx: Context) -> dict[str, Any]:
        return {"files": fault_files(ctx)}

    def inject(self, ctx: Context) -> dict[str, Any]:
        refuse_a_volume_on_the_nodes_disk(ctx.cluster, ctx.names.namespace, ctx.names.pod, ctx.names.data_dir)
        first, second = (shlex.quote(f) for f in ctx.record["files"])
        data = shlex.quote(ctx.names.data_dir)
        fill = (
            f"fallocate -l $(( $(df -k --output=avail {data} | tail -1) * 1024 - 1048576 )) {first}; "
            f"dd if=/dev/zero of={second} bs=64k 2>/dev/null; df -h {data} | tail -1"
        )
        proc = ctx.cluster.exec(
            ctx.names.namespace, ctx.names.pod, ["sh", "-c", fill], timeout=budgets.CHAOS_DISK_FILL_S
        )
        if "100%" not in proc.stdout:
            raise InjectionFailed(f"{ctx.names.data_dir} did not fill up: {proc.stdout.strip()} {proc.stderr.strip()}")
        return {"filled": proc.stdout.strip()}

    def symptom(self, ctx: Context) -> Seen:
        return volume_shown_full(ctx)

    def recover(self, ctx: Context) -> None:
        for cmd in ctx.runbook.under("Issue: Persistent Volume Issues"):
            ctx.run(cmd)
        # The runbook says "If disk full, may need to clean old RDB/AOF files" and gives no command. The suite's
        # reading removes the old backup files this run wrote, never other files: on a real cluster, which
        # backups are old and safe to delete is the operator's call.
        files = " ".join(shlex.quote(f) for f in ctx.record["files"])
        ctx.prose_fix(
            "clean old RDB/AOF files",
            f"kubectl exec -n {ctx.names.namespace} {ctx.names.pod} -- rm -f {files}",
            "the runbook names the action without a command; the suite removed exactly the files it planted for "
            "this fault, which it alone knew to be old and safe to delete: a responder must find and judge them",
        )

    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        remove_what_filled(ctx, record)


def volume_shown_full(ctx: Context) -> Seen:
    """The runbook's `df -h /data` (under Persistent Volume Issues) shows the volume 100% used."""
    cmd = ctx.command("df -h /data", after="Persistent Volume")
    execution = ctx.run(cmd)
    out = execution.stdout.strip()
    full = execution.exit_code == 0 and "100%" in out
    return Seen(full, f"line {cmd.line} (exit {execution.exit_code}): {out.splitlines()[-1] if out else 'no output'}")


def remove_what_filled(ctx: Context, record: dict[str, Any]) -> None:
    """Remove the files the run wrote (`record["files"]`), also when Redis crash-loops on the full volume."""
    removed = ctx.cluster.exec(ctx.names.namespace, ctx.names.pod, ["rm", "-f", *record["files"]])
    if removed.returncode != 0:  # a full disk long enough and Redis crash-loops: no container to exec into
        levers.remove_from_data_volume(ctx, record["files"], record["run_id"])
        levers.wait_redis_ready(ctx, "after removing the files that filled the disk")
