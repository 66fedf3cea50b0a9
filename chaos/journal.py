"""Chaos run journals in reports/chaos/<run>/: one JSON per experiment, a summary rendered from them."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from fixtures.budgets import ESCALATION_S


def activity_output(journal: dict[str, Any], name: str) -> dict[str, Any]:
    for entry in journal.get("run", []):
        if entry["activity"]["name"] == name and isinstance(entry.get("output"), dict):
            return entry["output"]
    return {}


def summary_row(mode: str, journal: dict[str, Any], wall_s: float) -> dict[str, Any]:
    detect = activity_output(journal, "runbook-diagnosis-shows-symptom")
    verified = activity_output(journal, "verified-and-sentinels-intact")
    failed = [e["activity"]["name"] for e in journal.get("run", []) if e.get("status") != "succeeded"]
    before = (journal.get("steady_states") or {}).get("before")
    if before is not None and not before.get("steady_state_met"):
        failed.insert(0, "steady state before the fault (Redis was not healthy: nothing was injected)")
    return {
        "mode": mode,
        "status": journal.get("status"),
        "failed_activities": failed,
        "time_to_detect_s": detect.get("time_to_detect_s"),
        "time_to_recover_s": verified.get("time_to_recover_s"),
        "injection_to_verified_s": verified.get("injection_to_verified_s"),
        "within_escalation": (verified.get("injection_to_verified_s") or ESCALATION_S + 1) <= ESCALATION_S,
        "client_outage_s": verified.get("client_outage_s"),
        "keys_lost": verified.get("keys_lost"),
        "keys_written": verified.get("keys_written"),
        "wall_s": round(wall_s, 1),
        "notes": verified.get("notes") or activity_output(journal, "runbook-recovery-procedure").get("notes", []),
    }


def write(run_dir: Path, mode: str, journal: dict[str, Any], row: dict[str, Any]) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / f"{mode}.json"
    path.write_text(json.dumps({"summary": row, "chaostoolkit_journal": journal}, indent=2, default=str))
    return path


def render_summary(run_dir: Path) -> Path:
    """summary.md and summary.json, rendered from the per-experiment journals in `run_dir`."""
    rows = [json.loads(p.read_text())["summary"] for p in sorted(run_dir.glob("*.json")) if p.name != "summary.json"]
    (run_dir / "summary.json").write_text(json.dumps(rows, indent=2))
    lines = [
        f"# Chaos run {run_dir.name}",
        "",
        f"Escalation threshold (runbook): {ESCALATION_S // 60} minutes from failure to restored.",
        "",
        "| mode | status | detect s | recover s | injection to verified s | within 15 min | client outage s "
        "| keys lost | wall s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        outage = ", ".join(f"{k} {v}" for k, v in (r.get("client_outage_s") or {}).items())
        failed = f" (failed: {', '.join(r['failed_activities'])})" if r["failed_activities"] else ""
        lines.append(
            f"| {r['mode']} | {r['status']}{failed}"
            f" | {r['time_to_detect_s']} | {r['time_to_recover_s']} | {r['injection_to_verified_s']}"
            f" | {'yes' if r['within_escalation'] else 'no'} | {outage} | {r['keys_lost']}/{r['keys_written']}"
            f" | {r['wall_s']} |"
        )
    lines += ["", "## Notes (adaptations, levers, where the time went)", ""]
    for r in rows:
        for note in r.get("notes") or []:
            lines.append(f"- {r['mode']}: {note}")
    path = run_dir / "summary.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
