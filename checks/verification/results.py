"""What a check returns and how what it could not measure becomes its result: CheckResult (one check's PASS, FAIL
or SKIP, with the runbook line it implements), Measured (a measurement's verdict, value and why), CheckError and
NotCheckable (what could not be measured, or not here), and judged, which runs a measurement into a CheckResult.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from kubernetes.client.exceptions import ApiException


class CheckError(Exception):
    """A check could not measure what it needs; the message says what was seen."""


class NotCheckable(CheckError):
    """The check cannot run here (the image lacks the tool it needs): skipped with this reason."""


@dataclass
class CheckResult:
    """One check's outcome: what it proves, what it measured, and the runbook line it implements.

    `ok` means nothing failed: a skipped check (`skipped` gives why) is ok and shown as SKIP, never PASS.
    """

    check: str
    ok: bool
    value: str
    runbook_line: int
    detail: str = ""
    skipped: str = ""

    @property
    def status(self) -> str:
        if self.skipped:
            return "SKIP"
        return "PASS" if self.ok else "FAIL"

    def as_row(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "result": self.status,
            "value": self.value,
            "runbook_line": self.runbook_line,
            "detail": self.detail,
        }


class Measured(NamedTuple):
    """What a check measured: its verdict, the value shown, and why it failed (empty when it passed)."""

    ok: bool
    value: str
    detail: str = ""


def judged(check: str, line: int, measure: Callable[[], Measured]) -> CheckResult:
    """Run a measurement; what it could not measure becomes this check's FAIL (or SKIP) with what was seen."""
    try:
        ok, value, detail = measure()
    except NotCheckable as exc:
        return CheckResult(check, True, f"not checkable here: {exc}", line, skipped=str(exc))
    except CheckError as exc:
        return CheckResult(check, False, str(exc), line)
    except ApiException as exc:
        return CheckResult(check, False, f"API answered HTTP {exc.status} {exc.reason}", line)
    return CheckResult(check, ok, value, line, detail)
