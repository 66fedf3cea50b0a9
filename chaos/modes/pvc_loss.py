"""PVC loss: the claim is deleted with its pod while the StorageClass is gone; the new claim stays Pending."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from kubernetes.client import StorageV1Api

from chaos import levers
from chaos.context import Context
from chaos.effects import Effect
from chaos.failure_mode import FailureMode
from fixtures.core.waits import Seen
from fixtures.sut.install import ensure_baseline_sentinels


class PvcLoss(FailureMode):
    name = "pvc-loss"
    title = "PVC lost (claim deleted, StorageClass missing)"
    shares = "the StorageClass every cell's claims use"
    runbook_section = "Issue: Persistent Volume Issues"
    # Deleting the claim deletes the volume (reclaim policy Delete): the runbook has no restore step,
    # and its Step 6 warns of data loss. The loss is measured and reported, not hidden.
    data_loss_expected = True

    def snapshot(self, ctx: Context) -> dict[str, Any]:
        return {"storageclass": levers.snapshot_storage_class(ctx)}

    def effect(self, ctx: Context) -> Effect:
        what = f"persistentvolumeclaim/{ctx.names.pvc} Pending"
        return Effect("pvc", ctx.names.pvc, what, lambda claim: claim.status.phase == "Pending")

    def inject(self, ctx: Context) -> dict[str, Any]:
        StorageV1Api(ctx.cluster.api_client).delete_storage_class(ctx.names.storageclass)
        ctx.cluster.core.delete_namespaced_persistent_volume_claim(ctx.names.pvc, ctx.names.namespace)
        ctx.cluster.core.delete_namespaced_pod(ctx.names.pod, ctx.names.namespace)
        return {"storageclass_deleted": ctx.names.storageclass}

    def symptom(self, ctx: Context) -> Seen:
        cmd = ctx.command("kubectl get pvc -n redis", after="Persistent Volume")
        execution = ctx.run(cmd)
        out = execution.stdout if execution.exit_code == 0 else ""
        pending = any(ctx.names.pvc in line and "Pending" in line for line in out.splitlines())
        return Seen(pending, f"line {cmd.line}: {out.strip()[-200:] or 'no claims'}")

    def recover(self, ctx: Context) -> None:
        for cmd in ctx.runbook.under("Issue: Persistent Volume Issues"):
            if "exec" not in cmd.text:  # df inside a pod that cannot start
                execution = ctx.run(cmd)
                if cmd.text.strip() == "kubectl get storageclass":
                    ctx.notes.append(
                        f"`kubectl get storageclass` showed: {execution.stdout.strip() or execution.stderr.strip()}"
                    )
        # "If PVC pending, check storage class": the check shows the class missing, and the runbook stops there.
        # The suite recreates the class as it was before the fault.
        manifest = Path(tempfile.mkdtemp(prefix="runbook-sc-")) / "storageclass.yaml"
        manifest.write_text(yaml.safe_dump(ctx.record["storageclass"]))
        missing = "a fix for a missing StorageClass: the runbook says only 'If PVC pending, check storage class'"
        ctx.lever_command(f"kubectl apply -f {manifest}", missing)

    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        levers.restore_storage_class(ctx, record["storageclass"])
        levers.wait_redis_ready(ctx, "after restoring the StorageClass")
        if ctx.permit.local:  # the suite's own baseline keys (verify's sentinel check), lost with the claim
            ensure_baseline_sentinels(ctx.cluster, ctx.names)
