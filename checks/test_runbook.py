"""`pytest -m runbook`: the runbook's own commands against the healthy system, to catch drift.

Every read-only command runs as written (adaptations recorded, the runbook's namespaces mapped to
--system's), must succeed and meet the runbook's stated expectation (one whose condition does not hold here,
e.g. the logs of a previous container of a pod that never restarted, is skipped as not applicable); every
command not run must be set aside on purpose, not unproven; every name it uses, fixes included, must exist
where it says; the table of all commands is written to reports/. Which rows fail is `Row.problem`
(`outcome.is_problem`), the rule of `python -m checks runbook check` and the reports too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from checks.runbook import drift
from checks.runbook.executor import Executor
from checks.runbook.model import RUNNABLE, Runbook
from checks.runbook.outcome import Outcome
from checks.runbook.parser import parse_file
from fixtures.core.kube import Cluster
from fixtures.core.names import RunbookNames
from fixtures.core.options import REPORTS

pytestmark = [pytest.mark.runbook, pytest.mark.usefixtures("redis_system")]


def _runbook(config: pytest.Config) -> Runbook:
    return parse_file(Path(config.getoption("runbook")))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "line" in metafunc.fixturenames:
        commands = [c for c in _runbook(metafunc.config).commands if set(c.classes) <= RUNNABLE]
        metafunc.parametrize(
            "line", [c.line for c in commands], ids=[f"line {c.line}: {c.text[:60]}" for c in commands]
        )


@pytest.fixture(scope="module")
def runbook(request: pytest.FixtureRequest) -> Runbook:
    return _runbook(request.config)


@pytest.fixture(scope="module")
def rows(runbook: Runbook, cluster: Cluster, names: RunbookNames) -> Iterator[dict[int, drift.Row]]:
    """Run every read-only command once, in runbook order (a port-forward serves the command after it)."""
    executor = Executor(cluster, names)
    try:
        table = drift.run_read_only(runbook, executor)
    finally:
        executor.close()
    yield {row.line: row for row in table}


@pytest.fixture(scope="module")
def name_findings(runbook: Runbook, cluster: Cluster, names: RunbookNames) -> list[drift.NameFinding]:
    return drift.check_names(runbook, cluster, names)


def test_the_runbook_yields_commands(runbook: Runbook) -> None:
    problem = drift.no_commands_problem(runbook)
    if problem:
        pytest.fail(problem, pytrace=False)


def test_read_only_command_works_as_written(rows: dict[int, drift.Row], line: int) -> None:
    row = rows[line]
    where = f"runbook line {line} `{row.command}`"
    if row.outcome == Outcome.NOT_APPLICABLE:
        pytest.skip(f"not applicable at {where}: {row.reason}")
    if row.outcome in drift.FINDING_OUTCOMES:
        pytest.fail(f"{row.outcome} at {where}: {row.reason}", pytrace=False)
    assert not row.problem, f"{where}: {row.outcome}: {row.reason or row.ran}"


def test_every_name_the_runbook_uses_exists(name_findings: list[drift.NameFinding]) -> None:
    missing = drift.findings([], name_findings)
    assert not missing, "; ".join(f"runbook line {f.line}: {f.observed}" for f in missing)


def test_the_gate_understands_every_command_of_the_runbook(rows: dict[int, drift.Row]) -> None:
    """Every command the gate did not run was set aside on purpose (a fix, ...), none for want of proof."""
    unproven = [r for r in rows.values() if not set(r.classes) <= RUNNABLE and r.problem]
    assert not unproven, "; ".join(f"runbook line {r.line} `{r.command}`: {r.ran}" for r in unproven)


def test_table_covers_every_command_of_the_runbook(
    runbook: Runbook, rows: dict[int, drift.Row], name_findings: list[drift.NameFinding]
) -> None:
    table, _ = drift.write_report(list(rows.values()), name_findings, REPORTS)
    assert len(rows) == len(runbook.commands), "a runbook command is missing from the table"
    assert sorted(rows) == sorted(c.line for c in runbook.commands)
    print(f"\n{table.read_text()}")
