"""No clear cause, recovered by Step 6: a StatefulSet broken by a manual edit (crash loop); the runbook's reinstall must
keep the claim and every key."""

from __future__ import annotations

from typing import Any

from chaos import levers
from chaos.context import Context
from chaos.effects import Effect, exited_with, new_pod_state
from chaos.errors import RecoveryFailed
from chaos.failure_mode import FailureMode
from fixtures.core.waits import Seen


def _statefulset_command(ctx: Context) -> list[str] | None:
    sts = ctx.cluster.apps.read_namespaced_stateful_set(ctx.names.statefulset, ctx.names.namespace)
    return sts.spec.template.spec.containers[0].command


class Step6Reinstall(FailureMode):
    """A manual edit pointed the StatefulSet at a config file that does not exist: crash loop."""

    name, step = "step6-reinstall", "Step 6"
    title = "No clear cause, recovered by Step 6: Emergency Recovery - Reinstall Redis"
    runbook_section = "Step 6"
    needs = ("drift-detection",)  # without it, resume/reconcile does not recreate the deleted StatefulSet

    def snapshot(self, ctx: Context) -> dict[str, Any]:
        # Step 6 suspends and resumes the HelmRelease: a run killed in between leaves it suspended.
        return {"command": _statefulset_command(ctx), "helmrelease": levers.snapshot_helmrelease(ctx)}

    def effect(self, ctx: Context) -> Effect:
        return new_pod_state(ctx, "redis exited with an error", lambda p: exited_with(p, lambda t: t.exit_code != 0))

    def inject(self, ctx: Context) -> dict[str, Any]:
        broken = ["redis-server", f"{ctx.names.config_path.rsplit('/', 1)[0]}/redis-old.conf"]
        op = {"op": "add", "path": "/spec/template/spec/containers/0/command", "value": broken}
        levers.json_patch(ctx, "statefulset", ctx.names.statefulset, [op])
        return {"command": broken}

    def symptom(self, ctx: Context) -> Seen:
        cmd = ctx.command("state.waiting.reason", after="Step 1")
        out = ctx.run(cmd).stdout.strip()
        return Seen(out == "CrashLoopBackOff", f"line {cmd.line} prints {out!r}")

    def recover(self, ctx: Context) -> None:
        read_pvc = ctx.cluster.core.read_namespaced_persistent_volume_claim
        before = read_pvc(ctx.names.pvc, ctx.names.namespace).metadata.uid
        ctx.run_step(self.step)
        after = read_pvc(ctx.names.pvc, ctx.names.namespace).metadata.uid
        ctx.notes.append(f"claim {ctx.names.pvc} kept: {before == after}")
        if before != after:
            raise RecoveryFailed(f"Step 6 replaced claim {ctx.names.pvc}: the runbook says it keeps the PVC")

    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        levers.restore_helmrelease(ctx, record["helmrelease"])
        if _statefulset_command(ctx) != record["command"]:
            path = "/spec/template/spec/containers/0/command"
            op = (
                {"op": "add", "path": path, "value": record["command"]}
                if record["command"]
                else {"op": "remove", "path": path}
            )
            levers.json_patch(ctx, "statefulset", ctx.names.statefulset, [op])
            levers.wait_redis_ready(ctx, "after restoring the StatefulSet's command")
