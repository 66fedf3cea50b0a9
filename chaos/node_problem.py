"""Node problem: the node's kubelet stops, the node goes NotReady; the runbook cordons and deletes the pod.

On this single-node cluster the pod has nowhere else to go: the test is an xfail with that reason
until the two-node cluster exists.
"""

from __future__ import annotations

from typing import Any

from chaos.experiment import Context, InjectionFailed, RecoveryFailed
from checks.runbook.executor import Execution
from fixtures.cluster import cluster as local_cluster
from fixtures.cluster import components, processes
from fixtures.pods import is_ready, wait_for_pod
from fixtures.waits import Seen, WaitTimeout

RESCHEDULE_TIMEOUT = 60


class NodeProblem:
    name = "node"
    title = "Node Issues"
    runbook_section = "Issue: Node Issues"
    data_loss_expected = False

    def inject(self, ctx: Context) -> dict[str, Any]:
        if not processes.is_running("kubelet"):
            raise InjectionFailed(
                "the node's kubelet is not a process of this machine: this fault needs the suite's "
                "own cluster (`python -m fixtures.cluster up`)"
            )
        processes.stop("kubelet")
        return {"stopped": "kubelet"}

    def symptom(self, ctx: Context) -> Seen:
        cmd = ctx.command("kubectl get nodes", after="Node Issues")
        out = ctx.run(cmd).stdout
        return Seen("NotReady" in out, f"line {cmd.line}: {out.strip()[-120:]}")

    def recover(self, ctx: Context) -> list[Execution]:
        done = []
        for cmd in ctx.runbook.under("Issue: Node Issues"):
            done.append(ctx.run(cmd, timeout=RESCHEDULE_TIMEOUT))
        nodes = ctx.cluster.core.list_node().items
        ctx.notes.append(f"{len(nodes)} node(s): nowhere to reschedule redis-master-0 to")
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
        kubelet = next(c for c in components.components(local_cluster._binaries_if_built()) if c.name == "kubelet")
        local_cluster._start_component(kubelet, ctx.notes.append)
        for node in ctx.cluster.core.list_node().items:
            if node.spec.unschedulable:
                ctx.cluster.kubectl("uncordon", node.metadata.name, check=True)


MODE = NodeProblem()
