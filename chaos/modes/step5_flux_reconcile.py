"""No clear cause, recovered by Step 5: the StatefulSet scaled to zero by hand; Flux's reconciliation scales it back."""

from __future__ import annotations

from typing import Any

from chaos import levers
from chaos.context import Context
from chaos.effects import Effect
from chaos.failure_mode import FailureMode
from fixtures.core.waits import Seen


class Step5FluxReconcile(FailureMode):
    """Someone scaled the StatefulSet to 0: no pod, no error anywhere."""

    name, step = "step5-flux-reconcile", "Step 5"
    title = "No clear cause, recovered by Step 5: Force Flux Reconciliation"
    runbook_section = "Step 5"

    def snapshot(self, ctx: Context) -> dict[str, Any]:
        scale = ctx.cluster.apps.read_namespaced_stateful_set_scale(ctx.names.statefulset, ctx.names.namespace)
        return {"replicas": scale.spec.replicas}

    def effect(self, ctx: Context) -> Effect:
        what = f"statefulset/{ctx.names.statefulset} spec.replicas 0"
        return Effect("statefulset", ctx.names.statefulset, what, lambda sts: sts.spec.replicas == 0)

    def inject(self, ctx: Context) -> dict[str, Any]:
        ctx.cluster.apps.patch_namespaced_stateful_set_scale(
            ctx.names.statefulset, ctx.names.namespace, {"spec": {"replicas": 0}}
        )
        return {"replicas": 0}

    def symptom(self, ctx: Context) -> Seen:
        # The documented symptom is a listing that succeeds and has no Redis pod, never a failed or silent kubectl.
        cmd = ctx.command("kubectl get pods -n redis", after="Diagnosis")
        execution = ctx.run(cmd)
        listed = execution.exit_code == 0 and ("NAME" in execution.stdout or "No resources found" in execution.stderr)
        shown = listed and ctx.names.pod not in execution.stdout
        said = execution.stdout.strip() or execution.stderr.strip() or "no output"
        return Seen(shown, f"line {cmd.line} (exit {execution.exit_code}): {said[-200:]}")

    def recover(self, ctx: Context) -> None:
        ctx.run_step(self.step)

    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        scale = ctx.cluster.apps.read_namespaced_stateful_set_scale(ctx.names.statefulset, ctx.names.namespace)
        if scale.spec.replicas != record["replicas"]:
            ctx.cluster.apps.patch_namespaced_stateful_set_scale(
                ctx.names.statefulset, ctx.names.namespace, {"spec": {"replicas": record["replicas"]}}
            )
            levers.wait_redis_ready(ctx, "after restoring the replica count")
