"""No clear cause, recovered by Step 4: packets to Redis dropped in its pod's network namespace (chaos/pod_network.py);
the runbook's rollout restart replaces the pod."""

from __future__ import annotations

from chaos.pod_network import PodNetworkFault


class Step4RolloutRestart(PodNetworkFault):
    """The runbook's Step 4: `kubectl rollout restart` of the StatefulSet replaces the pod."""

    name, step = "step4-rollout-restart", "Step 4"
    needs = ("parallel-pods",)  # under OrderedReady the rollout waits for the not-Ready pod and never replaces it
    title = "No clear cause, recovered by Step 4"
    runbook_section = "Step 4"
