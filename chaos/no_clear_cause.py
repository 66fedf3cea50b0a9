"""No clear cause: Redis hangs or vanishes without a telling error; Steps 3 to 6 of the runbook each recover it.

Step 3 and Step 4 get a frozen redis-server (SIGSTOP from the node: the pod stays Running, probes
time out, logs say nothing). Step 5 gets a StatefulSet scaled to zero by hand. Step 6 gets a
StatefulSet broken by a manual edit; its reinstall must keep the claim and every key.
"""

from __future__ import annotations

import contextlib
import signal
from typing import Any

from chaos import faults
from chaos.experiment import Context, RecoveryFailed
from checks.runbook.executor import Execution
from fixtures.waits import Seen

STEP_TIMEOUT = 330
BROKEN_COMMAND = [
    {"op": "replace", "path": "/spec/template/spec/containers/0/command",
     "value": ["redis-server", "/etc/redis/redis-old.conf"]}
]  # fmt: skip  # Step 3's own `kubectl wait ... --timeout=5m`, plus a margin


def _pod_not_ready(ctx: Context) -> Seen:
    cmd = ctx.command("kubectl get pod -n redis redis-master-0", after="Step 3")
    out = ctx.run(cmd).stdout
    rows = [line.split() for line in out.strip().splitlines()[1:]]
    not_ready = bool(rows) and rows[0][1].split("/")[0] != rows[0][1].split("/")[-1]
    return Seen(not_ready, f"line {cmd.line}: {out.strip().splitlines()[-1] if out.strip() else 'no pod'}")


def _run_step(ctx: Context, step: str) -> list[Execution]:
    done = []
    for cmd in ctx.runbook.under(step):
        done.append(ctx.run_fix(cmd, timeout=STEP_TIMEOUT))
    return done


class FrozenRedis:
    """redis-server stopped with SIGSTOP: Running, silent, not Ready."""

    data_loss_expected = False

    def __init__(self, name: str, step: str) -> None:
        self.name, self.step = name, step
        self.title = f"No clear cause, recovered by {step}"
        self.runbook_section = step

    def inject(self, ctx: Context) -> dict[str, Any]:
        return {"frozen_pid": faults.signal_redis(ctx, signal.SIGSTOP)}

    def symptom(self, ctx: Context) -> Seen:
        return _pod_not_ready(ctx)

    def recover(self, ctx: Context) -> list[Execution]:
        return _run_step(ctx, self.step)

    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        # SIGCONT is harmless to a running process; the pod may be a new one by now (nothing to thaw).
        with contextlib.suppress(Exception):
            faults.signal_redis(ctx, signal.SIGCONT)


class ScaledToZero:
    """Someone scaled the StatefulSet to 0: no pod, no error anywhere."""

    name, step = "step5-flux-reconcile", "Step 5"
    title = "No clear cause, recovered by Step 5: Force Flux Reconciliation"
    runbook_section = "Step 5"
    data_loss_expected = False

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
        faults.restore_helmrelease(ctx)


class BrokenStatefulSet:
    """A manual edit pointed the StatefulSet at a config file that does not exist: crash loop."""

    name, step = "step6-reinstall", "Step 6"
    title = "No clear cause, recovered by Step 6: Emergency Recovery - Reinstall Redis"
    runbook_section = "Step 6"
    data_loss_expected = False

    def inject(self, ctx: Context) -> dict[str, Any]:
        faults.json_patch(ctx, "statefulset", ctx.names.statefulset, BROKEN_COMMAND)
        return {"command": BROKEN_COMMAND[0]["value"]}

    def symptom(self, ctx: Context) -> Seen:
        cmd = ctx.command("state.waiting.reason", after="Step 1")
        out = ctx.run(cmd).stdout.strip()
        return Seen(out == "CrashLoopBackOff", f"line {cmd.line} prints {out!r}")

    def recover(self, ctx: Context) -> list[Execution]:
        pvc_uid = ctx.cluster.core.read_namespaced_persistent_volume_claim(
            ctx.names.pvc, ctx.names.namespace
        ).metadata.uid
        done = _run_step(ctx, self.step)
        after = ctx.cluster.core.read_namespaced_persistent_volume_claim(
            ctx.names.pvc, ctx.names.namespace
        ).metadata.uid
        ctx.notes.append(f"claim {ctx.names.pvc} kept: {pvc_uid == after}")
        if pvc_uid != after:
            raise RecoveryFailed(f"Step 6 replaced claim {ctx.names.pvc}: the runbook says it keeps the PVC")
        return done

    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        faults.restore_helmrelease(ctx)


STEP3 = FrozenRedis("step3-force-restart", "Step 3")
STEP4 = FrozenRedis("step4-rollout-restart", "Step 4")
STEP5 = ScaledToZero()
STEP6 = BrokenStatefulSet()
