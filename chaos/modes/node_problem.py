"""Node problem: the node's kubelet stops, the node goes NotReady; the runbook cordons and deletes the pod.

Only the suite's own cluster has a node provider (its kubelet is a process of this machine); on a
single node the pod has nowhere else to go, so the test is an xfail with that reason until the
two-node cluster exists.
"""

from __future__ import annotations

from typing import Any

from chaos.errors import InjectionFailed, RecoveryFailed
from chaos.modes.base import Context, FailureMode
from chaos.safety import require_local_node
from checks.runbook.executor import Execution
from fixtures.cluster import cluster as local_cluster
from fixtures.cluster import components, processes
from fixtures.pods import is_ready, wait_for_pod
from fixtures.waits import Seen, WaitTimeout

RESCHEDULE_TIMEOUT = 60


class NodeProblem(FailureMode):
    name = "node"
    title = "Node Issues"
    runbook_section = "Issue: Node Issues"
    node_action = "stop the node's kubelet"

    def snapshot(self, ctx: Context) -> dict[str, Any]:
        require_local_node(ctx.permit, self.node_action)
        cordoned = [n.metadata.name for n in ctx.cluster.core.list_node().items if n.spec.unschedulable]
        return {"cordoned_before": cordoned}

    def inject(self, ctx: Context) -> dict[str, Any]:
        require_local_node(ctx.permit, self.node_action)
        if not processes.is_running("kubelet"):
            raise InjectionFailed("the local cluster's kubelet is not running: `python -m fixtures.cluster up` first")
        processes.stop("kubelet")
        return {"stopped": "kubelet"}

    def symptom(self, ctx: Context) -> Seen:
        cmd = ctx.command("kubectl get nodes", after="Node Issues")
        out = ctx.run(cmd).stdout
        return Seen("NotReady" in out, f"line {cmd.line}: {out.strip()[-120:]}")

    def recover(self, ctx: Context) -> list[Execution]:
        done = [ctx.run(cmd, timeout=RESCHEDULE_TIMEOUT) for cmd in ctx.runbook.under("Issue: Node Issues")]
        nodes = ctx.cluster.core.list_node().items
        ctx.notes.append(f"{len(nodes)} node(s): nowhere to reschedule {ctx.names.pod} to")
        try:
            wait_for_pod(
                ctx.cluster,
                ctx.names.namespace,
                ctx.names.pod,
                lambda p: is_ready(p) and p.spec.node_name is not None,
                timeout=RESCHEDULE_TIMEOUT,
                wanted="Ready on a healthy node",
            )
        except WaitTimeout as exc:
            raise RecoveryFailed(f"pod not rescheduled: {exc}") from None
        return done

    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        require_local_node(ctx.permit, "start the node's kubelet")
        kubelet = next(c for c in components.components(local_cluster._binaries_if_built()) if c.name == "kubelet")
        local_cluster._start_component(kubelet, ctx.notes.append)
        for node in ctx.cluster.core.list_node().items:
            if node.spec.unschedulable and node.metadata.name not in record["cordoned_before"]:
                ctx.cluster.kubectl("uncordon", node.metadata.name, check=True)
