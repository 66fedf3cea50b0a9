"""Monitoring watches the installed system: every target scraped, the runbook's rules loaded, silence while healthy,
and Alertmanager's notifications reaching the in-cluster webhook a pager would be."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest

from fixtures.core.kube import Cluster
from fixtures.core.names import RunbookNames
from fixtures.core.waits import Seen, wait_for
from fixtures.monitoring import alert_rules, alerting, stack

pytestmark = [pytest.mark.system, pytest.mark.usefixtures("redis_system")]
# A restarted target is scraped within a discovery refresh and a scrape (5 s each); a just-installed system's
# RedisDown, pending or firing while Redis restarted, resolves within an evaluation or two of it being healthy.
TARGETS_TIMEOUT = 60
SILENCE_TIMEOUT = 90
DELIVERY_TIMEOUT = 30


def _expected_targets(names: RunbookNames) -> set[tuple[str, str]]:
    """(job, namespace) of every target the installed system must have, besides kube-state-metrics."""
    return {(stack.EXPORTER_JOB, names.namespace)} | {(stack.CLIENTS_JOB, c.namespace) for c in names.clients}


def test_prometheus_scrapes_every_target_up(cluster: Cluster, names: RunbookNames) -> None:
    wanted = _expected_targets(names) | {(stack.KSM_JOB, "")}

    def all_up() -> Seen:
        targets = alerting.prometheus_targets(cluster)
        up = {(t.job, t.namespace) for t in targets if t.health == "up"}
        down = [f"{t.job}/{t.namespace}/{t.pod}: {t.health} {t.last_error}" for t in targets if t.health != "up"]
        missing = sorted(wanted - up)
        return Seen(not missing and not down, f"missing {missing}; not up: {down}")

    wait_for(all_up, timeout=TARGETS_TIMEOUT, what=f"prometheus in ns {stack.NAMESPACE}: every target up")


def test_exporter_reaches_redis_as_the_pod_can(cluster: Cluster, names: RunbookNames) -> None:
    """redis_up 1 from the sidecar: on the Bitnami-shaped system that needs the pod's own password file."""
    promql = f'redis_up{{job="{stack.EXPORTER_JOB}", namespace="{names.namespace}"}}'

    def redis_up() -> Seen:
        series = alerting.query(cluster, promql)
        return Seen([(s["pod"], v) for s, v in series] == [(names.pod, 1.0)], f"{promql} = {series}")

    wait_for(redis_up, timeout=TARGETS_TIMEOUT, what=f"{promql} == 1 for pod {names.pod}")


def test_every_runbook_alert_rule_is_loaded_and_evaluates(cluster: Cluster) -> None:
    states = alerting.rule_states(cluster)
    assert set(states) == set(alert_rules()), "prometheus must load fixtures/monitoring/alerts.yaml as it is"
    broken = {name: health for name, (_, health) in states.items() if health != "ok"}
    assert not broken, f"rules that do not evaluate: {broken}"


def test_no_alert_fires_on_the_healthy_system(cluster: Cluster, names: RunbookNames) -> None:
    ours = {names.namespace, *(c.namespace for c in names.clients)}

    def silent() -> Seen:
        firing = [
            labels
            for labels in alerting.firing_alerts(cluster)
            if labels.get("namespace", "") in ours | {""} or labels.get("redis_namespace") == names.namespace
        ]
        return Seen(not firing, "firing: " + "; ".join(f"{a['alertname']} {a}" for a in firing))

    wait_for(silent, timeout=SILENCE_TIMEOUT, what=f"no alert firing for ns {names.namespace} and its clients")


def test_alertmanager_delivers_to_the_webhook(cluster: Cluster) -> None:
    """A test alert posted to Alertmanager's API arrives at the receiver, and so does its resolution."""
    labels = {"alertname": "RunbookSuiteSelfTest", "namespace": stack.NAMESPACE, "test_id": uuid.uuid4().hex}
    annotations = {"summary": "the suite checks Alertmanager reaches its webhook"}
    posted = time.time()
    alerting.post_alert(cluster, labels, annotations, dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5))
    try:
        alerting.wait_for_alert(
            cluster, labels["alertname"], "firing", since=posted, timeout=DELIVERY_TIMEOUT, labels=labels
        )
    finally:
        resolved_at = time.time()
        alerting.post_alert(cluster, labels, annotations, dt.datetime.now(dt.UTC))
    alerting.wait_for_alert(
        cluster, labels["alertname"], "resolved", since=resolved_at, timeout=DELIVERY_TIMEOUT, labels=labels
    )
