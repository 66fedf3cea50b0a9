"""Disk full: old RDB backups fill /data until Redis cannot write its AOF; the runbook cleans them up."""

from __future__ import annotations

from typing import Any

from chaos.experiment import Context, InjectionFailed
from checks.runbook.executor import Execution
from checks.runbook.parser import parse
from fixtures.waits import Seen

# Backups as the runbook's own Prevention section makes them (`redis-cli --rdb /data/backup-$(date).rdb`).
FILL = (
    "fallocate -l $(( $(df -k --output=avail /data | tail -1) * 1024 - 1048576 )) /data/backup-20251014.rdb; "
    "dd if=/dev/zero of=/data/backup-20251015.rdb bs=64k 2>/dev/null; df -h /data | tail -1"
)
CLEAN = "kubectl exec -n redis redis-master-0 -- sh -c 'rm -f /data/backup-*.rdb'"


class DiskFull:
    name = "disk-full"
    title = "Persistent volume full"
    runbook_section = "Issue: Persistent Volume Issues"
    data_loss_expected = False

    def inject(self, ctx: Context) -> dict[str, Any]:
        proc = ctx.cluster.exec(ctx.names.namespace, ctx.names.pod, ["sh", "-c", FILL], timeout=300)
        if "100%" not in proc.stdout:
            raise InjectionFailed(f"/data did not fill up: {proc.stdout.strip()} {proc.stderr.strip()}")
        return {"filled": proc.stdout.strip()}

    def symptom(self, ctx: Context) -> Seen:
        cmd = ctx.command("df -h /data", after="Persistent Volume")
        out = ctx.run(cmd).stdout
        return Seen("100%" in out, f"line {cmd.line}: {out.strip().splitlines()[-1] if out.strip() else 'no output'}")

    def recover(self, ctx: Context) -> list[Execution]:
        done = [ctx.run(cmd) for cmd in ctx.runbook.under("Issue: Persistent Volume Issues")]
        note = next((c for c in ctx.runbook.under("Issue: Persistent Volume Issues") if "df -h" in c.text), None)
        # The runbook says "If disk full, may need to clean old RDB/AOF files" without a command:
        # remove the old backup files, the nearest reading of "old RDB files".
        ctx.notes.append("the runbook names 'clean old RDB/AOF files' without a command; the suite ran: " + CLEAN)
        clean = parse(f"```bash\n{CLEAN}\n```\n").commands[0]
        clean.line = note.line if note else 0
        done.append(ctx.run_fix(clean))
        return done

    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        ctx.cluster.exec(ctx.names.namespace, ctx.names.pod, ["sh", "-c", "rm -f /data/backup-*.rdb"])


MODE = DiskFull()
