"""NetworkPolicy blocking: the Redis policy loses its client rules; the runbook deletes the offending policy."""

from __future__ import annotations

from typing import Any

from chaos import faults
from chaos.experiment import Context
from checks.runbook.executor import Execution
from fixtures.waits import Seen

ONLY_OWN_NAMESPACE = [{"op": "replace", "path": "/spec/ingress/0/from", "value": [{"podSelector": {}}]}]


class NetworkPolicyBlocking:
    name = "network-policy"
    title = "Network Policy Blocking"
    runbook_section = "Issue: Network Policy Blocking"
    data_loss_expected = False

    def inject(self, ctx: Context) -> dict[str, Any]:
        faults.json_patch(ctx, "networkpolicy", ctx.names.network_policy, ONLY_OWN_NAMESPACE)
        return {"policy": ctx.names.network_policy}

    def symptom(self, ctx: Context) -> Seen:
        blocked = []
        for client in ctx.names.clients:
            execution = ctx.run(
                ctx.command(f"kubectl exec -n {client.namespace} deployment/{client.deployment}"), timeout=30
            )
            if execution.exit_code != 0:
                blocked.append(client.deployment)
        listed = ctx.run(ctx.command("kubectl get networkpolicies -n redis")).stdout
        policy_listed = ctx.names.network_policy in listed
        return Seen(
            len(blocked) == len(ctx.names.clients) and policy_listed,
            f"clients blocked: {blocked}; policy listed: {policy_listed}",
        )

    def recover(self, ctx: Context) -> list[Execution]:
        done = []
        for cmd in ctx.runbook.under("Issue: Network Policy Blocking"):
            fill = {"policy-name": ctx.names.network_policy} if cmd.placeholders else None
            done.append(ctx.run_fix(cmd, fill=fill, timeout=120))
        return done

    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        # Drift detection recreates the chart's policy (deleted by the fix) or reverts the patch.
        faults.restore_helmrelease(ctx)
        ctx.cluster.networking.read_namespaced_network_policy(ctx.names.network_policy, ctx.names.namespace)


MODE = NetworkPolicyBlocking()
