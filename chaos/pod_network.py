"""A fault the liveness probe cannot heal and a new pod can: packets to Redis dropped inside the Redis pod's own
network namespace. The pod stays, its container restarts without end and its logs say nothing. Steps 3 and 4 of the
runbook recover it (chaos/modes/step3_force_restart.py, chaos/modes/step4_rollout_restart.py)."""

from __future__ import annotations

from typing import Any, ClassVar

from chaos import levers
from chaos.context import Context
from chaos.effects import Effect
from chaos.errors import InjectionFailed
from chaos.failure_mode import FailureMode
from fixtures.core.pods import is_ready
from fixtures.core.waits import Seen

DROP_REDIS = ("-p", "tcp", "--dport", "6379", "-j", "DROP")


def pod_not_ready(ctx: Context) -> Seen:
    cmd = ctx.command("kubectl get pod -n redis redis-master-0", after="Step 3")
    out = ctx.run(cmd).stdout
    rows = [line.split() for line in out.strip().splitlines()[1:]]
    not_ready = bool(rows) and rows[0][1].split("/")[0] != rows[0][1].split("/")[-1]
    return Seen(not_ready, f"line {cmd.line}: {out.strip().splitlines()[-1] if out.strip() else 'no pod'}")


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
        return pod_not_ready(ctx)

    def recover(self, ctx: Context) -> None:
        ctx.run_step(self.step)

    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        # Only the pod the run changed, if it still exists (the fix usually replaced it, and its namespace with it).
        sandbox = levers.pod_sandbox_pid(ctx, record["pod_uid"])
        if sandbox is not None and levers.pod_iptables(*sandbox, "-C", "INPUT", *DROP_REDIS).returncode == 0:
            levers.pod_iptables(*sandbox, "-D", "INPUT", *DROP_REDIS)
            levers.wait_redis_ready(ctx, "after removing the dropped-packets rule")
