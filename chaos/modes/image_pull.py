"""Image pull error: the HelmRelease points at a Redis tag that does not exist; the runbook restores it."""

from __future__ import annotations

import json
from typing import Any

from chaos import levers
from chaos.modes.base import Context, FailureMode
from checks.runbook.executor import Execution
from fixtures.waits import Seen

BAD_TAG = "7.0.15-does-not-exist"


class ImagePullError(FailureMode):
    name = "image-pull"
    title = "Image Pull Error"
    runbook_section = "Issue: Image Pull Error"

    def snapshot(self, ctx: Context) -> dict[str, Any]:
        return {"helmrelease": levers.snapshot_helmrelease(ctx)}

    def inject(self, ctx: Context) -> dict[str, Any]:
        levers.patch_values(ctx, {"image": {"tag": BAD_TAG}})
        return {"tag": BAD_TAG}

    def symptom(self, ctx: Context) -> Seen:
        cmd = ctx.command('grep -A 10 "Events:"', after="Image Pull")
        out = ctx.run(cmd).stdout
        shown = any(word in out for word in ("ErrImagePull", "ImagePullBackOff", "Failed to pull"))
        return Seen(shown, f"line {cmd.line}: {'pull failure in events' if shown else 'no pull failure yet'}")

    def recover(self, ctx: Context) -> list[Execution]:
        done = [ctx.run(cmd) for cmd in ctx.runbook.under("Issue: Image Pull Error")]
        image = next(e for e in done if "containers[0].image" in e.original)
        ctx.notes.append(f"image the pod asks for: {image.stdout.strip()}")
        # The Image Pull section stops at diagnosis; the image is restored the way the runbook changes
        # HelmRelease values elsewhere (Pod OOMKilled): kubectl edit helmrelease, then flux reconcile.
        ctx.notes.append("restore the image via the runbook's `kubectl edit helmrelease` + `flux reconcile` (OOM fix)")
        prior_image = ctx.record["helmrelease"]["values"].get("image", {})
        patch = {"spec": {"values": {"image": {"tag": prior_image.get("tag")}}}}  # None removes the override
        done.append(ctx.run_fix(ctx.command("kubectl edit helmrelease"), edit_patch=json.dumps(patch)))
        ctx.notes.append("flux reconcile waits for the failed upgrade's 90 s readiness timeout to expire first")
        done.append(ctx.run_fix(ctx.command("flux reconcile helmrelease redis -n redis"), timeout=300))
        return done

    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        levers.restore_helmrelease(ctx, record["helmrelease"])
        levers.remove_pods_the_run_started(ctx, record, levers.RUNBOOK_TEST_POD)
