"""Undo records: written to the target cluster before a fault changes anything, cleared once undone.

A record holds the prior state of exactly what its injection changes, so a later run (or
`python -m chaos repair`) can restore it after a killed run. One ConfigMap, one key per failure mode and
Redis namespace (`<namespace>.<mode>`: each cell keeps its own). A key without a namespace was written before cells:
only a repair outside a cell (`python -m chaos repair`, a run without pytest-xdist, the first cell) restores it.
"""

from __future__ import annotations

import json
from typing import Any

from kubernetes.client.exceptions import ApiException

from chaos.safety import Permit
from fixtures.core.kube import Cluster
from fixtures.core.names import RunbookNames, client_specs, with_overrides

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


def key(namespace: str, mode: str) -> str:
    return f"{namespace}.{mode}"


def _split(data_key: str) -> tuple[str | None, str]:
    namespace, dot, mode = data_key.rpartition(".")
    return (namespace, mode) if dot else (None, data_key)


def write(permit: Permit, mode: str, record: dict[str, Any]) -> None:
    names = permit.target.names
    record = {**record, "redis_namespace": names.namespace, "clients": client_specs(names.clients)}
    body = {"metadata": {"name": UNDO_CONFIGMAP}, "data": {key(names.namespace, mode): json.dumps(record)}}
    try:
        permit.cluster.core.patch_namespaced_config_map(UNDO_CONFIGMAP, UNDO_NAMESPACE, body)
        return
    except ApiException as exc:
        if exc.status != 404:
            raise
    try:
        permit.cluster.core.create_namespaced_config_map(UNDO_NAMESPACE, body)
    except ApiException as exc:
        if exc.status != 409:  # another cell created it first: add this record to it
            raise
        permit.cluster.core.patch_namespaced_config_map(UNDO_CONFIGMAP, UNDO_NAMESPACE, body)


def clear(permit: Permit, data_key: str) -> None:
    """Drop the record under `data_key` (`key(namespace, mode)`, or a record's bare mode from before cells)."""
    if data_key in _data(permit.cluster):
        permit.cluster.core.patch_namespaced_config_map(UNDO_CONFIGMAP, UNDO_NAMESPACE, {"data": {data_key: None}})


def pending(cluster: Cluster, namespace: str) -> dict[str, dict[str, Any]]:
    """Faults of the Redis in `namespace` whose undo never finished (a killed or interrupted run): mode -> record.
    Reads only."""
    return {mode: record for (owner, mode), record in pending_anywhere(cluster).items() if owner == namespace}


def pending_anywhere(cluster: Cluster) -> dict[tuple[str | None, str], dict[str, Any]]:
    """Every pending record, by (Redis namespace, or None for a key from before cells, mode). Reads only."""
    return {_split(data_key): json.loads(text) for data_key, text in _data(cluster).items()}


def names_of(record: dict[str, Any], base: RunbookNames) -> RunbookNames:
    """The names of the system a record was written for (`base` with its namespace and clients)."""
    namespace = record.get("redis_namespace")
    if not namespace:
        return base
    clients = [spec for spec in str(record.get("clients", "")).split(",") if spec]
    return with_overrides(base, {"namespace": namespace}, clients)
