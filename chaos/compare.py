"""Two chaos runs' verdicts mode by mode: `python -m chaos compare RUN_A RUN_B` (folders under reports/chaos/).

Made for "do experiments in cells give the serial verdicts?": the same modes run one after another on the one
Redis and side by side in cells must end the same way. A mode agrees when its verdict and what the runbook was
found missing are the same in both; a mode in only one run is listed, never counted as agreeing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class NoRun(Exception):
    """A folder that holds no chaos run's journals."""


@dataclass(frozen=True)
class Comparison:
    mode: str
    a: dict[str, Any]
    b: dict[str, Any]

    @property
    def agrees(self) -> bool:
        return verdict_of(self.a) == verdict_of(self.b)


def verdict_of(row: dict[str, Any]) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    return str(row.get("verdict")), tuple(row.get("missing") or ()), tuple(row.get("corrections") or ())


def rows_of(run_dir: Path) -> dict[str, dict[str, Any]]:
    """Each experiment's summary row in `run_dir`, by mode (read from its journal, as the summary is)."""
    journals = [p for p in sorted(run_dir.glob("*.json")) if p.name != "summary.json"] if run_dir.is_dir() else []
    if not journals:
        raise NoRun(f"{run_dir}: no chaos journals (*.json) there: pass a folder under reports/chaos/")
    rows = (json.loads(p.read_text())["summary"] for p in journals)
    return {row["mode"]: row for row in rows}


def compare(a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]]) -> list[Comparison]:
    return [Comparison(mode, a[mode], b[mode]) for mode in sorted(a.keys() & b.keys())]


def render(a_name: str, b_name: str, a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]]) -> str:
    """A markdown table of both runs' verdicts, then how many modes agree and which ran in one run only."""
    both = compare(a, b)
    lines = [
        f"| mode | {a_name} | {b_name} | same | fault to verified s ({a_name} / {b_name}) "
        f"| where ({a_name} / {b_name}) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for c in both:
        lines.append(
            f"| {c.mode} | {_verdict_text(c.a)} | {_verdict_text(c.b)} | {'yes' if c.agrees else '**no**'} "
            f"| {c.a.get('fault_to_verified_s')} / {c.b.get('fault_to_verified_s')} "
            f"| {c.a.get('cell') or 'not recorded'} / {c.b.get('cell') or 'not recorded'} |"
        )
    agree = sum(c.agrees for c in both)
    lines += ["", f"{agree} of {len(both)} modes run in both give the same verdict."]
    for name, only in ((a_name, sorted(a.keys() - b.keys())), (b_name, sorted(b.keys() - a.keys()))):
        if only:
            lines.append(f"Only in {name} (not compared): {', '.join(only)}.")
    return "\n".join(lines) + "\n"


def _verdict_text(row: dict[str, Any]) -> str:
    missing = row.get("missing") or []
    return str(row.get("verdict")) + (f" (missing: {'; '.join(missing)})" if missing else "")
