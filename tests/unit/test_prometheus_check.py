"""Verify's no-alert-firing check (checks/prometheus.py): its pure parts, then the check against a real Prometheus
server (Debian's, the one setup.sh installs for promtool) run on loopback for a few seconds, no cluster."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from checks.prometheus import (
    BadPrometheusAddress,
    alerts_verdict,
    firing,
    loaded_alert_names,
    no_runbook_alert_firing,
    parse_address,
    prometheus_get,
)
from checks.verification.results import CheckResult
from fixtures.core.waits import Seen, wait_for

pytestmark = pytest.mark.unit

NAMES = ["RedisDown", "RedisHighMemory", "HomepageRedisDown"]
PROMETHEUS_START_TIMEOUT_S = 30


def test_an_address_is_a_url_or_a_service_through_the_api_server() -> None:
    assert parse_address("http://127.0.0.1:9090/") == ("url", "http://127.0.0.1:9090", "")
    assert parse_address("svc/monitoring/prometheus:9090") == ("service", "monitoring", "prometheus:9090")


@pytest.mark.parametrize("bad", ["prometheus:9090", "svc/monitoring", "ftp://x", "svc/Mon/p:1"])
def test_any_other_address_is_one_clear_error(bad: str) -> None:
    with pytest.raises(BadPrometheusAddress, match="expected an http\\(s\\) URL or svc/NAMESPACE/NAME:PORT"):
        parse_address(bad)


def test_only_firing_runbook_alerts_count() -> None:
    alerts = {
        "alerts": [
            {"labels": {"alertname": "RedisDown", "namespace": "redis"}, "state": "firing", "activeAt": "T1"},
            {"labels": {"alertname": "RedisHighMemory"}, "state": "pending", "activeAt": "T2"},
            {"labels": {"alertname": "Watchdog"}, "state": "firing", "activeAt": "T3"},
        ]
    }
    assert firing(alerts, NAMES) == ["RedisDown{namespace=redis} since T1"]


def test_a_prometheus_without_the_runbooks_alert_proves_nothing() -> None:
    verdict = alerts_verdict(NAMES, {"Watchdog"}, [], "http://p")
    assert not verdict.ok and "no alerting rule RedisDown" in verdict.value


def test_quiet_with_the_rules_loaded_passes_and_names_what_is_not_loaded() -> None:
    verdict = alerts_verdict(NAMES, {"RedisDown", "RedisHighMemory"}, [], "http://p")
    assert verdict.ok and "none of 2 runbook alerts firing" in verdict.value and "HomepageRedisDown" in verdict.value


def test_rules_answer_lists_alerting_rules_only() -> None:
    rules = {"groups": [{"rules": [{"name": "RedisDown", "type": "alerting"}, {"name": "x:y", "type": "recording"}]}]}
    assert loaded_alert_names(rules) == {"RedisDown"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ready(url: str) -> Seen:
    with urllib.request.urlopen(f"{url}/-/ready", timeout=2) as answer:
        return Seen(answer.status == 200, f"HTTP {answer.status}")


@pytest.fixture
def prometheus(tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen[bytes]]]:
    """A real Prometheus on loopback evaluating every second the rules written to the returned path."""
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.skip("prometheus is not installed: run scripts/setup.sh")
    rules = tmp_path / "rules.yaml"
    rules.write_text("groups: []\n")
    config = tmp_path / "prometheus.yaml"
    config.write_text(yaml.safe_dump({"global": {"evaluation_interval": "1s"}, "rule_files": [str(rules)]}))
    url = f"http://127.0.0.1:{free_port()}"
    argv = [binary, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}"]
    argv.append(f"--web.listen-address={url.removeprefix('http://')}")
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: ready(url), timeout=PROMETHEUS_START_TIMEOUT_S, what=f"prometheus at {url} ready")
        yield url, rules, process
    finally:
        process.terminate()
        process.wait(timeout=30)


def load_rules(prometheus: tuple[str, Path, subprocess.Popen[bytes]], *rules: dict) -> None:
    """Write `rules` as the rules file and have Prometheus reload it (SIGHUP); wait until it lists them."""
    url, path, process = prometheus
    path.write_text(yaml.safe_dump({"groups": [{"name": "t", "interval": "1s", "rules": list(rules)}]}))
    process.send_signal(signal.SIGHUP)
    wanted = {r["alert"] for r in rules}
    wait_for(
        lambda: Seen(wanted <= loaded_alert_names(prometheus_get(None, url, "/api/v1/rules")), "reloading"),  # type: ignore[arg-type]
        timeout=PROMETHEUS_START_TIMEOUT_S,
        what=f"rules {sorted(wanted)} loaded by prometheus at {url}",
    )


def check(url: str) -> CheckResult:
    return no_runbook_alert_firing(None, url)  # type: ignore[arg-type]  (a URL needs no cluster)


def test_against_a_real_prometheus_no_rule_fails_quiet_passes_firing_fails(prometheus) -> None:
    url = prometheus[0]
    without = check(url)
    assert not without.ok and "no alerting rule RedisDown" in without.value, without
    load_rules(prometheus, {"alert": "RedisDown", "expr": "vector(1) > 2"})
    quiet = check(url)
    assert quiet.ok and "none of 1 runbook alerts firing" in quiet.value, quiet
    load_rules(prometheus, {"alert": "RedisDown", "expr": 'label_replace(vector(1), "namespace", "redis", "", "")'})
    wait_for(
        lambda: Seen("firing: RedisDown{namespace=redis}" in (r := check(url)).value, r.value),
        timeout=PROMETHEUS_START_TIMEOUT_S,
        what=f"RedisDown firing in prometheus at {url}",
    )
    assert not check(url).ok


def test_the_check_is_skipped_with_its_reason_without_an_address() -> None:
    result = no_runbook_alert_firing(None, None)  # type: ignore[arg-type]
    assert result.skipped and "--prometheus" in result.skipped
