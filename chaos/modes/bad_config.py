"""Configuration error: an invalid directive in ConfigMap redis-configuration; Flux restores the chart's config."""

from __future__ import annotations

from typing import Any

from chaos import levers
from chaos.context import Context
from chaos.effects import Effect, exited_with, new_pod_state
from chaos.failure_mode import FailureMode
from fixtures.core import budgets
from fixtures.core.waits import Seen

DEFAULT_DIRECTIVE = "maxmemory-policy sometimes-lru"


def rejects_directive(logs: str, directive: str) -> bool:
    """Redis's own rejection of this directive: the fatal config error, quoting the offending line
    (`>>> 'maxmemory-policy "sometimes-lru"'`)."""
    keyword = directive.split()[0]
    quoted = any(line.strip().startswith(f">>> '{keyword}") for line in logs.splitlines())
    return "FATAL CONFIG FILE ERROR" in logs and quoted


class BadConfig(FailureMode):
    name = "bad-config"
    title = "Configuration Error"
    runbook_section = "Issue: Configuration Error"
    needs = ("drift-detection",)  # without it, suspend/resume leaves the hand-edited ConfigMap as it is
    parameter = f"the invalid redis.conf line written into the ConfigMap (default {DEFAULT_DIRECTIVE!r})"

    def __init__(self, directive: str = DEFAULT_DIRECTIVE) -> None:
        self.directive = directive

    def configured(self, value: str) -> BadConfig:
        return BadConfig(value)

    def snapshot(self, ctx: Context) -> dict[str, Any]:
        # The runbook's fix suspends and resumes the HelmRelease: a run killed in between leaves it suspended.
        return {"configmap": levers.snapshot_configmap(ctx), "helmrelease": levers.snapshot_helmrelease(ctx)}

    def effect(self, ctx: Context) -> Effect:
        return new_pod_state(ctx, "redis exited with an error", lambda p: exited_with(p, lambda t: t.exit_code != 0))

    def inject(self, ctx: Context) -> dict[str, Any]:
        broken = ctx.record["configmap"]["redis.conf"].rstrip("\n") + f"\n{self.directive}\n"
        ctx.cluster.core.patch_namespaced_config_map(
            ctx.names.configmap, ctx.names.namespace, {"data": {"redis.conf": broken}}
        )
        ctx.cluster.core.delete_namespaced_pod(ctx.names.pod, ctx.names.namespace)  # "...and restart"
        return {"directive": self.directive}

    def symptom(self, ctx: Context) -> Seen:
        waiting = ctx.run(ctx.command("state.waiting.reason", after="Step 1")).stdout.strip()
        logs = ctx.run(ctx.command("kubectl logs -n redis statefulset/redis-master --tail=100")).stdout
        rejected = rejects_directive(logs, self.directive)
        return Seen(
            waiting == "CrashLoopBackOff" and rejected,
            f"waiting={waiting!r}, logs reject {self.directive.split()[0]!r}: {rejected}",
        )

    def recover(self, ctx: Context) -> None:
        # No pod delete: the restored ConfigMap reaches the crash-looping pod at its next restart (the mount is
        # not a subPath), so the runbook's suspend/resume is all it gets, and the backoff counts in its time.
        for cmd in ctx.runbook.under("Issue: Configuration Error"):
            if cmd.text.startswith("flux suspend") or cmd.text.startswith("flux resume"):
                ctx.run_fix(cmd, timeout=budgets.CHAOS_FLUX_SUSPEND_RESUME_S)
            else:  # diagnosis: the exec ones cannot run while Redis crash-loops; that is recorded, not fatal
                ctx.run(cmd)

    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        # The config first: Flux will not upgrade a release whose StatefulSet is failing on the bad config.
        if levers.restore_configmap(ctx, record["configmap"]) or not levers.redis_ready(ctx):
            levers.wait_redis_ready(ctx, "after restoring ConfigMap data")
        levers.restore_helmrelease(ctx, record["helmrelease"])
