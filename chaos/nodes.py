"""Reaching a node's own processes (its kubelet, its pod sandboxes) for the node actions of chaos.

The permit says the cluster may be changed; this module says whether the suite can reach the node, and how:
- the suite's own cluster: its one node is this machine (processes it started, its containerd);
- a kind node: a container of a docker daemon, named by the Node's providerID `kind://docker/CLUSTER/NODE`
  (kind sets it on every node), whose kubelet is a systemd unit inside the container.
Any other node is refused in one line before anything changes. What is needed to reach a node again after a
kill -9 (`as_record`) goes into the run's undo record.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from typing import Protocol

from chaos.errors import ChaosRefused, HarnessError
from chaos.safety import Permit
from fixtures.cluster import cluster as local_cluster
from fixtures.cluster import config as cluster_config
from fixtures.cluster import processes
from fixtures.core import budgets

KIND_PROVIDER_ID = re.compile(r"^kind://(?P<runtime>docker)/(?P<cluster>[^/]+)/(?P<node>[^/]+)$")
KIND_CLUSTER_LABEL = "io.x-k8s.kind.cluster"  # kind's label on its node containers


class NodeHost(Protocol):
    """One node the suite can act on."""

    node: str

    def run(self, argv: list[str]) -> subprocess.CompletedProcess[str]: ...

    def crictl(self, *args: str) -> str: ...

    def kubelet_running(self) -> bool: ...

    def stop_kubelet(self) -> None: ...

    def start_kubelet(self) -> None: ...

    def as_record(self) -> dict[str, str]: ...


def _completed(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=budgets.CHAOS_NODE_COMMAND_S)


def _stdout_or_error(proc: subprocess.CompletedProcess[str], what: str) -> str:
    if proc.returncode != 0:
        raise HarnessError(f"{what} failed: {(proc.stderr or proc.stdout).strip()[:200]}")
    return proc.stdout


@dataclass(frozen=True)
class ThisMachine:
    """The local cluster's node: this machine's kubelet process and containerd."""

    node: str

    def run(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        return _completed(argv)

    def crictl(self, *args: str) -> str:
        crictl = cluster_config.TOOLS_BIN / "crictl"
        endpoint = f"--runtime-endpoint=unix://{cluster_config.CONTAINERD_SOCKET}"
        return _stdout_or_error(self.run([str(crictl), endpoint, *args]), f"crictl {' '.join(args)[:80]}")

    def kubelet_running(self) -> bool:
        return processes.is_running("kubelet")

    def stop_kubelet(self) -> None:
        processes.stop("kubelet")

    def start_kubelet(self) -> None:
        local_cluster.start_component("kubelet")

    def as_record(self) -> dict[str, str]:
        return {"provider": "local", "node": self.node}


@dataclass(frozen=True)
class KindNode:
    """A kind node: container `node` of the docker daemon at `docker_host` ("" for docker's default)."""

    node: str
    cluster: str
    docker_host: str

    def _docker(self, *args: str) -> subprocess.CompletedProcess[str]:
        host = ["--host", self.docker_host] if self.docker_host else []
        return _completed(["docker", *host, *args])

    def run(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        return self._docker("exec", self.node, *argv)

    def crictl(self, *args: str) -> str:
        return _stdout_or_error(self.run(["crictl", *args]), f"crictl {' '.join(args)[:80]} on {self.node}")

    def kubelet_running(self) -> bool:
        return self.run(["systemctl", "is-active", "--quiet", "kubelet"]).returncode == 0

    def stop_kubelet(self) -> None:
        _stdout_or_error(self.run(["systemctl", "stop", "kubelet"]), f"systemctl stop kubelet on {self.node}")

    def start_kubelet(self) -> None:
        _stdout_or_error(self.run(["systemctl", "start", "kubelet"]), f"systemctl start kubelet on {self.node}")

    def belongs_to_cluster(self) -> str | None:
        """None when container `node` is kind cluster `cluster`'s node; else why not."""
        proc = self._docker("inspect", "--type", "container", "--format", "{{json .Config.Labels}}", self.node)
        if proc.returncode != 0:
            return f"docker has no container {self.node!r}: {proc.stderr.strip()[:120]}"
        label = (json.loads(proc.stdout or "{}") or {}).get(KIND_CLUSTER_LABEL)
        if label != self.cluster:
            return f"container {self.node!r} is labelled {KIND_CLUSTER_LABEL}={label!r}, not {self.cluster!r}"
        return None

    def as_record(self) -> dict[str, str]:
        return {"provider": "kind", "node": self.node, "cluster": self.cluster, "docker_host": self.docker_host}


def kind_node_of(provider_id: str) -> tuple[str, str] | None:
    """(kind cluster, node container) named by a kind node's providerID; None for any other providerID."""
    match = KIND_PROVIDER_ID.match(provider_id or "")
    return (match["cluster"], match["node"]) if match else None


def node_host(permit: Permit, node_name: str, action: str) -> NodeHost:
    """The node `node_name` as something the suite can act on, or ChaosRefused saying why not."""
    if permit.local:
        return ThisMachine(node_name)
    node = permit.cluster.core.read_node(node_name)
    provider_id = node.spec.provider_id or ""
    kind = kind_node_of(provider_id)
    if kind is None:
        raise ChaosRefused(
            f"refusing to {action} on node {node_name} of context {permit.cluster.context!r}: node actions exist "
            f"for the suite's own cluster and for kind nodes, and this node's providerID is {provider_id!r}"
        )
    host = KindNode(node_name, kind[0], permit.target.docker_host)
    wrong = host.belongs_to_cluster()
    if wrong:
        raise ChaosRefused(f"refusing to {action} on kind node {node_name}: {wrong}")
    return host


def redis_node_host(permit: Permit, action: str) -> NodeHost:
    """The node Redis's pod is scheduled on."""
    names = permit.target.names
    pod = permit.cluster.core.read_namespaced_pod(names.pod, names.namespace)
    if not pod.spec.node_name:
        raise ChaosRefused(f"refusing to {action}: pod/{names.pod} is not scheduled on any node")
    return node_host(permit, pod.spec.node_name, action)
