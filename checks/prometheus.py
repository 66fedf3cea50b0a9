"""Verify's read-only alert check: none of the runbook's alerts is firing in the team's Prometheus.

Prometheus is reached by a plain http(s) URL, or by `svc/NAMESPACE/NAME:PORT` through the API server's
service proxy with the kubeconfig's own credentials (no port-forward). Only GETs of `/api/v1/rules` and
`/api/v1/alerts` are made. A Prometheus without the runbook's own alert (RedisDown) loaded proves nothing by
being quiet: that is a FAIL, not a pass.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from typing import Any

from kubernetes.client.exceptions import ApiException

from checks.runbook.alerts import runbook_alert_names
from checks.runbook.model import Runbook
from checks.verification.expectations import default_runbook, runbook_line
from checks.verification.results import CheckError, CheckResult, Measured, NotCheckable, judged
from fixtures.core import budgets
from fixtures.core.kube import Cluster

SERVICE_ADDRESS = re.compile(r"^svc/(?P<namespace>[a-z0-9-]+)/(?P<service>[a-z0-9-]+(?::[A-Za-z0-9-]+)?)$")
ALERT_HEADER = "## Alert Information"


class BadPrometheusAddress(ValueError):
    """--prometheus names no address the check can read."""


def parse_address(address: str) -> tuple[str, str, str]:
    """("url", URL, "") or ("service", NAMESPACE, NAME:PORT); BadPrometheusAddress in one line otherwise."""
    if address.startswith(("http://", "https://")):
        return "url", address.rstrip("/"), ""
    match = SERVICE_ADDRESS.match(address)
    if match:
        return "service", match["namespace"], match["service"]
    raise BadPrometheusAddress(
        f"--prometheus {address!r}: expected an http(s) URL or svc/NAMESPACE/NAME:PORT, "
        "e.g. svc/monitoring/prometheus:9090"
    )


def prometheus_get(cluster: Cluster, address: str, path: str) -> dict[str, Any]:
    """The `data` of a Prometheus HTTP API answer to GET `path`, read at `address`."""
    try:
        kind, first, second = parse_address(address)
    except BadPrometheusAddress as exc:
        raise CheckError(str(exc)) from None
    try:
        if kind == "url":
            with urllib.request.urlopen(f"{first}{path}", timeout=budgets.EXEC_TIMEOUT_S) as answer:
                text = answer.read().decode()
        else:
            # raw bytes: the client would turn a JSON answer declared as `str` into a Python repr
            text = cluster.core.connect_get_namespaced_service_proxy_with_path(
                second, first, path.lstrip("/"), _preload_content=False, _request_timeout=budgets.EXEC_TIMEOUT_S
            ).data.decode()
    except (urllib.error.URLError, OSError) as exc:
        raise CheckError(f"Prometheus at {address}: GET {path} failed: {exc}") from None
    except ApiException as exc:
        raise CheckError(f"Prometheus at {address} via the API server: GET {path}: HTTP {exc.status}") from None
    return decode_answer(text, address, path)


def decode_answer(text: str, address: str, path: str) -> dict[str, Any]:
    try:
        body = json.loads(text)
    except json.JSONDecodeError:
        raise CheckError(f"Prometheus at {address}: GET {path} answered no JSON: {str(text)[:80]!r}") from None
    if body.get("status") != "success":
        raise CheckError(f"Prometheus at {address}: GET {path}: {body.get('error') or body.get('status')}")
    return body.get("data") or {}


def loaded_alert_names(rules: dict[str, Any]) -> set[str]:
    return {r["name"] for g in rules.get("groups", []) for r in g.get("rules", []) if r.get("type") == "alerting"}


def firing(alerts: dict[str, Any], names: list[str]) -> list[str]:
    """'NAME{label=value,...} since T' for each firing alert named in `names`."""
    shown = []
    for alert in alerts.get("alerts", []):
        labels = alert.get("labels", {})
        if alert.get("state") == "firing" and labels.get("alertname") in names:
            where = ",".join(f"{k}={v}" for k, v in sorted(labels.items()) if k in ("namespace", "pod", "app"))
            shown.append(f"{labels['alertname']}{{{where}}} since {alert.get('activeAt', '?')}")
    return shown


def alerts_verdict(names: list[str], loaded: set[str], firing_now: list[str], address: str) -> Measured:
    """Passes when the runbook's first alert is loaded and none of its alerts fires."""
    if names and names[0] not in loaded:
        return Measured(
            False,
            f"Prometheus at {address} has no alerting rule {names[0]}: its silence says nothing about Redis",
            "load the runbook's rules (fixtures/monitoring/alerts.yaml) or point --prometheus at the one that does",
        )
    not_loaded = [n for n in names if n not in loaded]
    missing = f"; not loaded there: {', '.join(not_loaded)}" if not_loaded else ""
    if firing_now:
        return Measured(False, f"firing: {'; '.join(firing_now)}{missing}")
    return Measured(True, f"none of {len(names) - len(not_loaded)} runbook alerts firing at {address}{missing}")


def no_runbook_alert_firing(cluster: Cluster, address: str | None, runbook: Runbook | None = None) -> CheckResult:
    book = runbook or default_runbook()
    line = runbook_line("**Alert Name:**", runbook=book, after=ALERT_HEADER)

    def measure() -> Measured:
        if not address:
            raise NotCheckable("no Prometheus address given: pass --prometheus URL or svc/NAMESPACE/NAME:PORT")
        names = runbook_alert_names(book)
        # No query string: the service proxy would escape its "?" (HTTP 404); loaded_alert_names keeps alerting rules.
        loaded = loaded_alert_names(prometheus_get(cluster, address, "/api/v1/rules"))
        return alerts_verdict(names, loaded, firing(prometheus_get(cluster, address, "/api/v1/alerts"), names), address)

    return judged("no runbook alert firing", line, measure)
