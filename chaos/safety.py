"""The one gate every cluster change goes through: no permit, no change.

A permit is granted for the cluster `python -m fixtures.cluster up` recorded (same API server URL and
kube-system UID), or for a context the user named with --allow-chaos-on. Injections, undo, repair,
node actions and the system tests that break Redis all need one; refusing happens before anything
is written, polled or rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass

from chaos.errors import ChaosRefused
from chaos.target import Target
from fixtures.core.kube import Cluster, ClusterUnreachable


@dataclass(frozen=True)
class Permit:
    """Proof that `cluster` may be changed, and why."""

    cluster: Cluster
    target: Target
    reason: str
    local: bool  # the suite's own cluster: its node is this machine, node actions act on it


def connect(target: Target) -> Cluster:
    """The target's cluster (reads only); ChaosRefused in one line when it cannot be reached."""
    try:
        return Cluster.connect(target.kubeconfig, target.context)
    except ClusterUnreachable as exc:
        raise ChaosRefused(f"refusing to run: {exc}") from None


def authorize(target: Target) -> Permit:
    """A permit for the target's cluster, or ChaosRefused naming the context and API server."""
    cluster = connect(target)
    if cluster.created_by_suite():
        return Permit(cluster, target, "created by `python -m fixtures.cluster up`", local=True)
    if cluster.context in target.allow_chaos_on:
        return Permit(cluster, target, f"allowed with --allow-chaos-on {cluster.context}", local=False)
    raise ChaosRefused(
        f"refusing to change context {cluster.context!r} (API server {cluster.server}): it is not the cluster "
        f"`python -m fixtures.cluster up` created; pass --allow-chaos-on {cluster.context} "
        f"(RUNBOOK_ALLOW_CHAOS_ON={cluster.context} for `chaos run`) if it is yours to break"
    )
