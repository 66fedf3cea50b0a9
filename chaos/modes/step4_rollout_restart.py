"""No clear cause, recovered by Step 4: packets to Redis dropped in its pod's network namespace (chaos/pod_network.py);
the runbook's rollout restart replaces the pod."""

from __future__ import annotations

from typing import Any

from chaos import levers
from chaos.context import Context
from chaos.pod_network import PodNetworkFault
from fixtures.core import budgets
from fixtures.core.kube import watch_object

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"


class Step4RolloutRestart(PodNetworkFault):
    """The runbook's Step 4: `kubectl rollout restart` of the StatefulSet replaces the pod."""

    name, step = "step4-rollout-restart", "Step 4"
    needs = ("parallel-pods",)  # under OrderedReady the rollout waits for the not-Ready pod and never replaces it
    title = "No clear cause, recovered by Step 4"
    runbook_section = "Step 4"

    def snapshot(self, ctx: Context) -> dict[str, Any]:
        return {**super().snapshot(ctx), "restarted_at": _restarted_at(ctx)}

    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        super().undo(ctx, record)
        # The rollout restart leaves its annotation in the StatefulSet's pod template: drift from the chart's render,
        # so the next Helm upgrade that recreates the StatefulSet (a profile switch) would replace the pod. Take it
        # back (one more rolling restart) so the system is as the run found it.
        prior = record.get("restarted_at")
        if _restarted_at(ctx) != prior:
            patch = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: prior}}}}}
            ctx.cluster.apps.patch_namespaced_stateful_set(ctx.names.statefulset, ctx.names.namespace, patch)
            watch_object(
                ctx.cluster.apps.list_namespaced_stateful_set,
                ctx.names.statefulset,
                rolled_out,
                timeout=budgets.CHAOS_POD_READY_S,
                what=f"statefulset/{ctx.names.statefulset} in ns {ctx.names.namespace}: every pod at its new revision "
                "and Ready (the rollout restart's annotation taken back)",
                namespace=ctx.names.namespace,
            )
            levers.wait_redis_ready(ctx, "after taking back the rollout restart's annotation")


def rolled_out(sts: Any) -> tuple[bool, str]:
    """Every replica at the StatefulSet's update revision and Ready (`kubectl rollout status`)."""
    status, want = sts.status, sts.spec.replicas or 0
    current = (status.observed_generation or 0) >= (sts.metadata.generation or 0)
    updated = (status.updated_replicas or 0) == want and status.update_revision == status.current_revision
    ready = (status.ready_replicas or 0) == want
    seen = f"{status.updated_replicas or 0} updated, {status.ready_replicas or 0} ready of {want}"
    return current and updated and ready, seen


def _restarted_at(ctx: Context) -> str | None:
    sts = ctx.cluster.apps.read_namespaced_stateful_set(ctx.names.statefulset, ctx.names.namespace)
    return (sts.spec.template.metadata.annotations or {}).get(RESTARTED_AT)
