"""Undo records: written to the target cluster before a fault changes anything, cleared once undone.

A record holds the prior state of exactly what its injection changes, so a later run (or
`python -m chaos repair`) can restore it after a killed run. One ConfigMap, one key per failure mode.
"""

from __future__ import annotations

import json
from typing import Any

from kubernetes.client.exceptions import ApiException

from chaos.safety import Permit
from fixtures.core.kube import Cluster

UNDO_CONFIGMAP = "redis-runbook-undo"
UNDO_NAMESPACE = "kube-system"
WHERE = f"ConfigMap {UNDO_NAMESPACE}/{UNDO_CONFIGMAP}"


def _data(cluster: Cluster) -> dict[str, str]:
    try:
        return cluster.core.read_namespaced_config_map(UNDO_CONFIGMAP, UNDO_NAMESPACE).data or {}
    except ApiException as exc:
        if exc.status == 404:
            return {}
        raise


def write(permit: Permit, mode: str, record: dict[str, Any]) -> None:
    body = {"metadata": {"name": UNDO_CONFIGMAP}, "data": {mode: json.dumps(record)}}
    try:
        permit.cluster.core.patch_namespaced_config_map(UNDO_CONFIGMAP, UNDO_NAMESPACE, body)
    except ApiException as exc:
        if exc.status != 404:
            raise
        permit.cluster.core.create_namespaced_config_map(UNDO_NAMESPACE, body)


def clear(permit: Permit, mode: str) -> None:
    if mode in _data(permit.cluster):
        permit.cluster.core.patch_namespaced_config_map(UNDO_CONFIGMAP, UNDO_NAMESPACE, {"data": {mode: None}})


def pending(cluster: Cluster) -> dict[str, dict[str, Any]]:
    """Faults whose undo never finished (a killed or interrupted run): mode -> record. Reads only."""
    return {mode: json.loads(text) for mode, text in _data(cluster).items()}
