"""NetworkPolicy blocking: the Redis policy loses its client rules; the runbook deletes the offending policy."""

from __future__ import annotations

from typing import Any

from chaos import levers
from chaos.context import Context
from chaos.effects import Effect
from chaos.failure_mode import FailureMode
from fixtures.core import budgets
from fixtures.core.waits import Seen

# What netcat-openbsd (and busybox nc) print when a connection is refused or times out.
NC_BLOCKED = ("refused", "timed out", "timeout")

ONLY_OWN_NAMESPACE = [{"op": "replace", "path": "/spec/ingress/0/from", "value": [{"podSelector": {}}]}]


def every_client_blocked(blocked: list[str], clients: int) -> bool:
    """Every configured client's connectivity test said blocked; with no client there is nothing to show it."""
    return clients > 0 and len(blocked) == clients


def admits_no_namespace(policy: Any) -> bool:
    peers = [peer for rule in policy.spec.ingress or [] for peer in rule._from or []]
    return not any(peer.namespace_selector is not None for peer in peers)


def proves_nothing(ran: str, redis_namespace: str) -> str:
    """Why a test pod's result says nothing about the fix ("" when it does): started in Redis's own namespace, it is
    admitted by the injected policy (ONLY_OWN_NAMESPACE) too, so it passes whether or not the fix worked."""
    words = ran.split()
    if words[:2] != ["kubectl", "run"] or "-n" not in words[:-1]:
        return ""
    if words[words.index("-n") + 1] != redis_namespace:
        return ""
    return (
        f"proves nothing here: its pod runs in ns {redis_namespace}, which the injected policy still admits, so it "
        "passes with or without the fix; the verdict rests on the verification checks from the clients' namespaces"
    )


class NetworkPolicy(FailureMode):
    name = "network-policy"
    title = "Network Policy Blocking"
    runbook_section = "Issue: Network Policy Blocking"
    needs = ("image-alias",)  # line 195's connectivity test pod runs image redis:7.2

    def snapshot(self, ctx: Context) -> dict[str, Any]:
        return {"networkpolicy": levers.snapshot_network_policy(ctx)}

    def effect(self, ctx: Context) -> Effect:
        what = f"networkpolicy/{ctx.names.network_policy} admits no other namespace"
        return Effect("networkpolicy", ctx.names.network_policy, what, admits_no_namespace)

    def inject(self, ctx: Context) -> dict[str, Any]:
        levers.json_patch(ctx, "networkpolicy", ctx.names.network_policy, ONLY_OWN_NAMESPACE)
        return {"policy": ctx.names.network_policy}

    def symptom(self, ctx: Context) -> Seen:
        if not ctx.names.clients:
            return Seen(False, "no client configured: no connectivity test to show the block, not measured")
        blocked = []
        for client, spelled in zip(ctx.names.clients, ctx.executor.runbook_names.clients, strict=False):
            # Found by the runbook's spelling; the executor runs it against the client's own namespace (a cell's).
            execution = ctx.run(
                ctx.command(f"kubectl exec -n {spelled.namespace} deployment/{spelled.deployment}"),
                timeout=budgets.CHAOS_CONNECTIVITY_TEST_S,
                timeout_is_state=True,  # a hanging nc is recorded and not the symptom: detection polls on
            )
            # Blocked means nc ran and said so; a harness timeout or a missing nc is not the symptom.
            said = (execution.stdout + execution.stderr).lower()
            if execution.exit_code not in (0, None) and any(word in said for word in NC_BLOCKED):
                blocked.append(client.deployment)
        listed = ctx.run(ctx.command("kubectl get networkpolicies -n redis")).stdout
        policy_listed = ctx.names.network_policy in listed
        return Seen(
            every_client_blocked(blocked, len(ctx.names.clients)) and policy_listed,
            f"clients blocked: {blocked}; policy listed: {policy_listed}",
        )

    def recover(self, ctx: Context) -> None:
        for cmd in ctx.runbook.under("Issue: Network Policy Blocking"):
            fill = {"policy-name": ctx.names.network_policy} if cmd.placeholders else None
            execution = ctx.run_fix(cmd, fill=fill, timeout=budgets.CHAOS_POLICY_FIX_S)
            blind = proves_nothing(execution.ran, ctx.names.namespace)
            if blind:
                ctx.notes.append(f"line {cmd.line}: {blind}")

    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        # The runbook's fix deleted the policy (Flux drift detection may already have recreated it).
        levers.restore_network_policy(ctx, record["networkpolicy"])
        levers.remove_pods_the_run_started(ctx, record, levers.RUNBOOK_TEST_POD)
