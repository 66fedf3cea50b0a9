"""The runbook gate against the Bitnami-shaped system (`--system bitnami`): what the runbook gets wrong there.

Auth on with no REDISCLI_AUTH, the config under /opt/bitnami/redis/mounted-etc, client images without sh
or nc: the gate must report each as a runbook finding with its line, not pass it and not crash; the
read-only lines that work on any install still pass.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from checks.runbook import drift
from checks.runbook.executor import Executor
from checks.runbook.outcome import Outcome
from checks.runbook.parser import parse_file
from fixtures.core.kube import Cluster
from fixtures.core.names import RunbookNames
from fixtures.core.options import REPORTS, system_name
from fixtures.core.runbook_source import RUNBOOK_PATH

pytestmark = [pytest.mark.system]

REDIS_CLI_LINES = [262, 266, 286, 289, 296, 297, 300, 136]
TOOLS_LINES = [273, 276]
# Read-only lines that work as written on any install of these names: listing, describing, logs.
WORKING_LINES = [25, 38, 39, 45, 46, 52, 58, 77, 96, 116, 117, 123, 139, 140, 146, 156, 188, 189, 207, 210, 254, 303]


@pytest.fixture(scope="module")
def bitnami(request: pytest.FixtureRequest) -> None:
    if system_name(request.config) != "bitnami":
        pytest.skip("runs only with --system bitnami (the gate against the Bitnami-shaped system)")
    request.getfixturevalue("redis_system")


@pytest.fixture(scope="module")
def rows(bitnami: None, cluster: Cluster, names: RunbookNames) -> Iterator[dict[int, drift.Row]]:
    runbook = parse_file(RUNBOOK_PATH)
    executor = Executor(cluster, names)
    try:
        table = drift.run_read_only(runbook, executor)
    finally:
        executor.close()
    found = drift.check_names(runbook, cluster, names)
    drift.write_report(table, found, REPORTS / "runbook-bitnami")
    yield {row.line: row for row in table}


def _show(row: drift.Row) -> str:
    return f"line {row.line} `{row.ran}`: {row.outcome}: {row.reason}"


@pytest.mark.parametrize("line", REDIS_CLI_LINES)
def test_redis_cli_without_credentials_is_a_runbook_finding(rows: dict[int, drift.Row], line: int) -> None:
    row = rows[line]
    assert row.outcome == Outcome.FINDING and "NOAUTH" in row.reason, _show(row)
    assert "names mapped to the target: `-n redis` -> `-n redis-bitnami`" in row.adaptations, row.adaptations


def test_the_config_path_is_a_finding_that_says_where_the_config_is(rows: dict[int, drift.Row]) -> None:
    row = rows[143]
    # Bitnami's own image has no /etc/redis; an image that ships one for another user denies uid 1001 the read.
    missing = ("a path that does not exist", "a path the container's user cannot read")
    assert row.outcome == Outcome.FINDING and row.reason.startswith(missing), _show(row)
    assert "it is at /opt/bitnami/redis/mounted-etc/redis.conf (ConfigMap redis-configuration" in row.reason, _show(row)


@pytest.mark.parametrize("line", TOOLS_LINES)
def test_client_checks_assume_tools_the_image_lacks(rows: dict[int, drift.Row], line: int) -> None:
    row = rows[line]
    assert row.outcome == Outcome.FINDING and "image lacks" in row.reason, _show(row)
    assert "-bitnami deployment/" in row.ran, row.ran


@pytest.mark.parametrize("line", WORKING_LINES)
def test_read_only_lines_that_work_on_any_install_still_pass(rows: dict[int, drift.Row], line: int) -> None:
    row = rows[line]
    assert row.outcome == Outcome.PASSED, _show(row)
    assert "redis-bitnami" in row.ran or " -n " not in row.ran, row.ran
