"""No clear cause: Redis hangs or vanishes without a telling error; Steps 3 to 6 of the runbook each recover it.

Step 3 and Step 4 get a frozen redis-server (SIGSTOP from the node: the pod stays Running, probes
time out, logs say nothing). Step 5 gets a StatefulSet scaled to zero by hand. Step 6 gets a
StatefulSet broken by a manual edit; its reinstall must keep the claim and every key.
"""

from __future__ import annotations

import signal
from typing import Any, ClassVar

from chaos import levers
from chaos.errors import RecoveryFailed
from chaos.modes.base import Context, FailureMode
from checks.runbook.executor import Execution
from fixtures import budgets
from fixtures.waits import Seen


def _pod_not_ready(ctx: Context) -> Seen:
    cmd = ctx.command("kubectl get pod -n redis redis-master-0", after="Step 3")
    out = ctx.run(cmd).stdout
    rows = [line.split() for line in out.strip().splitlines()[1:]]
    not_ready = bool(rows) and rows[0][1].split("/")[0] != rows[0][1].split("/")[-1]
    return Seen(not_ready, f"line {cmd.line}: {out.strip().splitlines()[-1] if out.strip() else 'no pod'}")


def _run_step(ctx: Context, step: str) -> list[Execution]:
    return [ctx.run_fix(cmd, timeout=budgets.CHAOS_STEP_S) for cmd in ctx.runbook.under(step)]


def _statefulset_command(ctx: Context) -> list[str] | None:
    sts = ctx.cluster.apps.read_namespaced_stateful_set(ctx.names.statefulset, ctx.names.namespace)
    return sts.spec.template.spec.containers[0].command


class FrozenRedis(FailureMode):
    """redis-server stopped with SIGSTOP: Running, silent, not Ready."""

    step: ClassVar[str]
    node_action = "freeze redis-server"

    def snapshot(self, ctx: Context) -> dict[str, Any]:
        container, pid = levers.redis_container(ctx)
        return {"container": container, "pid": pid}

    def inject(self, ctx: Context) -> dict[str, Any]:
        levers.signal_container(ctx, ctx.record["container"], ctx.record["pid"], signal.SIGSTOP)
        return {"frozen_pid": ctx.record["pid"]}

    def symptom(self, ctx: Context) -> Seen:
        return _pod_not_ready(ctx)

    def recover(self, ctx: Context) -> list[Execution]:
        return _run_step(ctx, self.step)

    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        # Thaw only the process this run froze, if its container still runs (the fix usually replaced it).
        levers.signal_container(ctx, record["container"], record["pid"], signal.SIGCONT)


class Step3ForceRestart(FrozenRedis):
    name, step = "step3-force-restart", "Step 3"
    title = "No clear cause, recovered by Step 3"
    runbook_section = "Step 3"


class Step4RolloutRestart(FrozenRedis):
    name, step = "step4-rollout-restart", "Step 4"
    title = "No clear cause, recovered by Step 4"
    runbook_section = "Step 4"


class ScaledToZero(FailureMode):
    """Someone scaled the StatefulSet to 0: no pod, no error anywhere."""

    name, step = "step5-flux-reconcile", "Step 5"
    title = "No clear cause, recovered by Step 5: Force Flux Reconciliation"
    runbook_section = "Step 5"

    def snapshot(self, ctx: Context) -> dict[str, Any]:
        scale = ctx.cluster.apps.read_namespaced_stateful_set_scale(ctx.names.statefulset, ctx.names.namespace)
        return {"replicas": scale.spec.replicas}

    def inject(self, ctx: Context) -> dict[str, Any]:
        ctx.cluster.apps.patch_namespaced_stateful_set_scale(
            ctx.names.statefulset, ctx.names.namespace, {"spec": {"replicas": 0}}
        )
        return {"replicas": 0}

    def symptom(self, ctx: Context) -> Seen:
        cmd = ctx.command("kubectl get pods -n redis", after="Diagnosis")
        out = ctx.run(cmd).stdout
        return Seen(ctx.names.pod not in out, f"line {cmd.line}: {out.strip() or 'No resources found'}")

    def recover(self, ctx: Context) -> list[Execution]:
        return _run_step(ctx, self.step)

    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        scale = ctx.cluster.apps.read_namespaced_stateful_set_scale(ctx.names.statefulset, ctx.names.namespace)
        if scale.spec.replicas != record["replicas"]:
            ctx.cluster.apps.patch_namespaced_stateful_set_scale(
                ctx.names.statefulset, ctx.names.namespace, {"spec": {"replicas": record["replicas"]}}
            )
            levers.wait_redis_ready(ctx, "after restoring the replica count")


class BrokenStatefulSet(FailureMode):
    """A manual edit pointed the StatefulSet at a config file that does not exist: crash loop."""

    name, step = "step6-reinstall", "Step 6"
    title = "No clear cause, recovered by Step 6: Emergency Recovery - Reinstall Redis"
    runbook_section = "Step 6"

    def snapshot(self, ctx: Context) -> dict[str, Any]:
        # Step 6 suspends and resumes the HelmRelease: a run killed in between leaves it suspended.
        return {"command": _statefulset_command(ctx), "helmrelease": levers.snapshot_helmrelease(ctx)}

    def inject(self, ctx: Context) -> dict[str, Any]:
        broken = ["redis-server", f"{ctx.names.config_path.rsplit('/', 1)[0]}/redis-old.conf"]
        op = {"op": "add", "path": "/spec/template/spec/containers/0/command", "value": broken}
        levers.json_patch(ctx, "statefulset", ctx.names.statefulset, [op])
        return {"command": broken}

    def symptom(self, ctx: Context) -> Seen:
        cmd = ctx.command("state.waiting.reason", after="Step 1")
        out = ctx.run(cmd).stdout.strip()
        return Seen(out == "CrashLoopBackOff", f"line {cmd.line} prints {out!r}")

    def recover(self, ctx: Context) -> list[Execution]:
        read_pvc = ctx.cluster.core.read_namespaced_persistent_volume_claim
        before = read_pvc(ctx.names.pvc, ctx.names.namespace).metadata.uid
        done = _run_step(ctx, self.step)
        after = read_pvc(ctx.names.pvc, ctx.names.namespace).metadata.uid
        ctx.notes.append(f"claim {ctx.names.pvc} kept: {before == after}")
        if before != after:
            raise RecoveryFailed(f"Step 6 replaced claim {ctx.names.pvc}: the runbook says it keeps the PVC")
        return done

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
