"""Node problem: the node's kubelet stops, the node goes NotReady; the runbook cordons and deletes the pod.

Only the suite's own cluster has a node provider (its kubelet is a process of this machine); on a
single node the pod has nowhere else to go: recovery raises NoHealthyNode, and the test is an xfail
expecting exactly that until the two-node cluster exists.
"""

from __future__ import annotations

from typing import Any

from chaos.effects import Effect
from chaos.errors import InjectionFailed, NoHealthyNode, RecoveryFailed
from chaos.modes.base import Context, FailureMode
from chaos.safety import require_local_node
from fixtures.cluster import cluster as local_cluster
from fixtures.cluster import components, processes
from fixtures.pods import is_ready, wait_for_pod
from fixtures.waits import Seen, WaitTimeout

RESCHEDULE_TIMEOUT = 60


def node_ready(node: Any) -> bool:
    return any(c.type == "Ready" and c.status == "True" for c in node.status.conditions or [])


def schedulable(node: Any) -> bool:
    return node_ready(node) and not node.spec.unschedulable


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

    def effect(self, ctx: Context) -> Effect:
        node = ctx.cluster.core.read_namespaced_pod(ctx.names.pod, ctx.names.namespace).spec.node_name
        return Effect("node", node, f"node/{node} not Ready", lambda n: not node_ready(n))

    def symptom(self, ctx: Context) -> Seen:
        cmd = ctx.command("kubectl get nodes", after="Node Issues")
        execution = ctx.run(cmd)
        shown = execution.exit_code == 0 and "NotReady" in execution.stdout
        return Seen(shown, f"line {cmd.line}: {execution.stdout.strip()[-120:] or execution.stderr.strip()[-120:]}")

    def recover(self, ctx: Context) -> None:
        for cmd in ctx.runbook.under("Issue: Node Issues"):
            if "cordon" in cmd.text:
                ctx.run_fix(cmd, timeout=RESCHEDULE_TIMEOUT)
            elif "delete pod" in cmd.text:
                # The kubelet that would confirm the deletion is down: the delete may wait; recorded, then judged.
                deleted = ctx.run(cmd, timeout=RESCHEDULE_TIMEOUT, timeout_is_state=True)
                ctx.notes.append(f"line {cmd.line}: {deleted.outcome} after {deleted.seconds:.0f}s {deleted.reason}")
            else:
                ctx.run(cmd, timeout=RESCHEDULE_TIMEOUT)
        healthy = [n.metadata.name for n in ctx.cluster.core.list_node().items if schedulable(n)]
        if not healthy:
            raise NoHealthyNode(
                f"after the runbook's cordon, no Ready schedulable node is left for {ctx.names.pod} "
                f"({len(ctx.cluster.core.list_node().items)} node(s) in the cluster)"
            )
        try:
            wait_for_pod(
                ctx.cluster,
                ctx.names.namespace,
                ctx.names.pod,
                lambda p: is_ready(p) and p.spec.node_name in healthy,
                timeout=RESCHEDULE_TIMEOUT,
                wanted=f"Ready on one of {healthy}",
            )
        except WaitTimeout as exc:
            raise RecoveryFailed(f"pod not rescheduled: {exc}") from None

    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        require_local_node(ctx.permit, "start the node's kubelet")
        kubelet = next(c for c in components.components(local_cluster._binaries_if_built()) if c.name == "kubelet")
        local_cluster._start_component(kubelet, ctx.notes.append)
        for node in ctx.cluster.core.list_node().items:
            if node.spec.unschedulable and node.metadata.name not in record["cordoned_before"]:
                ctx.cluster.kubectl("uncordon", node.metadata.name, check=True)
