"""The monitoring stack's generated configuration, manifests and helpers, without a cluster."""

from __future__ import annotations

import json
import re
import subprocess
import threading
import urllib.request
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from fixtures.cluster.images import catalogue
from fixtures.core.kube import free_local_port
from fixtures.core.names import BITNAMI, RUNBOOK
from fixtures.monitoring import RULES_PATH, alert_timing, alerting, pod_discovery, receiver, stack
from fixtures.sut.chart_repo import CHART_DIR, helm_path
from fixtures.sut.release import HELMRELEASE

pytestmark = pytest.mark.unit


def _job(name: str) -> dict[str, Any]:
    return next(j for j in stack.prometheus_config()["scrape_configs"] if j["job_name"] == name)


def _seconds(duration: str) -> float:
    value, unit = re.fullmatch(r"(\d+)(ms|s|m)", duration).groups()  # type: ignore[union-attr]
    return int(value) * {"ms": 0.001, "s": 1, "m": 60}[unit]


def test_scrape_jobs_are_the_ones_the_rules_read() -> None:
    rules = RULES_PATH.read_text()
    jobs = {j["job_name"] for j in stack.prometheus_config()["scrape_configs"]}
    assert {stack.EXPORTER_JOB, stack.CLIENTS_JOB, stack.KSM_JOB} == jobs
    for job in (stack.EXPORTER_JOB, stack.CLIENTS_JOB):
        assert f'job="{job}"' in rules, f"the rules no longer read job {job}"
    assert _job(stack.KSM_JOB)["honor_labels"] is True, "kube_* series must keep the objects' namespace and pod"


def test_intervals_let_time_to_alert_measure_the_rules() -> None:
    config = stack.prometheus_config()["global"]
    group = yaml.safe_load(RULES_PATH.read_text())["groups"][0]
    assert 5 <= _seconds(config["scrape_interval"]) <= 10
    assert _seconds(config["scrape_timeout"]) < _seconds(config["scrape_interval"])
    assert _seconds(config["evaluation_interval"]) == _seconds(group["interval"]) == 10
    route = stack.alertmanager_config()["route"]
    assert _seconds(route["group_wait"]) <= 5 and _seconds(route["group_interval"]) <= 5


def test_every_alert_goes_to_the_in_cluster_webhook_resolutions_too() -> None:
    config = stack.alertmanager_config()
    (receiver_config,) = config["receivers"]
    assert config["route"]["receiver"] == receiver_config["name"]
    (hook,) = receiver_config["webhook_configs"]
    assert hook == {"url": stack.RECEIVER_URL, "send_resolved": True}
    assert hook["url"].startswith(f"http://alert-receiver.{stack.NAMESPACE}.svc")


@pytest.mark.parametrize("names", [RUNBOOK, BITNAMI], ids=["runbook", "bitnami"])
def test_each_client_is_labelled_with_the_redis_it_uses(names: Any) -> None:
    relabels = _job(stack.CLIENTS_JOB)["relabel_configs"]
    for client in names.clients:
        # Prometheus anchors relabel regexes; the first that matches sets the label (they do not overlap).
        matched = [r["replacement"] for r in relabels if re.fullmatch(r["regex"], client.namespace)]
        assert matched == [names.namespace], client


def test_discovery_asks_for_each_clients_own_container_and_the_redis_exporter() -> None:
    urls = [sd["url"] for sd in _job(stack.CLIENTS_JOB)["http_sd_configs"]]
    for client in (*RUNBOOK.clients, *BITNAMI.clients):
        assert stack.pod_discovery_url([client.namespace], client.deployment, "http") in urls
    (exporter,) = _job(stack.EXPORTER_JOB)["http_sd_configs"]
    assert exporter["url"].endswith("?namespace=monitoring&container=redis-exporter&port=9121")


def _pod(name: str, namespace: str, ip: str | None, phase: str, containers: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"containers": containers},
        "status": {"podIP": ip, "phase": phase} if ip else {"phase": phase},
    }


def test_pod_discovery_gives_the_pods_own_namespace_and_name() -> None:
    exporter = {"name": "redis-exporter", "ports": [{"name": "metrics", "containerPort": 9121}]}
    redis = {"name": "redis", "ports": [{"name": "redis", "containerPort": 6379}]}
    pods = [
        _pod("redis-master-0", "redis", "10.244.0.5", "Running", [redis, exporter]),
        _pod("redis-master-0", "redis-bitnami", None, "Pending", [redis, exporter]),  # no IP yet: no target
        _pod("old", "redis", "10.244.0.6", "Failed", [redis, exporter]),
    ]
    assert pod_discovery.targets(pods, "redis-exporter", "9121") == [
        {"targets": ["10.244.0.5:9121"], "labels": {"namespace": "redis", "pod": "redis-master-0"}}
    ]
    assert pod_discovery.targets(pods, "redis-exporter", "metrics") == pod_discovery.targets(
        pods, "redis-exporter", "9121"
    )
    assert pod_discovery.targets(pods, "redis", "9121") == []


def test_manifests_use_only_images_built_here_and_restart_on_config_change() -> None:
    files = stack.config_files()
    docs = [d for d in yaml.safe_load_all(stack.render_manifests(files)) if d]
    built = {ref for spec in catalogue.image_specs(Path("/nonexistent")) for ref in spec.refs}
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    assert set(deployments) == set(stack.DEPLOYMENTS)
    for dep in deployments.values():
        for container in dep["spec"]["template"]["spec"]["containers"]:
            assert container["image"] in built, f"{dep['metadata']['name']}: {container['image']} is not built"
    assert {d["metadata"]["name"] for d in docs if d["kind"] == "ConfigMap"} == set(files)
    assert all(d["metadata"].get("namespace", stack.NAMESPACE) == stack.NAMESPACE for d in docs)
    changed = {**files, "prometheus-rules": {"alerts.yaml": "groups: []\n"}}
    assert stack.config_digest(changed) != stack.config_digest(files)
    assert "@CONFIG_DIGEST@" not in stack.render_manifests(files)


def test_loaded_rules_are_the_repository_rules_file() -> None:
    assert stack.config_files()["prometheus-rules"]["alerts.yaml"] == RULES_PATH.read_text()
    assert stack.prometheus_config()["rule_files"] == [stack.RULES_PATH]


NOTIFICATION = {
    "received_at": 1000.5,
    "payload": {
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "RedisDown", "namespace": "redis", "severity": "critical"},
                "startsAt": "2026-01-01T00:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
            },
            {"status": "resolved", "labels": {"alertname": "HomepageRedisDown", "namespace": "homepage"}},
        ],
    },
}


def test_alert_events_are_read_from_the_webhooks_notifications() -> None:
    events = alerting.alert_events([NOTIFICATION])
    assert [(e.alertname, e.namespace, e.status, e.received_at) for e in events] == [
        ("RedisDown", "redis", "firing", 1000.5),
        ("HomepageRedisDown", "homepage", "resolved", 1000.5),
    ]
    assert alerting.first_event(events, "RedisDown", "firing", since=1000, namespace="redis") == events[0]
    assert alerting.first_event(events, "RedisDown", "firing", since=1001) is None
    assert alerting.first_event(events, "RedisDown", "firing", since=0, namespace="redis-bitnami") is None
    assert alerting.first_event(events, "RedisDown", "firing", since=0, labels={"severity": "critical"}) == events[0]
    assert alerting.first_event(events, "RedisDown", "firing", since=0, labels={"severity": "warning"}) is None


def test_receiver_keeps_what_it_is_sent_and_serves_it_back() -> None:
    port = free_local_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), receiver.Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        body = json.dumps(NOTIFICATION["payload"]).encode()
        post = urllib.request.Request(f"http://127.0.0.1:{port}/", data=body, method="POST")
        post.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(post, timeout=5) as answer:
            assert answer.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
            kept = json.load(answer)["notifications"]
    finally:
        server.shutdown()
        server.server_close()
    assert kept[-1]["payload"] == NOTIFICATION["payload"]
    assert isinstance(kept[-1]["received_at"], float)


def _render(chart: Path, namespace: str, values: dict[str, Any]) -> list[dict[str, Any]]:
    helm = helm_path()
    if not helm.is_file():
        pytest.skip(f"no helm binary at {helm} (`python -m fixtures.cluster up` builds it)")
    proc = subprocess.run(
        [str(helm), "template", "redis", str(chart), "-n", namespace, "-f", "-"],
        input=yaml.safe_dump(values),
        capture_output=True,
        text=True,
        check=True,
    )
    return [d for d in yaml.safe_load_all(proc.stdout) if d]


def _helmrelease_values(path: Path) -> dict[str, Any]:
    release = next(d for d in yaml.safe_load_all(path.read_text()) if d and d["kind"] == "HelmRelease")
    return release["spec"].get("values", {})


@pytest.mark.parametrize("names", [RUNBOOK, BITNAMI], ids=["runbook", "bitnami"])
def test_each_redis_has_an_exporter_reading_it_as_the_clients_do(names: Any) -> None:
    dep = stack.exporter_deployment(names, "digest")
    pod = dep["spec"]["template"]
    (container,) = pod["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    assert env["REDIS_ADDR"]["value"] == f"redis://{names.service_host}:{names.port}"
    connect = _seconds(env["REDIS_EXPORTER_CONNECTION_TIMEOUT"]["value"])
    assert connect < _seconds(stack.prometheus_config()["global"]["scrape_timeout"]), "redis_up 0, not a failed scrape"
    secret_ref = env["REDIS_PASSWORD"]["valueFrom"]["secretKeyRef"]
    assert secret_ref == {"name": f"redis-password-{names.namespace}", "key": "redis-password", "optional": True}
    assert container["image"] == catalogue.REDIS_EXPORTER_IMAGE == stack.EXPORTER_IMAGE
    assert {"name": "metrics", "containerPort": stack.EXPORTER_PORT} in container["ports"]
    labels = pod["metadata"]["labels"]
    assert labels[stack.WATCHES_NAMESPACE_LABEL] == names.namespace and labels[stack.WATCHES_POD_LABEL] == names.pod
    assert pod["metadata"]["annotations"]["checksum/password"] == "digest"
    assert dep["metadata"]["namespace"] == stack.NAMESPACE


def test_exporter_series_carry_the_watched_redis_namespace_and_pod() -> None:
    exporter = {"name": stack.EXPORTER_CONTAINER, "ports": [{"name": "metrics", "containerPort": stack.EXPORTER_PORT}]}
    pod = _pod("redis-exporter-redis-abc", stack.NAMESPACE, "10.244.0.9", "Running", [exporter])
    pod["metadata"]["labels"] = stack.exporter_deployment(RUNBOOK)["spec"]["template"]["metadata"]["labels"]
    (group,) = pod_discovery.targets([pod], stack.EXPORTER_CONTAINER, str(stack.EXPORTER_PORT))
    labels = dict(group["labels"])
    for rule in _job(stack.EXPORTER_JOB)["relabel_configs"]:  # Prometheus's relabelling, for these three rules
        value = ";".join(labels.get(name, "") for name in rule["source_labels"])
        if rule.get("action") == "keep":
            assert re.fullmatch(rule["regex"], value), rule
        else:
            labels[rule["target_label"]] = value
    assert (labels["namespace"], labels["pod"]) == (RUNBOOK.namespace, RUNBOOK.pod)


def test_runbook_chart_admits_the_exporter_to_redis() -> None:
    docs = _render(CHART_DIR, "redis", _helmrelease_values(HELMRELEASE))
    (policy,) = [d for d in docs if d["kind"] == "NetworkPolicy"]
    (rule,) = [r for r in policy["spec"]["ingress"] if r["ports"][0]["port"] == 6379]
    monitoring = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": stack.NAMESPACE}}}
    assert monitoring in rule["from"]
    (sts,) = [d for d in docs if d["kind"] == "StatefulSet"]
    assert len(sts["spec"]["template"]["spec"]["containers"]) == 1, "the runbook says 1/1 READY: no sidecar"


def _event(name: str, namespace: str, status: str, at: float) -> alerting.AlertEvent:
    labels = {"alertname": name, "namespace": namespace}
    return alerting.AlertEvent(name, namespace, status, "", "", at, labels)


def test_alert_path_times_the_page_from_the_fault_and_the_resolution_from_verification() -> None:
    events = [
        _event("RedisDown", "redis", "firing", 90.0),  # before the fault: an earlier run's
        _event("RedisDown", "redis-bitnami", "firing", 120.0),  # the other system's
        _event("RedisDown", "redis", "firing", 145.0),
        _event("AgentBrunoRedisConnectionFailure", "bruno", "firing", 146.0),
        _event("RedisDown", "redis", "resolved", 210.0),
    ]
    path = alert_timing.alert_path(events, RUNBOOK, fault_at=100.0, verified_at=200.0)
    assert path == alert_timing.AlertPath(
        fired=["RedisDown", "AgentBrunoRedisConnectionFailure"],
        redis_down_after_s=45.0,
        redis_down_resolved_after_s=10.0,
        redis_down_fired_at=145.0,
        redis_down_resolved_at=210.0,
    )
    silent = alert_timing.alert_path(events[:2], RUNBOOK, fault_at=100.0, verified_at=200.0)
    assert silent.redis_down_after_s is None and silent.fired == []


def test_journal_times_come_from_the_runners_detect_and_verify_outputs() -> None:
    journal = {"run": [{"output": {"fault_in_effect_at": 100.5}}, {"output": "text"}, {"output": {"verified_at": 200}}]}
    assert alert_timing.journal_times(journal) == (100.5, 200.0)
    assert alert_timing.journal_times({"summary": {}, "chaostoolkit_journal": journal}) == (100.5, 200.0)
