"""`pytest -m verify`: prove Redis is really back, by the runbook's Verification section. Read-only.

Every check runs on its own: a broken system fails each check with what it measured, never an error in setup.
"""

from __future__ import annotations

import pytest

from checks.prometheus import no_runbook_alert_firing
from checks.runbook.model import Runbook
from checks.verification import checks
from fixtures.core.kube import Cluster
from fixtures.core.names import Client, RunbookNames
from fixtures.core.options import names_from_options

pytestmark = pytest.mark.verify


def _client_ids(client: Client) -> str:
    return client.deployment


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "client" in metafunc.fixturenames:
        clients = names_from_options(metafunc.config).clients
        metafunc.parametrize("client", clients, ids=_client_ids)


# 1. Check Redis Pod is Running
def test_pod_running_and_ready(cluster: Cluster, names: RunbookNames, verify_runbook: Runbook, check) -> None:
    check(lambda: checks.pod_running_and_ready(cluster, names, verify_runbook))


def test_redis_container_not_oom_killed(cluster: Cluster, names: RunbookNames, verify_runbook: Runbook, check) -> None:
    check(lambda: checks.not_oom_killed(cluster, names, verify_runbook))


def test_statefulset_replicas_ready(cluster: Cluster, names: RunbookNames, verify_runbook: Runbook, check) -> None:
    check(lambda: checks.statefulset_replicas_ready(cluster, names, verify_runbook))


# 2. Test Redis Connectivity
def test_responds_to_ping(cluster: Cluster, names: RunbookNames, verify_runbook: Runbook, check) -> None:
    check(lambda: checks.responds_to_ping(cluster, names, verify_runbook))


def test_info_server_reports_expected_version(
    cluster: Cluster, names: RunbookNames, verify_runbook: Runbook, check, request
) -> None:
    expected = request.config.getoption("expected_redis_version")
    check(lambda: checks.reports_expected_version(cluster, names, expected, verify_runbook))


# 3. Test from Client Pods
def test_client_reaches_redis_service(
    cluster: Cluster, names: RunbookNames, client: Client, verify_runbook: Runbook, check
) -> None:
    check(lambda: checks.client_reaches_service(cluster, names, client, verify_runbook))


# 4. Check Redis Performance
def test_latency_within_budget(cluster: Cluster, names: RunbookNames, verify_runbook: Runbook, check) -> None:
    check(lambda: checks.latency_within_budget(cluster, names, verify_runbook))


def test_memory_within_maxmemory_or_limit(
    cluster: Cluster, names: RunbookNames, verify_runbook: Runbook, check
) -> None:
    check(lambda: checks.memory_within_limits(cluster, names, verify_runbook))


def test_both_applications_connected(cluster: Cluster, names: RunbookNames, verify_runbook: Runbook, check) -> None:
    check(lambda: checks.clients_connected(cluster, names, verify_runbook))


# 5. Verify Data Persistence
def test_persistence_enabled(cluster: Cluster, names: RunbookNames, verify_runbook: Runbook, check) -> None:
    check(lambda: checks.persistence_enabled(cluster, names, verify_runbook))


def test_persistence_healthy(cluster: Cluster, names: RunbookNames, verify_runbook: Runbook, check) -> None:
    check(lambda: checks.lastsave_recent(cluster, names, verify_runbook))


def test_persistence_files_present(cluster: Cluster, names: RunbookNames, verify_runbook: Runbook, check) -> None:
    check(lambda: checks.persistence_files_present(cluster, names, verify_runbook))


def test_data_volume_has_free_space(cluster: Cluster, names: RunbookNames, verify_runbook: Runbook, check) -> None:
    check(lambda: checks.data_volume_has_room(cluster, names, verify_runbook))


# 6. Monitor Application Recovery
def test_client_reports_redis_reachable(
    cluster: Cluster, names: RunbookNames, client: Client, verify_runbook: Runbook, check
) -> None:
    check(lambda: checks.client_reports_reachable(cluster, client, verify_runbook))


def test_client_logs_free_of_redis_errors(
    cluster: Cluster, names: RunbookNames, client: Client, verify_runbook: Runbook, check, request
) -> None:
    since = request.config.getoption("clients_clean_since")
    check(lambda: checks.client_logs_clean(cluster, names, client, since, verify_runbook))


# Beyond the runbook: every acknowledged sentinel key is still there.
def test_sentinel_keys_intact(cluster: Cluster, names: RunbookNames, verify_runbook: Runbook, check) -> None:
    check(lambda: checks.sentinel_keys_intact(cluster, names, verify_runbook))


# The runbook starts at an alert: none of its alerts may still fire in the team's Prometheus (--prometheus).
def test_no_runbook_alert_firing(cluster: Cluster, verify_runbook: Runbook, check, request) -> None:
    check(lambda: no_runbook_alert_firing(cluster, request.config.getoption("prometheus"), verify_runbook))
