"""Recovery steps labelled for what they are, and the verdict they add up to.

- `runbook`: a command the runbook contains, run as written or with a recorded adaptation;
- `runbook-prose`: an action the runbook states only in words; the suite's interpretation is quoted
  with the line it comes from;
- `lever`: something the runbook does not say at all (for this failure mode).

A mode is **runbook sufficient** only when it recovered, no lever was needed and every runbook command ran as
written or only mechanically adapted (names mapped, placeholders filled, an interactive edit made a patch of the
same values). A command the suite had to correct so that it does what the runbook means (a `correction`, with its
line) makes the verdict **runbook sufficient with corrections**: the fix is not the runbook's as written.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Label(StrEnum):
    RUNBOOK = "runbook"
    PROSE = "runbook-prose"
    LEVER = "lever"


class Role(StrEnum):
    DIAGNOSIS = "diagnosis"  # reads state: part of the procedure, not of the fix
    FIX = "fix"  # changes state: time to recover starts at the first one


@dataclass
class Step:
    """One thing done during recovery. `runbook` holds only text the runbook contains at `line`."""

    label: Label
    role: Role
    ran: str
    line: int | None = None
    runbook: str | None = None
    why: str = ""  # prose and levers: why the suite did this, in its own words
    outcome: str = "passed"
    started_at: float = 0.0
    seconds: float = 0.0
    adaptations: list[str] = field(default_factory=list)
    corrections: list[str] = field(default_factory=list)  # changes to what the command does, not only how it runs
    reason: str = ""

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["label"], data["role"] = str(self.label), str(self.role)
        data["started_at"], data["seconds"] = round(self.started_at, 3), round(self.seconds, 1)
        return data


SUFFICIENT = "runbook sufficient"
WITH_CORRECTIONS = "runbook sufficient with corrections"
INSUFFICIENT = "runbook insufficient"
NOT_RECOVERED = "not recovered"


def verdict(steps: list[dict[str, Any]], recovered: bool) -> dict[str, Any]:
    """The mode's verdict from its labelled steps: what the runbook lacked, if anything."""
    levers = [s for s in steps if s["label"] == Label.LEVER]
    prose = [s for s in steps if s["label"] == Label.PROSE]
    missing = list(dict.fromkeys(s["why"] or s["ran"] for s in levers))
    corrections = [f"line {s['line']}: {what}" for s in steps for what in s.get("corrections") or []]
    name = SUFFICIENT if not corrections else WITH_CORRECTIONS
    name = NOT_RECOVERED if not recovered else INSUFFICIENT if levers else name
    return {
        "verdict": name,
        "missing": missing,
        "corrections": corrections,
        "interpreted": [f"line {s['line']}: {s['runbook']!r} -> {s['ran']} ({s['why']})" for s in prose],
    }


def first_fix_started(steps: list[dict[str, Any]]) -> float | None:
    starts = [s["started_at"] for s in steps if s["role"] == Role.FIX]
    return min(starts) if starts else None
