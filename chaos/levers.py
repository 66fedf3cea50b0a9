"""Shared levers of the failure modes: snapshot and restore what faults change, the Step 3 pod delete, freezing.

Every restore compares the live object with the recorded prior state and changes only what differs,
so an undo is a no-op when it has already happened.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import time
from typing import Any

from kubernetes.client import StorageV1Api
from kubernetes.client.exceptions import ApiException

from chaos.context import Context
from chaos.errors import HarnessError, InjectionFailed
from chaos.nodes import NodeHost, node_host
from fixtures.core import budgets
from fixtures.core.pods import is_ready, wait_for_pod, waiting_reason
from fixtures.core.redis_cli import RedisCliFailed
from fixtures.core.redis_cli import run as redis_cli_in_pod
from fixtures.sut import fluxcd

HR_GROUP, HR_VERSION, HR_PLURAL = fluxcd.HELMRELEASE_API
BACKOFF_REASONS = ("CrashLoopBackOff", "ErrImagePull", "ImagePullBackOff", "CreateContainerConfigError")
RUNBOOK_TEST_POD = "test"  # the runbook's `kubectl run test ... --rm` (lines 180, 195)
SERVER_FIELDS = ("uid", "resourceVersion", "creationTimestamp", "managedFields", "generation", "selfLink")


# ---------------------------------------------------------------- HelmRelease


def read_helmrelease(ctx: Context) -> dict[str, Any]:
    return fluxcd.read_helmrelease(ctx.cluster, ctx.names)


def snapshot_helmrelease(ctx: Context) -> dict[str, Any]:
    spec = read_helmrelease(ctx)["spec"]
    return {"values": spec.get("values") or {}, "suspend": bool(spec.get("suspend", False))}


def patch_values(ctx: Context, values: dict[str, Any]) -> None:
    """Merge `values` into the HelmRelease's values (a misconfiguration, as an injection) and ask Flux to act."""
    ctx.cluster.custom.patch_namespaced_custom_object(
        HR_GROUP, HR_VERSION, ctx.names.namespace, HR_PLURAL, ctx.names.helmrelease, {"spec": {"values": values}}
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


def restore_helmrelease(ctx: Context, prior: dict[str, Any]) -> bool:
    """Put the HelmRelease's values and suspend flag back as recorded; reconcile if anything differed, Redis is
    not Ready or the release is not Ready (a failed upgrade). Returns whether anything was changed."""
    spec = read_helmrelease(ctx)["spec"]
    changed = (spec.get("values") or {}) != prior["values"] or bool(spec.get("suspend", False)) != prior["suspend"]
    if changed:
        json_patch(
            ctx,
            "helmrelease",
            ctx.names.helmrelease,
            [
                {"op": "add", "path": "/spec/values", "value": prior["values"]},
                {"op": "add", "path": "/spec/suspend", "value": prior["suspend"]},
            ],
        )
    if changed or not redis_ready(ctx) or not fluxcd.helmrelease_ready(read_helmrelease(ctx))[0]:
        # Under OrderedReady a crash-looping pod blocks every update, and Helm fails early on the stalled
        # StatefulSet: replace the pod first, so it starts from the StatefulSet's current template.
        delete_pod_in_backoff(ctx)
        if not prior["suspend"]:
            fluxcd.flux(
                ctx.cluster,
                "reconcile",
                "helmrelease",
                ctx.names.helmrelease,
                "-n",
                ctx.names.namespace,
                "--force",
                timeout=budgets.CHAOS_RECONCILE_S,
            )
        wait_redis_ready(ctx, "after restoring the HelmRelease")
    return changed


# ---------------------------------------------------------------- Redis pod


def redis_ready(ctx: Context) -> bool:
    try:
        return is_ready(ctx.cluster.core.read_namespaced_pod(ctx.names.pod, ctx.names.namespace))
    except ApiException as exc:
        if exc.status == 404:
            return False
        raise


def delete_pod_in_backoff(ctx: Context) -> None:
    """Delete the Redis pod if it waits in a backoff (its controller makes a new one from its current template)."""
    try:
        pod = ctx.cluster.core.read_namespaced_pod(ctx.names.pod, ctx.names.namespace)
        if waiting_reason(pod) in BACKOFF_REASONS:
            ctx.cluster.core.delete_namespaced_pod(ctx.names.pod, ctx.names.namespace)
    except ApiException as exc:
        if exc.status != 404:
            raise


def wait_redis_ready(ctx: Context, why: str) -> None:
    """Skip a crash-loop backoff (delete the pod) and wait until Redis is Ready again."""
    delete_pod_in_backoff(ctx)
    wait_for_pod(
        ctx.cluster,
        ctx.names.namespace,
        ctx.names.pod,
        is_ready,
        timeout=budgets.CHAOS_POD_READY_S,
        wanted=f"Ready {why}",
    )


def redis_cli(ctx: Context, *args: str) -> str:
    """A redis-cli command in the Redis container, authenticated as it is; an error reply fails the injection."""
    pod = ctx.cluster.core.read_namespaced_pod(ctx.names.pod, ctx.names.namespace)
    container = next((c for c in pod.spec.containers if c.name == ctx.names.container), pod.spec.containers[0])
    try:
        return redis_cli_in_pod(
            ctx.cluster, ctx.names.namespace, ctx.names.pod, container, list(args), timeout=budgets.CHAOS_REDIS_CLI_S
        ).strip()
    except RedisCliFailed as exc:
        raise InjectionFailed(f"redis-cli {' '.join(args)[:80]} failed: {exc}") from None


def remove_from_data_volume(ctx: Context, paths: list[str], run_id: str) -> None:
    """Remove `paths` (under the data mount) through a throwaway pod that mounts the Redis claim on the Redis
    pod's node: it works while Redis crash-loops and `kubectl exec` has no container to enter."""
    redis = ctx.cluster.core.read_namespaced_pod(ctx.names.pod, ctx.names.namespace)
    name = f"redis-runbook-undo-{run_id}"[:63].rstrip("-")
    mount = ctx.names.data_dir
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ctx.names.namespace, "labels": {"redis-runbook/undo": run_id}},
        "spec": {
            "nodeName": redis.spec.node_name,
            "restartPolicy": "Never",
            "containers": [
                {
                    "name": "rm",
                    "image": redis.spec.containers[0].image,
                    "command": ["rm", "-f", *paths],
                    "volumeMounts": [{"name": "data", "mountPath": mount}],
                }
            ],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": ctx.names.pvc}}],
        },
    }
    ctx.cluster.core.create_namespaced_pod(ctx.names.namespace, pod)
    try:
        wait_for_pod(
            ctx.cluster,
            ctx.names.namespace,
            name,
            lambda p: p.status.phase in ("Succeeded", "Failed"),
            timeout=budgets.CHAOS_POD_READY_S,
            wanted=f"rm of {len(paths)} file(s) on claim {ctx.names.pvc} finished",
        )
        done = ctx.cluster.core.read_namespaced_pod(name, ctx.names.namespace)
        if done.status.phase != "Succeeded":
            raise HarnessError(f"pod/{name} could not remove {paths} from claim {ctx.names.pvc}")
    finally:
        ctx.cluster.core.delete_namespaced_pod(name, ctx.names.namespace, grace_period_seconds=0)


def remove_pods_the_run_started(ctx: Context, record: dict[str, Any], name: str) -> bool:
    """Delete pod `name` (the runbook's `kubectl run NAME --rm`, left behind when a run is killed while it runs)
    only if it was created after this run's record: a pod of that name someone else made stays."""
    try:
        pod = ctx.cluster.core.read_namespaced_pod(name, ctx.names.namespace)
    except ApiException as exc:
        if exc.status == 404:
            return False
        raise
    if pod.metadata.creation_timestamp.timestamp() < int(record["started_at"]):  # the API keeps whole seconds
        return False
    ctx.cluster.core.delete_namespaced_pod(name, ctx.names.namespace, grace_period_seconds=0)
    return True


# ---------------------------------------------------------------- objects by their recorded state


def without_server_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """An object as it can be created again: no uid, resourceVersion, status or managed fields."""
    clean = copy.deepcopy(obj)
    clean.pop("status", None)
    for key in SERVER_FIELDS:
        clean.get("metadata", {}).pop(key, None)
    return clean


def snapshot_configmap(ctx: Context) -> dict[str, str]:
    return ctx.cluster.core.read_namespaced_config_map(ctx.names.configmap, ctx.names.namespace).data or {}


def restore_configmap(ctx: Context, prior: dict[str, str]) -> bool:
    live = ctx.cluster.core.read_namespaced_config_map(ctx.names.configmap, ctx.names.namespace)
    if (live.data or {}) == prior:
        return False
    live.data = prior
    ctx.cluster.core.replace_namespaced_config_map(ctx.names.configmap, ctx.names.namespace, live)
    return True


def snapshot_network_policy(ctx: Context) -> dict[str, Any]:
    api = ctx.cluster.api_client
    policy = ctx.cluster.networking.read_namespaced_network_policy(ctx.names.network_policy, ctx.names.namespace)
    return without_server_fields(api.sanitize_for_serialization(policy))


def restore_network_policy(ctx: Context, prior: dict[str, Any]) -> bool:
    name, namespace = prior["metadata"]["name"], prior["metadata"]["namespace"]
    try:
        live = ctx.cluster.networking.read_namespaced_network_policy(name, namespace)
    except ApiException as exc:
        if exc.status != 404:
            raise
        ctx.cluster.networking.create_namespaced_network_policy(namespace, prior)
        return True
    if ctx.cluster.api_client.sanitize_for_serialization(live.spec) == prior["spec"]:
        return False
    ctx.cluster.networking.patch_namespaced_network_policy(name, namespace, {"spec": prior["spec"]})
    return True


def snapshot_storage_class(ctx: Context) -> dict[str, Any]:
    api = StorageV1Api(ctx.cluster.api_client)
    return without_server_fields(ctx.cluster.api_client.sanitize_for_serialization(
        api.read_storage_class(ctx.names.storageclass)
    ))  # fmt: skip


def restore_storage_class(ctx: Context, prior: dict[str, Any]) -> bool:
    api = StorageV1Api(ctx.cluster.api_client)
    try:
        api.read_storage_class(prior["metadata"]["name"])
        return False
    except ApiException as exc:
        if exc.status != 404:
            raise
    api.create_storage_class(prior)
    return True


def json_patch(ctx: Context, kind: str, name: str, operations: list[dict[str, Any]]) -> None:
    """`kubectl patch KIND NAME --type json` in Redis's namespace: how a hand edit breaks something."""
    ctx.cluster.kubectl(
        "patch", kind, name, "-n", ctx.names.namespace, "--type", "json", "-p", json.dumps(operations), check=True
    )


# ---------------------------------------------------------------- node actions (nodes chaos.nodes can reach)


def pod_sandbox_pid(ctx: Context, pod_uid: str) -> tuple[NodeHost, int] | None:
    """The node of the Redis pod with UID `pod_uid` and the pid, on that node, of the pod's sandbox (its pause
    process, which holds the pod's network namespace); None when that pod has no running sandbox."""
    try:
        pod = ctx.cluster.core.read_namespaced_pod(ctx.names.pod, ctx.names.namespace)
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise
    if pod.metadata.uid != pod_uid or not pod.spec.node_name:
        return None
    node = node_host(ctx.permit, pod.spec.node_name, "enter the Redis pod's network namespace")
    listing = json.loads(node.crictl("pods", "--name", ctx.names.pod, "--namespace", ctx.names.namespace, "-o", "json"))
    for sandbox in listing.get("items", []):
        if sandbox["metadata"].get("uid") == pod_uid and sandbox.get("state") == "SANDBOX_READY":
            return node, int(json.loads(node.crictl("inspectp", "-o", "json", sandbox["id"]))["info"]["pid"])
    return None


def pod_iptables(node: NodeHost, pid: int, *rule: str) -> subprocess.CompletedProcess[str]:
    """iptables inside the network namespace of process `pid` (a pod's sandbox) on `node`."""
    return node.run(["nsenter", f"--net=/proc/{pid}/ns/net", "iptables", "-w", *rule])
