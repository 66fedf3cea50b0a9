"""Fixtures of the verification checks: the runbook they read, and a recorder for the summary.

Absent objects are not an error of a fixture: each check fails on its own, saying what it measured.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from checks.runbook.model import Runbook
from checks.runbook.parser import RunbookParseError, parse_file
from checks.verification.results import CheckError, CheckResult
from fixtures.core.options import CHECK_RESULTS


@pytest.fixture(scope="session")
def verify_runbook(request: pytest.FixtureRequest) -> Runbook:
    """The runbook (--runbook) whose Verification section the checks implement and read expected values from."""
    try:
        return parse_file(Path(request.config.getoption("runbook")))
    except RunbookParseError as exc:
        pytest.exit(str(exc), returncode=pytest.ExitCode.USAGE_ERROR)


@pytest.fixture
def check(request: pytest.FixtureRequest) -> Callable[[Callable[[], CheckResult]], CheckResult]:
    """Run a check, record its row for the summary, and fail (or skip) the test in one line unless it passed."""

    def run(read: Callable[[], CheckResult]) -> CheckResult:
        try:
            result = read()
        except CheckError as exc:  # the runbook lacks a line the check implements
            request.config.stash[CHECK_RESULTS].append(
                {"check": request.node.name, "result": "FAIL", "value": str(exc), "runbook_line": "-", "detail": ""}
            )
            pytest.fail(str(exc), pytrace=False)
        request.config.stash[CHECK_RESULTS].append(result.as_row())
        request.node.user_properties.append(("runbook_line", result.runbook_line))
        request.node.user_properties.append(("measured", result.value))
        if result.skipped:
            pytest.skip(f"{result.check}: not checkable here: {result.skipped} (runbook line {result.runbook_line})")
        if not result.ok:
            pytest.fail(
                f"{result.check}: measured {result.value} (runbook line {result.runbook_line})"
                + (f": {result.detail}" if result.detail else ""),
                pytrace=False,
            )
        return result

    return run
