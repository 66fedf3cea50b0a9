"""No clear cause: Redis hangs or vanishes without a telling error; Steps 3 to 6 of the runbook each recover it.

Step 3 and Step 4 get packets to Redis dropped inside the pod's network namespace (the pod stays, its
container restarts without end, logs say nothing; only a new pod clears it). Step 5 gets a StatefulSet
scaled to zero by hand. Step 6 gets a StatefulSet broken by a manual edit; its reinstall must keep the
claim and every key.
"""

from __future__ import annotations

from typing import Any, ClassVar

from chaos import levers
from chaos.context import Context
from chaos.effects import Effect, exited_with, new_pod_state
from chaos.errors import InjectionFailed, RecoveryFailed
from chaos.modes.base import FailureMode
from checks.runbook.outcome import Execution
from fixtures.core import budgets
from fixtures.core.pods import is_ready
from fixtures.core.waits import Seen

DROP_REDIS = ("-p", "tcp", "--dport", "6379", "-j", "DROP")


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


class PodNetworkFault(FailureMode):
    """Inside the Redis pod's own network namespace, packets to port 6379 are dropped (stale pod-level network
    state). The probes time out, the liveness probe restarts the container again and again, and the logs say
    nothing; a restarted container keeps the pod's network namespace, so only a new pod clears it: the fault
    the liveness probe cannot heal, and the runbook's restart can."""

    step: ClassVar[str]
    node_action = "drop packets in the Redis pod's network namespace"

    def snapshot(self, ctx: Context) -> dict[str, Any]:
        pod = ctx.cluster.core.read_namespaced_pod(ctx.names.pod, ctx.names.namespace)
        return {"pod_uid": pod.metadata.uid}

    def effect(self, ctx: Context) -> Effect:
        return Effect("pod", ctx.names.pod, f"pod/{ctx.names.pod} not Ready", lambda pod: not is_ready(pod))

    def inject(self, ctx: Context) -> dict[str, Any]:
        sandbox = levers.pod_sandbox_pid(ctx, ctx.record["pod_uid"])
        if sandbox is None:
            raise InjectionFailed(f"pod/{ctx.names.pod} has no running sandbox on its node")
        added = levers.pod_iptables(*sandbox, "-I", "INPUT", *DROP_REDIS)
        if added.returncode != 0:
            raise InjectionFailed(f"iptables in the pod's network namespace failed: {added.stderr.strip()[:200]}")
        return {"dropped_in_pod_netns": " ".join(DROP_REDIS), "pod_uid": ctx.record["pod_uid"]}

    def symptom(self, ctx: Context) -> Seen:
        return _pod_not_ready(ctx)

    def recover(self, ctx: Context) -> None:
        _run_step(ctx, self.step)

    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        # Only the pod the run changed, if it still exists (the fix usually replaced it, and its namespace with it).
        sandbox = levers.pod_sandbox_pid(ctx, record["pod_uid"])
        if sandbox is not None and levers.pod_iptables(*sandbox, "-C", "INPUT", *DROP_REDIS).returncode == 0:
            levers.pod_iptables(*sandbox, "-D", "INPUT", *DROP_REDIS)
            levers.wait_redis_ready(ctx, "after removing the dropped-packets rule")


class Step3ForceRestart(PodNetworkFault):
    name, step = "step3-force-restart", "Step 3"
    title = "No clear cause, recovered by Step 3"
    runbook_section = "Step 3"


class Step4RolloutRestart(PodNetworkFault):
    name, step = "step4-rollout-restart", "Step 4"
    needs = ("parallel-pods",)  # under OrderedReady the rollout waits for the not-Ready pod and never replaces it
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
        _run_step(ctx, self.step)

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
        _run_step(ctx, self.step)
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
