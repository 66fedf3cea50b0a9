"""Shared levers of the failure modes: HelmRelease values, the Step 3 pod delete, freezing a process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import yaml

from chaos.experiment import Context, InjectionFailed
from fixtures import system
from fixtures.cluster import config as cluster_config
from fixtures.pods import is_ready, wait_for_pod, waiting_reason

HR_GROUP, HR_VERSION, HR_PLURAL = system.HELMRELEASE_API
POD_READY_TIMEOUT = 180
BACKOFF_REASONS = ("CrashLoopBackOff", "ErrImagePull", "ImagePullBackOff", "CreateContainerConfigError")


def baseline_values() -> dict[str, Any]:
    """The HelmRelease values as the repository's manifest has them."""
    docs = list(yaml.safe_load_all(system.HELMRELEASE.read_text()))
    return next(d for d in docs if d and d.get("kind") == "HelmRelease")["spec"]["values"]


def patch_values(ctx: Context, values: dict[str, Any]) -> None:
    """Merge `values` into the HelmRelease's values (a misconfiguration, as an injection) and ask Flux to act."""
    names = ctx.names
    ctx.cluster.custom.patch_namespaced_custom_object(
        HR_GROUP, HR_VERSION, names.namespace, HR_PLURAL, names.helmrelease, {"spec": {"values": values}}
    )
    request_reconcile(ctx)


def request_reconcile(ctx: Context) -> None:
    """What `flux reconcile` does first, without waiting: annotate the HelmRelease."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()) + f"-{os.getpid()}"
    ctx.cluster.custom.patch_namespaced_custom_object(
        HR_GROUP,
        HR_VERSION,
        ctx.names.namespace,
        HR_PLURAL,
        ctx.names.helmrelease,
        {"metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": stamp}}},
    )


def restore_helmrelease(ctx: Context) -> None:
    """Undo any change to the HelmRelease: baseline values, not suspended, reconciled and Ready."""
    patch = [
        {"op": "replace", "path": "/spec/values", "value": baseline_values()},
        {"op": "replace", "path": "/spec/suspend", "value": False},
    ]
    json_patch(ctx, "helmrelease", ctx.names.helmrelease, patch)
    system.flux(
        ctx.cluster,
        "reconcile",
        "helmrelease",
        ctx.names.helmrelease,
        "-n",
        ctx.names.namespace,
        "--force",
        timeout=300,
    )
    pod = ctx.cluster.core.read_namespaced_pod(ctx.names.pod, ctx.names.namespace)
    if waiting_reason(pod) in BACKOFF_REASONS:
        ctx.cluster.core.delete_namespaced_pod(ctx.names.pod, ctx.names.namespace)  # skip the backoff
    wait_for_pod(
        ctx.cluster,
        ctx.names.namespace,
        ctx.names.pod,
        is_ready,
        timeout=POD_READY_TIMEOUT,
        wanted="Ready after restoring the HelmRelease",
    )


def redis_cli(ctx: Context, *args: str) -> str:
    proc = ctx.cluster.exec(ctx.names.namespace, ctx.names.pod, ["redis-cli", *args], timeout=120)
    if proc.returncode != 0:
        raise InjectionFailed(f"redis-cli {' '.join(args)[:80]} failed: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout.strip()


def delete_pod_lever(ctx: Context, why: str) -> None:
    """The runbook's Step 3 lever (`kubectl delete pod`), used instead of waiting out CrashLoopBackOff."""
    cmd = ctx.command("kubectl delete pod -n redis redis-master-0", after="Step 3")
    ctx.notes.append(f"Step 3 lever (line {cmd.line}) used: {why}")
    ctx.run_fix(cmd, timeout=120)


def redis_host_pid(ctx: Context) -> int:
    """The host pid of redis-server in the Redis pod (the suite's own single-node cluster only)."""
    pod = ctx.cluster.core.read_namespaced_pod(ctx.names.pod, ctx.names.namespace)
    status = (pod.status.container_statuses or [None])[0]
    if status is None or not status.container_id:
        raise InjectionFailed(f"pod/{ctx.names.pod} has no running container to freeze")
    container = status.container_id.split("://", 1)[-1]
    crictl = cluster_config.TOOLS_BIN / "crictl"
    out = subprocess.run(
        [
            str(crictl),
            f"--runtime-endpoint=unix://{cluster_config.CONTAINERD_SOCKET}",
            "inspect",
            "-o",
            "json",
            container,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise InjectionFailed(f"crictl inspect {container[:12]} failed (needs the suite's own node): {out.stderr}")
    return int(json.loads(out.stdout)["info"]["pid"])


def signal_redis(ctx: Context, sig: signal.Signals) -> int:
    pid = redis_host_pid(ctx)
    os.kill(pid, sig)
    return pid


def local_path_manifest() -> Path:
    """The local-path StorageClass manifest, rendered for this host, as a file `kubectl apply -f` can read."""
    text = (cluster_config.MANIFESTS_DIR / "local-path-storage.yaml").read_text()
    path = cluster_config.STATE / "local-path-storage.rendered.yaml"
    path.write_text(text.replace("@LOCAL_PATH_DIR@", str(cluster_config.LOCAL_PATH_DIR)))
    return path


def json_patch(ctx: Context, kind: str, name: str, operations: list[dict[str, Any]]) -> None:
    """`kubectl patch KIND NAME --type json` in Redis's namespace: how a hand edit breaks something."""
    ctx.cluster.kubectl(
        "patch", kind, name, "-n", ctx.names.namespace, "--type", "json", "-p", json.dumps(operations), check=True
    )
