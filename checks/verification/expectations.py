"""What the runbook's words expect: the line of its Verification section (or of another section) a check
implements, the Verification commands and their "Should return/show" values, the healthy Redis pod's STATUS and
READY (agreeing with the Expected Output table) and the port-forward's remote port. A runbook that lacks what a
check needs raises CheckError saying so.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from checks.runbook.model import Command, Runbook
from checks.runbook.parser import parse_file
from checks.verification.results import CheckError
from fixtures.core.runbook_source import RUNBOOK_PATH

VERIFICATION = "## Verification"


@functools.cache
def default_runbook() -> Runbook:
    return parse_file(RUNBOOK_PATH)


def runbook_line(*fragments: str, runbook: Runbook | None = None, after: str = VERIFICATION) -> int:
    """The line of the runbook's Verification section (or of the section `after` names) a check implements: the
    first fragment found wins.

    Checks pass a name-specific fragment first and a generic one after it, so that names changed with
    options (--client, --redis-pod) still map to the runbook's step. None found: CheckError naming them.
    """
    book = runbook or default_runbook()
    start = next((n for n, text in enumerate(book.lines, start=1) if text.startswith(after)), None)
    if start is None:
        raise CheckError(f"runbook {book.path} has no {after!r} section: the runbook changed; update the suite")
    for fragment in fragments:
        for number, text in enumerate(book.lines[start - 1 :], start=start):
            if fragment in text:
                return number
    looked = " or ".join(repr(f) for f in fragments)
    raise CheckError(
        f"runbook {book.path} has no line containing {looked} after {after!r}: the runbook changed; update the suite"
    )


def verification_command(runbook: Runbook, fragment: str) -> Command:
    """The first command of the Verification section whose text contains `fragment`."""
    found = next((c for c in runbook.under("Verification") if fragment in c.text), None)
    if found is None:
        raise CheckError(
            f"runbook {runbook.path} has no command containing {fragment!r} under 'Verification': "
            "the runbook changed; update the suite"
        )
    return found


def expectation_value(command: Command, runbook: Runbook) -> str:
    """The text after "Should return:" / "Should show:" below `command`."""
    if not command.expectation:
        raise CheckError(
            f"runbook {runbook.path} line {command.line}: no '# Should return/show:' below `{command.text}`"
        )
    return command.expectation.split(":", 1)[1].strip()


class PodExpectation(NamedTuple):
    """What the runbook says a healthy Redis pod shows, and where it says so."""

    status: str
    ready: str
    line: int
    table_line: int


def expected_pod_state(runbook: Runbook, pod: str) -> PodExpectation:
    """STATUS and READY from "# Should show: Running and 1/1 READY", agreeing with the Expected Output table."""
    command = verification_command(runbook, "kubectl get pod")
    said = expectation_value(command, runbook)
    shown = re.fullmatch(r"(\w+) and (\d+/\d+) READY", said)
    if shown is None:
        raise CheckError(
            f"runbook {runbook.path} line {command.line}: expected 'Should show: STATUS and N/N READY', got {said!r}"
        )
    status, ready, table_line = _expected_output_row(runbook, pod)
    if (status, ready) != shown.groups():
        raise CheckError(
            f"runbook {runbook.path} disagrees with itself: line {command.line} says {said!r}, the Expected Output "
            f"table (line {table_line}) shows STATUS {status} READY {ready}"
        )
    return PodExpectation(status, ready, command.line, table_line)


def _expected_output_row(runbook: Runbook, pod: str) -> tuple[str, str, int]:
    """(STATUS, READY, line) of the pod's row in the first Expected Output table with those columns."""
    for command in runbook.commands:
        table = [line.split() for line in (command.expected_output or "").splitlines() if line.strip()]
        if len(table) < 2 or not {"READY", "STATUS"} <= set(table[0]):
            continue
        header, rows = table[0], table[1:]
        row = next((r for r in rows if r[0] == pod), rows[0])
        number = next(
            (n for n, text in enumerate(runbook.lines, start=1) if n > command.line and text.split() == row),
            command.line,
        )
        return row[header.index("STATUS")], row[header.index("READY")], number
    raise CheckError(
        f"runbook {runbook.path} has no Expected Output table with READY and STATUS columns: "
        "the runbook changed; update the suite"
    )


def port_forward_port(command: Command) -> int:
    """The remote port of `kubectl port-forward ... LOCAL:REMOTE`."""
    found = re.search(r"\b\d+:(\d+)\b", command.text)
    if found is None:
        raise CheckError(f"line {command.line}: no LOCAL:REMOTE port in `{command.text}`")
    return int(found.group(1))
