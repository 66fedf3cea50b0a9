"""No clear cause, recovered by Step 3: packets to Redis dropped in its pod's network namespace (chaos/pod_network.py);
the runbook's force restart replaces the pod."""

from __future__ import annotations

from chaos.pod_network import PodNetworkFault


class Step3ForceRestart(PodNetworkFault):
    """The runbook's Step 3: delete the pod; the StatefulSet makes a new one with a new network namespace."""

    name, step = "step3-force-restart", "Step 3"
    title = "No clear cause, recovered by Step 3"
    runbook_section = "Step 3"
