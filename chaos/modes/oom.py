"""OOMKilled: Redis holds more data than its container limit allows; the runbook raises the limit."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from kubernetes.client.exceptions import ApiException

from chaos import levers
from chaos.context import Context
from chaos.effects import Effect, exited_with, new_pod_state
from chaos.errors import InjectionFailed, RecoveryFailed
from chaos.failure_mode import FailureMode
from checks.runbook.commented_yaml import CommentedYaml, NoCommentedYaml, commented_yaml
from fixtures.core import budgets
from fixtures.core.waits import Seen

BALLAST_KEYS = 80_000  # ~90 MB of 1 KB values: under maxmemory (200mb), far over the injected limit
BALLAST_BATCH = 5_000  # keys a script writes at once: well under the clients' timeout
TOO_SMALL = {"master": {"resources": {"limits": {"memory": "48Mi"}, "requests": {"memory": "32Mi"}}}}
# The fix's values are the runbook's: the YAML it writes as comments under `kubectl edit helmrelease`.
UPDATE_MARKER = "# Update:"
# Where the Bitnami chart reads the Redis container's resources (and the runbook's own Prevention section puts them).
CHART_KEY = "master"


# The ballast's keys unlinked in one script, 1000 at a time (Lua's unpack takes a few thousand at most).
DROP_BALLAST = (
    "local keys = redis.call('KEYS', ARGV[1]) "
    "for i = 1, #keys, 1000 do redis.call('UNLINK', unpack(keys, i, math.min(i + 999, #keys))) end "
    "return #keys"
)


def oom_this_run(terminated_finished_at: datetime | None, injected_at: float) -> bool:
    """A termination is this run's when it finished after the run began injecting: a container's lastState outlives
    the fault that set it. The API keeps whole seconds, so the second the run began counts."""
    return terminated_finished_at is not None and terminated_finished_at.timestamp() >= int(injected_at)


def last_termination_finished_at(pod: Any) -> datetime | None:
    """When the first container's last termination finished: the container the runbook's jsonpath reads."""
    statuses = pod.status.container_statuses or []
    terminated = statuses[0].last_state.terminated if statuses and statuses[0].last_state else None
    return terminated.finished_at if terminated else None


def _when(finished_at: datetime | None, this_run: bool) -> str:
    if this_run:
        return "after the injection"
    return f"at {finished_at:%Y-%m-%d %H:%M:%S}, before this run" if finished_at else "at a time the API does not give"


def values_patch(update: CommentedYaml) -> tuple[dict[str, Any], list[str]]:
    """The HelmRelease patch the runbook's Update block means (its values under spec.values, as written), and the
    corrections the suite made for it to act: a top-level `resources:` is not read by the chart, so it goes under
    `master:`, and the verdict says so."""
    values = dict(update.values)
    if "resources" not in values:
        return {"spec": {"values": values}}, []
    nested = {**values.pop(CHART_KEY, {}), "resources": values.pop("resources")}
    correction = (
        f"the Update block's top-level `resources:` (line {update.marker_line + 1}) placed under `{CHART_KEY}:`, where "
        "the chart (and the runbook's own Prevention section) reads it: as written, the edit changes nothing"
    )
    return {"spec": {"values": {**values, CHART_KEY: nested}}}, [correction]


def ballast_prefix(run_id: str) -> str:
    """Keys the run writes carry its id: undo deletes exactly these."""
    return f"chaos:{run_id}:ballast:"


class Oom(FailureMode):
    name = "oom"
    title = "Pod OOMKilled (Out of Memory)"
    runbook_section = "Issue: Pod OOMKilled"
    needs = ("parallel-pods",)  # OrderedReady never replaces the crash-looping pod with the raised limit

    def snapshot(self, ctx: Context) -> dict[str, Any]:
        return {"helmrelease": levers.snapshot_helmrelease(ctx), "ballast_prefix": ballast_prefix(ctx.run_id)}

    def effect(self, ctx: Context) -> Effect:
        return new_pod_state(ctx, "redis OOMKilled", lambda p: exited_with(p, lambda t: t.reason == "OOMKilled"))

    def inject(self, ctx: Context) -> dict[str, Any]:
        # The data grew; then the limit in the HelmRelease was set below what the data needs.
        prefix = ctx.record["ballast_prefix"]
        # In batches: one long script would block Redis past the clients' 1 s timeout before the fault exists.
        for start in range(1, BALLAST_KEYS + 1, BALLAST_BATCH):
            end = min(start + BALLAST_BATCH - 1, BALLAST_KEYS)
            fill = f"for i={start},{end} do redis.call('SET', '{prefix}'..i, string.rep('x', 1000)) end return 1"
            levers.redis_cli(ctx, "eval", fill, "0")
        levers.patch_values(ctx, TOO_SMALL)
        return {"ballast_keys": BALLAST_KEYS, "limit": "48Mi"}

    def symptom(self, ctx: Context) -> Seen:
        cmd = ctx.command("lastState.terminated.reason", after="Step 1")
        out = ctx.run(cmd).stdout.strip()
        if out != "OOMKilled":
            return Seen(False, f"line {cmd.line} prints {out!r}")
        # The runbook prints only the reason; when it happened, read from the API, says whether it is this fault.
        try:
            pod = ctx.cluster.core.read_namespaced_pod(ctx.names.pod, ctx.names.namespace)
        except ApiException as exc:
            if exc.status != 404:
                raise
            return Seen(False, f"line {cmd.line} prints {out!r}; pod {ctx.names.pod} gone since")
        finished_at = last_termination_finished_at(pod)
        this_run = oom_this_run(finished_at, ctx.record["started_at"])
        return Seen(this_run, f"line {cmd.line} prints {out!r} (terminated {_when(finished_at, this_run)})")

    def recover(self, ctx: Context) -> None:
        issue = "Issue: Pod OOMKilled"
        ctx.run(ctx.command("resources.limits.memory", after=issue))
        ctx.run(ctx.command('grep -i "memory', after=issue))
        edit = ctx.command("kubectl edit helmrelease", after=issue)
        try:
            update = commented_yaml(ctx.runbook.lines, edit.line, UPDATE_MARKER)
        except NoCommentedYaml as exc:
            said = f"line {edit.line} `{edit.text}`: the runbook no longer says what to set"
            raise RecoveryFailed(f"{said}: {exc}") from None
        patch, corrections = values_patch(update)
        ctx.run_fix(edit, edit_patch=json.dumps(patch), corrected=corrections)
        ctx.run_fix(
            ctx.command("flux reconcile helmrelease redis -n redis", after=issue), timeout=budgets.CHAOS_RECONCILE_S
        )

    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        levers.restore_helmrelease(ctx, record["helmrelease"])
        try:
            levers.redis_cli(ctx, "eval", DROP_BALLAST, "0", f"{record['ballast_prefix']}*")
        except InjectionFailed as exc:  # best effort, as the ballast is only data the run added
            ctx.notes.append(f"ballast keys not removed: {exc}")
