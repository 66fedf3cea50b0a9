"""Fixtures of the verification checks: a target that exists, and a recorder for the summary."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from checks.verification import CheckError, CheckResult, require_target
from fixtures.kube import Cluster
from fixtures.names import RunbookNames
from fixtures.options import CHECK_RESULTS


@pytest.fixture(scope="session")
def target(cluster: Cluster, names: RunbookNames) -> RunbookNames:
    """The Redis names to check, after proving the namespace and pod exist (one line if not)."""
    try:
        require_target(cluster, names)
    except CheckError as exc:
        pytest.fail(str(exc), pytrace=False)
    return names


@pytest.fixture
def check(request: pytest.FixtureRequest) -> Callable[[Callable[[], CheckResult]], CheckResult]:
    """Run a check, record its row for the summary, and fail the test (one line) unless it passed."""

    def run(read: Callable[[], CheckResult]) -> CheckResult:
        try:
            result = read()
        except CheckError as exc:
            request.config.stash[CHECK_RESULTS].append(
                {
                    "check": request.node.name,
                    "result": "ERR",
                    "value": str(exc)[:40],
                    "runbook_line": "-",
                    "detail": str(exc),
                }
            )
            pytest.fail(str(exc), pytrace=False)
        request.config.stash[CHECK_RESULTS].append(result.as_row())
        request.node.user_properties.append(("runbook_line", result.runbook_line))
        request.node.user_properties.append(("measured", result.value))
        if not result.ok:
            pytest.fail(
                f"{result.check}: measured {result.value} (runbook line {result.runbook_line})"
                + (f": {result.detail}" if result.detail else ""),
                pytrace=False,
            )
        return result

    return run
