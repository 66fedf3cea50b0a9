"""Configuration error: an invalid directive in ConfigMap redis-configuration; Flux restores the chart's config."""

from __future__ import annotations

from typing import Any

from chaos import levers
from chaos.modes.base import Context, FailureMode
from checks.runbook.executor import Execution
from fixtures.waits import Seen

DEFAULT_DIRECTIVE = "maxmemory-policy sometimes-lru"
FLUX_WAIT = 150


class BadConfig(FailureMode):
    name = "bad-config"
    title = "Configuration Error"
    runbook_section = "Issue: Configuration Error"

    def __init__(self, directive: str = DEFAULT_DIRECTIVE) -> None:
        self.directive = directive

    def snapshot(self, ctx: Context) -> dict[str, Any]:
        # The runbook's fix suspends and resumes the HelmRelease: a run killed in between leaves it suspended.
        return {"configmap": levers.snapshot_configmap(ctx), "helmrelease": levers.snapshot_helmrelease(ctx)}

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
        rejected = "FATAL CONFIG FILE ERROR" in logs or "Bad directive" in logs or "argument" in logs.lower()
        return Seen(waiting == "CrashLoopBackOff" and rejected, f"waiting={waiting!r}, config error in logs={rejected}")

    def recover(self, ctx: Context) -> list[Execution]:
        issue = "Issue: Configuration Error"
        done = []
        for cmd in ctx.runbook.under(issue):
            if cmd.text.startswith("flux suspend") or cmd.text.startswith("flux resume"):
                done.append(ctx.run_fix(cmd, timeout=FLUX_WAIT))
            else:  # diagnosis: the exec ones cannot run while Redis crash-loops; that is recorded, not fatal
                done.append(ctx.run(cmd))
        levers.delete_pod_lever(
            ctx,
            "the restored ConfigMap reaches a new pod at once; CrashLoopBackOff "
            "backoff would delay the next start by up to 5 minutes",
        )
        return done

    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        # The config first: Flux will not upgrade a release whose StatefulSet is failing on the bad config.
        if levers.restore_configmap(ctx, record["configmap"]) or not levers.redis_ready(ctx):
            levers.wait_redis_ready(ctx, "after restoring ConfigMap data")
        levers.restore_helmrelease(ctx, record["helmrelease"])
