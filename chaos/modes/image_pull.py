"""Image pull error: the HelmRelease points at a Redis tag that does not exist; the runbook restores it."""

from __future__ import annotations

import json
from typing import Any

from chaos import levers
from chaos.context import Context
from chaos.effects import Effect
from chaos.failure_mode import FailureMode
from fixtures.core import budgets
from fixtures.core.pods import waiting_reason
from fixtures.core.waits import Seen

PULL_FAILURES = ("ErrImagePull", "ImagePullBackOff")

BAD_TAG = "7.0.15-does-not-exist"


class ImagePull(FailureMode):
    name = "image-pull"
    title = "Image Pull Error"
    runbook_section = "Issue: Image Pull Error"
    needs = ("parallel-pods",)  # OrderedReady never replaces the pod stuck in ImagePullBackOff

    def snapshot(self, ctx: Context) -> dict[str, Any]:
        return {"helmrelease": levers.snapshot_helmrelease(ctx)}

    def effect(self, ctx: Context) -> Effect:
        what = f"pod/{ctx.names.pod} waiting ErrImagePull or ImagePullBackOff"
        return Effect("pod", ctx.names.pod, what, lambda pod: waiting_reason(pod) in PULL_FAILURES)

    def inject(self, ctx: Context) -> dict[str, Any]:
        levers.patch_values(ctx, {"image": {"tag": BAD_TAG}})
        return {"tag": BAD_TAG}

    def symptom(self, ctx: Context) -> Seen:
        cmd = ctx.command('grep -A 10 "Events:"', after="Image Pull")
        execution = ctx.run(cmd)
        shown = execution.exit_code == 0 and any(
            word in execution.stdout for word in (*PULL_FAILURES, "Failed to pull")
        )
        return Seen(shown, f"line {cmd.line}: {'pull failure in events' if shown else 'no pull failure yet'}")

    def recover(self, ctx: Context) -> None:
        image = [
            ctx.run(cmd) for cmd in ctx.runbook.under("Issue: Image Pull Error") if "containers[0].image" in cmd.text
        ]
        ctx.notes.append(f"image the pod asks for: {image[0].stdout.strip() if image else 'not read'}")
        for cmd in ctx.runbook.under("Issue: Image Pull Error"):
            if "containers[0].image" not in cmd.text:
                ctx.run(cmd)
        # The Image Pull section stops at diagnosis: nothing in it puts a pullable image back. The suite does,
        # the way the runbook changes HelmRelease values in another section (Pod OOMKilled, lines 99 and 108).
        missing = "a fix: the Image Pull section ends at diagnosis; nothing restores a pullable image"
        prior_image = ctx.record["helmrelease"]["values"].get("image", {})
        patch = {"spec": {"values": {"image": {"tag": prior_image.get("tag")}}}}  # None removes the override
        ctx.lever_command(ctx.command("kubectl edit helmrelease").text, missing, edit_patch=json.dumps(patch))
        ctx.notes.append("flux reconcile waits for the failed upgrade's readiness timeout to expire first")
        ctx.lever_command(
            ctx.command("flux reconcile helmrelease redis -n redis").text,
            missing,
            timeout=budgets.CHAOS_RECONCILE_FAILED_UPGRADE_S,
        )

    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        levers.restore_helmrelease(ctx, record["helmrelease"])
        levers.remove_pods_the_run_started(ctx, record, levers.RUNBOOK_TEST_POD)
