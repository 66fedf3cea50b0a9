"""Explaining a runbook finding about an exec'd container: which workload a `kubectl exec` runs in, and what that
workload really has instead (credentials in its env, a ConfigMap mounted elsewhere, its image). Reads only.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from kubernetes.client import V1PodSpec

from checks.runbook.outcome import pipeline_stages
from fixtures.core.kube import Cluster


@dataclass(frozen=True)
class ExecTarget:
    """What a `kubectl exec` runs in: the workload, and the command inside it."""

    namespace: str
    kind: str  # pod, deployment, statefulset
    name: str
    inner: tuple[str, ...]


EXEC_KINDS = {"pod": "pod", "pods": "pod", "po": "pod", "deployment": "deployment", "deploy": "deployment"}
EXEC_KINDS |= {"deployments": "deployment", "statefulset": "statefulset", "sts": "statefulset"}


def exec_target(text: str) -> ExecTarget | None:
    """The workload a `kubectl exec ... -- CMD` (first pipeline stage) runs in, or None for other commands."""
    try:
        words = shlex.split(pipeline_stages(text)[0])
    except ValueError:
        return None
    if words[:2] != ["kubectl", "exec"] or "--" not in words:
        return None
    own, inner = words[2 : words.index("--")], words[words.index("--") + 1 :]
    namespace, positional, skip = "default", [], False
    for i, word in enumerate(own):
        if skip:
            skip = False
        elif word in ("-n", "--namespace", "-c", "--container"):
            skip = True
            namespace = own[i + 1] if word in ("-n", "--namespace") and i + 1 < len(own) else namespace
        elif word.startswith("--namespace="):
            namespace = word.split("=", 1)[1]
        elif not word.startswith("-"):
            positional.append(word)
    if not positional:
        return None
    kind, _, name = positional[0].rpartition("/")
    if kind and kind not in EXEC_KINDS:
        return None
    return ExecTarget(namespace, EXEC_KINDS.get(kind, "pod"), name, tuple(inner))


def hint(cluster: Cluster, target: ExecTarget, spec: V1PodSpec, reason: str) -> str:
    """Where the target really has what the finding says is missing: credentials, a config file, a tool."""
    container = spec.containers[0]
    where = f"{target.kind}/{target.name} in {target.namespace}"
    if reason.startswith("redis-cli answered"):
        env = {e.name for e in container.env or []}
        present = [n for n in ("REDIS_PASSWORD_FILE", "REDIS_PASSWORD", "REDISCLI_AUTH") if n in env]
        return f"{where} sets {', '.join(present)}" if present else ""
    if reason.startswith("the runbook assumes a tool"):
        return f"image {container.image} of {where}"
    if reason.startswith(("a path that does not exist", "a path the container's user cannot read")):
        path = next((w for w in target.inner if w.startswith("/")), "")
        return _config_location(cluster, target.namespace, spec, container.volume_mounts or [], path)
    return ""


def _config_location(cluster: Cluster, namespace: str, spec: V1PodSpec, mounts: list, path: str) -> str:
    """`PATH` is missing: where a ConfigMap holding a file of that name is mounted instead, if one is."""
    configmaps = {v.name: v.config_map.name for v in spec.volumes or [] if v.config_map is not None}
    basename = path.rstrip("/").rpartition("/")[2]
    for mount in mounts:
        configmap = configmaps.get(mount.name)
        if configmap is None:
            continue
        keys = cluster.core.read_namespaced_config_map(configmap, namespace).data or {}
        if basename in keys or mount.sub_path == basename:
            real = mount.mount_path if mount.sub_path else f"{mount.mount_path.rstrip('/')}/{basename}"
            return f"it is at {real} (ConfigMap {configmap} mounted at {mount.mount_path})"
    return ""
