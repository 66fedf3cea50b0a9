"""The one list of verification checks: `pytest -m verify` runs each of them, and every chaos experiment judges each
of them before the fault and after the recovery. A check the chaos run does not judge says why by name (`in_chaos`),
in the journal, instead of being left out of a list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from checks.prometheus import no_runbook_alert_firing
from checks.runbook.model import Runbook
from checks.verification import checks
from checks.verification.results import CheckResult
from fixtures.core.kube import Cluster
from fixtures.core.names import Client, RunbookNames


@dataclass(frozen=True)
class Inputs:
    """What the checks read: the system, the runbook, and the settings of this verification.

    `expected_version`: the prefix `INFO server` must answer with (None: nothing to compare with, not judged).
    `clients_since`: the client-log window (`redis-ready`, a duration such as `5m`, or an RFC 3339 time).
    `prometheus`: where the runbook's alerts are read (None: not given).
    """

    cluster: Cluster
    names: RunbookNames
    runbook: Runbook | None
    expected_version: str | None
    clients_since: str
    prometheus: str | None


Measure = Callable[[Inputs, Client | None], CheckResult]


@dataclass(frozen=True)
class VerificationCheck:
    """One check: its id (the `pytest -m verify` test id), how it measures, whether it runs once per client, and
    why a chaos run does not judge it ("": it does) with the name the summary prints for it (the title of the
    CheckResult it returns)."""

    id: str
    measure: Measure
    per_client: bool = False
    not_in_chaos: str = ""
    title: str = ""

    def run(self, inputs: Inputs, client: Client | None = None) -> CheckResult:
        return self.measure(inputs, client)


def _version(inputs: Inputs, client: Client | None) -> CheckResult:
    return checks.reports_expected_version(inputs.cluster, inputs.names, inputs.expected_version, inputs.runbook)


def _client(measure: Callable[[Inputs, Client], CheckResult]) -> Measure:
    def per_client(inputs: Inputs, client: Client | None) -> CheckResult:
        if client is None:
            raise TypeError("a per-client check needs a client")
        return measure(inputs, client)

    return per_client


def _redis(measure: Callable[[Cluster, RunbookNames, Runbook | None], CheckResult]) -> Measure:
    return lambda inputs, client: measure(inputs.cluster, inputs.names, inputs.runbook)


# In the order of the runbook's Verification section (1. pod ... 6. applications), then the suite's own.
REGISTRY: tuple[VerificationCheck, ...] = (
    VerificationCheck("pod_running_and_ready", _redis(checks.pod_running_and_ready)),
    VerificationCheck("redis_container_not_oom_killed", _redis(checks.not_oom_killed)),
    VerificationCheck("statefulset_replicas_ready", _redis(checks.statefulset_replicas_ready)),
    VerificationCheck("responds_to_ping", _redis(checks.responds_to_ping)),
    VerificationCheck("redis_is_master", _redis(checks.redis_is_master)),
    VerificationCheck("info_server_reports_expected_version", _version),
    VerificationCheck(
        "client_reaches_redis_service",
        _client(lambda i, c: checks.client_reaches_service(i.cluster, i.names, c, i.runbook)),
        per_client=True,
    ),
    VerificationCheck("latency_within_budget", _redis(checks.latency_within_budget)),
    VerificationCheck("memory_within_maxmemory_or_limit", _redis(checks.memory_within_limits)),
    VerificationCheck("both_applications_connected", _redis(checks.clients_connected)),
    VerificationCheck("persistence_enabled", _redis(checks.persistence_enabled)),
    VerificationCheck("persistence_healthy", _redis(checks.lastsave_recent)),
    VerificationCheck("persistence_files_present", _redis(checks.persistence_files_present)),
    VerificationCheck("data_volume_has_free_space", _redis(checks.data_volume_has_room)),
    VerificationCheck(
        "client_reports_redis_reachable",
        _client(lambda i, c: checks.client_reports_reachable(i.cluster, c, i.runbook)),
        per_client=True,
    ),
    VerificationCheck(
        "client_logs_free_of_redis_errors",
        _client(lambda i, c: checks.client_logs_clean(i.cluster, i.names, c, i.clients_since, i.runbook)),
        per_client=True,
    ),
    VerificationCheck(
        "sentinel_keys_intact",
        _redis(checks.sentinel_keys_intact),
        title="sentinel keys intact",
        not_in_chaos="judged by the run's verify phase on its own sentinel set, with the mode's expected data loss",
    ),
    VerificationCheck(
        "no_runbook_alert_firing",
        lambda inputs, client: no_runbook_alert_firing(inputs.cluster, inputs.prometheus, inputs.runbook),
        title="no runbook alert firing",
        not_in_chaos="judged by the run's alert-path phase: RedisDown reached the webhook when due, and resolved",
    ),
)


def by_id(check_id: str) -> VerificationCheck:
    return next(check for check in REGISTRY if check.id == check_id)


def judged_in_chaos() -> list[VerificationCheck]:
    return [check for check in REGISTRY if not check.not_in_chaos]


def not_judged_in_chaos() -> list[CheckResult]:
    """A SKIP row, by name, for each check a chaos run leaves to another phase, saying which."""
    return [
        CheckResult(check.title, True, f"not judged here: {check.not_in_chaos}", 0, skipped=check.not_in_chaos)
        for check in REGISTRY
        if check.not_in_chaos
    ]
