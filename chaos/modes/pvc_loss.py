"""PVC loss: the claim is deleted with its pod while the StorageClass is gone; the new claim stays Pending."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from kubernetes.client import StorageV1Api

from chaos import levers
from chaos.modes.base import Context, FailureMode
from checks.runbook.executor import Execution
from checks.runbook.parser import parse
from fixtures import system
from fixtures.waits import Seen


class PvcLoss(FailureMode):
    name = "pvc-loss"
    title = "PVC lost (claim deleted, StorageClass missing)"
    runbook_section = "Issue: Persistent Volume Issues"
    # Deleting the claim deletes the volume (reclaim policy Delete): the runbook has no restore step,
    # and its Step 6 warns of data loss. The loss is measured and reported, not hidden.
    data_loss_expected = True

    def snapshot(self, ctx: Context) -> dict[str, Any]:
        return {"storageclass": levers.snapshot_storage_class(ctx)}

    def inject(self, ctx: Context) -> dict[str, Any]:
        StorageV1Api(ctx.cluster.api_client).delete_storage_class(ctx.names.storageclass)
        ctx.cluster.core.delete_namespaced_persistent_volume_claim(ctx.names.pvc, ctx.names.namespace)
        ctx.cluster.core.delete_namespaced_pod(ctx.names.pod, ctx.names.namespace)
        return {"storageclass_deleted": ctx.names.storageclass}

    def symptom(self, ctx: Context) -> Seen:
        cmd = ctx.command("kubectl get pvc -n redis", after="Persistent Volume")
        out = ctx.run(cmd).stdout
        pending = any(ctx.names.pvc in line and "Pending" in line for line in out.splitlines())
        return Seen(pending, f"line {cmd.line}: {out.strip()[-200:] or 'no claims'}")

    def recover(self, ctx: Context) -> list[Execution]:
        done = [ctx.run(cmd) for cmd in ctx.runbook.under("Issue: Persistent Volume Issues") if "exec" not in cmd.text]
        classes = next(e for e in done if e.original.strip() == "kubectl get storageclass")
        ctx.notes.append(f"`kubectl get storageclass` showed: {classes.stdout.strip() or classes.stderr.strip()}")
        # "If PVC pending, check storage class": the check shows the class missing; the suite recreates it
        # as it was before the fault (the runbook has no command for this).
        manifest = Path(tempfile.mkdtemp(prefix="runbook-sc-")) / "storageclass.yaml"
        manifest.write_text(yaml.safe_dump(ctx.record["storageclass"]))
        restore = parse(f"```bash\nkubectl apply -f {manifest}\n```\n").commands[0]
        restore.line = classes.line
        ctx.notes.append(f"the runbook says 'check storage class' without a fix command; the suite ran: {restore.text}")
        done.append(ctx.run_fix(restore))
        return done

    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        levers.restore_storage_class(ctx, record["storageclass"])
        levers.wait_redis_ready(ctx, "after restoring the StorageClass")
        if ctx.permit.local:  # the suite's own baseline keys (verify's sentinel check), lost with the claim
            system.ensure_baseline_sentinels(ctx.cluster, ctx.names)
