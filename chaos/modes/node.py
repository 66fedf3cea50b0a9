"""Node problem: the kubelet of Redis's node stops, the node goes NotReady; the runbook cordons it and deletes the
pod, trusting that "StatefulSet will recreate pod on healthy node".

Nodes are reached through chaos.nodes (this machine for the suite's own cluster, the node container for kind).
On a single node the pod has nowhere else to go: recovery raises NoHealthyNode. With another node, whatever
happens is measured: when the pod is not Ready on a healthy node within the budget, the recovery fails with
what was observed (a pod still Terminating on the dead node, a new pod Pending on its node-local volume), and
the undo restarts the kubelet, uncordons the node and reads the sentinel keys back.
"""

from __future__ import annotations

from typing import Any

from kubernetes.client.exceptions import ApiException

from chaos.context import Context
from chaos.effects import Effect
from chaos.errors import InjectionFailed, NoHealthyNode, RecoveryFailed
from chaos.failure_mode import FailureMode
from chaos.nodes import node_host, redis_node_host
from fixtures.core import budgets
from fixtures.core.pods import is_ready, wait_for_pod
from fixtures.core.waits import Seen, WaitTimeout, wait_for


def node_ready(node: Any) -> bool:
    return any(c.type == "Ready" and c.status == "True" for c in node.status.conditions or [])


def schedulable(node: Any) -> bool:
    return node_ready(node) and not node.spec.unschedulable


def node_row(kubectl_get_nodes: str, node: str) -> list[str]:
    """The columns of `node`'s row in `kubectl get nodes` (NAME STATUS ...); [] when it has none."""
    return next((row.split() for row in kubectl_get_nodes.splitlines() if row.split()[:1] == [node]), [])


def node_shown_not_ready(kubectl_get_nodes: str, node: str) -> bool:
    """`kubectl get nodes` shows `node` NotReady (alone or with SchedulingDisabled): another node's NotReady is not
    this run's fault."""
    row = node_row(kubectl_get_nodes, node)
    return len(row) >= 2 and "NotReady" in row[1].split(",")


class Node(FailureMode):
    name = "node"
    title = "Node Issues"
    shares = "the node: its kubelet runs every cell's pods"
    runbook_section = "Issue: Node Issues"
    node_action = "stop the node's kubelet"

    def snapshot(self, ctx: Context) -> dict[str, Any]:
        host = redis_node_host(ctx.permit, self.node_action)
        cordoned = [n.metadata.name for n in ctx.cluster.core.list_node().items if n.spec.unschedulable]
        return {"cordoned_before": cordoned, "node": host.node, "node_provider": host.as_record()["provider"]}

    def inject(self, ctx: Context) -> dict[str, Any]:
        host = node_host(ctx.permit, ctx.record["node"], self.node_action)
        if not host.kubelet_running():
            raise InjectionFailed(f"the kubelet of node {host.node} is not running: nothing to stop")
        host.stop_kubelet()
        return {"stopped": "kubelet", **host.as_record()}

    def effect(self, ctx: Context) -> Effect:
        node = ctx.record["node"]
        return Effect("node", node, f"node/{node} not Ready", lambda n: not node_ready(n))

    def symptom(self, ctx: Context) -> Seen:
        cmd = ctx.command("kubectl get nodes", after="Node Issues")
        execution = ctx.run(cmd)
        stopped = ctx.record["node"]
        shown = execution.exit_code == 0 and node_shown_not_ready(execution.stdout, stopped)
        row = " ".join(node_row(execution.stdout, stopped)) or f"no row for node {stopped}"
        said = row if execution.exit_code == 0 else execution.stderr.strip()[-120:]
        return Seen(shown, f"line {cmd.line}: {said}")

    def recover(self, ctx: Context) -> None:
        for cmd in ctx.runbook.under("Issue: Node Issues"):
            if "cordon" in cmd.text:
                ctx.run_fix(cmd, timeout=budgets.CHAOS_RESCHEDULE_S)
            elif "delete pod" in cmd.text:
                # The kubelet that would confirm the deletion is down: the delete may wait; recorded, then judged.
                deleted = ctx.run(cmd, timeout=budgets.CHAOS_RESCHEDULE_S, timeout_is_state=True)
                ctx.notes.append(f"line {cmd.line}: {deleted.outcome} after {deleted.seconds:.0f}s {deleted.reason}")
            else:
                ctx.run(cmd, timeout=budgets.CHAOS_RESCHEDULE_S)
        nodes = ctx.cluster.core.list_node().items
        healthy = [n.metadata.name for n in nodes if schedulable(n)]
        if not healthy:
            raise NoHealthyNode(
                f"after the runbook's cordon, no Ready schedulable node is left for {ctx.names.pod} "
                f"({len(nodes)} node(s) in the cluster)"
            )
        try:
            wait_for_pod(
                ctx.cluster,
                ctx.names.namespace,
                ctx.names.pod,
                lambda p: is_ready(p) and p.spec.node_name in healthy,
                timeout=budgets.CHAOS_RESCHEDULE_S,
                wanted=f"Ready on one of {healthy}",
            )
        except WaitTimeout:
            observed = why_not_rescheduled(ctx, ctx.record["node"])
            ctx.notes.append(f"finding: the runbook's cordon and delete did not move {ctx.names.pod}: {observed}")
            raise RecoveryFailed(
                f"{ctx.names.pod} not Ready on a healthy node ({', '.join(healthy)}) "
                f"{budgets.CHAOS_RESCHEDULE_S}s after the runbook's cordon and delete: {observed}"
            ) from None

    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        node = record.get("node")
        if node is None:  # a record written before nodes were named: the suite's own single node
            node = ctx.cluster.core.list_node().items[0].metadata.name
        host = node_host(ctx.permit, node, "start the node's kubelet")
        if not host.kubelet_running():
            host.start_kubelet()
        wait_for(
            lambda: Seen(node_ready(ctx.cluster.core.read_node(node)), f"node/{node} Ready"),
            timeout=budgets.CHAOS_NODE_READY_S,
            what=f"node/{node} Ready after its kubelet started",
        )
        for item in ctx.cluster.core.list_node().items:
            if item.spec.unschedulable and item.metadata.name not in record["cordoned_before"]:
                ctx.cluster.kubectl("uncordon", item.metadata.name, check=True)


def why_not_rescheduled(ctx: Context, failed_node: str) -> str:
    """What kept Redis's pod off the healthy nodes, as the API shows it now."""
    try:
        pod = ctx.cluster.core.read_namespaced_pod(ctx.names.pod, ctx.names.namespace)
    except ApiException as exc:
        if exc.status != 404:
            raise
        return f"pod/{ctx.names.pod} gone and not recreated"
    pinned = volume_pinned_to(ctx)
    volume = f"; its volume is pinned to node {pinned} (node-local storage)" if pinned else ""
    if pod.metadata.deletion_timestamp and pod.spec.node_name == failed_node:
        return (
            f"pod/{ctx.names.pod} still Terminating on NotReady node {failed_node}: a delete is confirmed by the "
            "node's kubelet, which is down, and the StatefulSet creates no replacement while the old pod exists"
            f"{volume}"
        )
    unscheduled = next(
        (c for c in pod.status.conditions or [] if c.type == "PodScheduled" and c.status != "True"), None
    )
    if unscheduled is not None:
        return f"new pod/{ctx.names.pod} {pod.status.phase}: {unscheduled.message or unscheduled.reason}{volume}"
    return f"pod/{ctx.names.pod} {pod.status.phase} on node {pod.spec.node_name}, not Ready{volume}"


def volume_pinned_to(ctx: Context) -> str | None:
    """The node Redis's volume is bound to by its PersistentVolume's node affinity (local-path, local), if any."""
    try:
        claim = ctx.cluster.core.read_namespaced_persistent_volume_claim(ctx.names.pvc, ctx.names.namespace)
        if not claim.spec.volume_name:
            return None
        volume = ctx.cluster.core.read_persistent_volume(claim.spec.volume_name)
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise
    required = volume.spec.node_affinity and volume.spec.node_affinity.required
    for term in (required.node_selector_terms if required else None) or []:
        for expression in term.match_expressions or []:
            if expression.key == "kubernetes.io/hostname" and expression.values:
                return ",".join(expression.values)
    return None
