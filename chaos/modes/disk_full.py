"""Disk full: backup files fill /data until Redis cannot write its AOF; the runbook says to clean old RDB files."""

from __future__ import annotations

import shlex
from typing import Any

from chaos.errors import InjectionFailed
from chaos.modes.base import Context, FailureMode
from checks.runbook.executor import Execution
from checks.runbook.parser import parse
from fixtures.waits import Seen


def fault_files(ctx: Context) -> list[str]:
    """Backups as the runbook's Prevention section names them (`/data/backup-*.rdb`), carrying the run's id:
    undo and the suite's cleanup remove these and never a backup someone else made."""
    return [f"{ctx.names.data_dir}/backup-chaos-{ctx.run_id}-{n}.rdb" for n in (1, 2)]


class DiskFull(FailureMode):
    name = "disk-full"
    title = "Persistent volume full"
    runbook_section = "Issue: Persistent Volume Issues"

    def snapshot(self, ctx: Context) -> dict[str, Any]:
        return {"files": fault_files(ctx)}

    def inject(self, ctx: Context) -> dict[str, Any]:
        first, second = (shlex.quote(f) for f in ctx.record["files"])
        data = shlex.quote(ctx.names.data_dir)
        fill = (
            f"fallocate -l $(( $(df -k --output=avail {data} | tail -1) * 1024 - 1048576 )) {first}; "
            f"dd if=/dev/zero of={second} bs=64k 2>/dev/null; df -h {data} | tail -1"
        )
        proc = ctx.cluster.exec(ctx.names.namespace, ctx.names.pod, ["sh", "-c", fill], timeout=300)
        if "100%" not in proc.stdout:
            raise InjectionFailed(f"{ctx.names.data_dir} did not fill up: {proc.stdout.strip()} {proc.stderr.strip()}")
        return {"filled": proc.stdout.strip()}

    def symptom(self, ctx: Context) -> Seen:
        cmd = ctx.command("df -h /data", after="Persistent Volume")
        out = ctx.run(cmd).stdout
        return Seen("100%" in out, f"line {cmd.line}: {out.strip().splitlines()[-1] if out.strip() else 'no output'}")

    def recover(self, ctx: Context) -> list[Execution]:
        done = [ctx.run(cmd) for cmd in ctx.runbook.under("Issue: Persistent Volume Issues")]
        note = next((c for c in ctx.runbook.under("Issue: Persistent Volume Issues") if "df -h" in c.text), None)
        # The runbook says "If disk full, may need to clean old RDB/AOF files" without a command. The suite
        # removes the old backup files this run wrote, never other files: on a real cluster, which backups
        # are old and safe to delete is the operator's call.
        files = " ".join(shlex.quote(f) for f in ctx.record["files"])
        clean = f"kubectl exec -n {ctx.names.namespace} {ctx.names.pod} -- rm -f {files}"
        ctx.notes.append("the runbook names 'clean old RDB/AOF files' without a command; the suite ran: " + clean)
        command = parse(f"```bash\n{clean}\n```\n").commands[0]
        command.line = note.line if note else 0
        done.append(ctx.run_fix(command))
        return done

    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        ctx.cluster.exec(ctx.names.namespace, ctx.names.pod, ["rm", "-f", *record["files"]])
