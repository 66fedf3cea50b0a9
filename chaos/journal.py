"""Chaos run journals in reports/chaos/<run>/: one JSON per experiment, a summary rendered from them."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

from chaos import activity_names as names
from chaos.steps import verdict
from fixtures.core.budgets import ESCALATION_S


def activity_output(journal: dict[str, Any], name: str) -> dict[str, Any]:
    for entry in [*journal.get("run", []), *journal.get("rollbacks", [])]:
        if entry["activity"]["name"] == name and isinstance(entry.get("output"), dict):
            return entry["output"]
    return {}


# Each timing means one thing; the journal, summary.md and the report carry these definitions.
TIMINGS = {
    "time_to_detect_s": "fault in effect (its first API state, seen by a watch) -> the runbook's diagnosis shows "
    "the symptom: the runbook's diagnosis latency",
    "time_to_recover_s": "first fix step (runbook, prose or lever) starts -> every verification check passes",
    "client_outage_s": "seconds each client itself counted without Redis (its redis_unavailable_seconds_total)",
    "fault_to_verified_s": "fault in effect -> every verification check passes; compared with the runbook's "
    "15-minute escalation",
    "time_to_alert_s": "fault in effect -> the first RedisDown notification for this Redis reaches the in-cluster "
    "webhook (the pager a team would get; Alertmanager's delivery, not Prometheus's state)",
    "alert_resolved_after_s": "every verification check passes -> RedisDown's resolution reaches the webhook",
    "overhead_s": "the experiment's wall time minus fault_to_verified_s: the suite's own steady state, sentinel "
    "keys, pager quiet wait and undo (not measured when the fault never reached verification)",
    "phase_s": "seconds of each Chaos Toolkit activity (steady-state probes, method, rollback), from its journal",
    "clients_down_longest_s": "the longest stretch during which every client reported Redis down (their redis_up, "
    "scraped every 5 s; a lower bound): RedisDown is required when it reaches 60 s",
}
ALERT_FIELDS = (
    "alerts_fired",
    "time_to_alert_s",
    "alert_resolved_after_s",
    "alert_resolution",
    "clients_down_longest_s",
    "redis_down_required",
    "redis_down_judgement",
    "redis_down_fired_at",
    "redis_down_resolved_at",
)
ERROR = re.compile(r"chaos\.errors\.(\w+): (.*)")


def errors(journal: dict[str, Any]) -> list[dict[str, str]]:
    """The suite's own errors (chaos.errors classes) behind each failed activity, in run order."""
    found = []
    for entry in journal.get("run", []):
        if entry.get("status") == "succeeded":
            continue
        text = "".join(entry.get("exception") or []) if isinstance(entry.get("exception"), list) else ""
        match = ERROR.search(text)
        last_line = (text.strip().splitlines() or [""])[-1]
        found.append(
            {
                "activity": entry["activity"]["name"],
                "type": match.group(1) if match else "",
                "message": (match.group(2) if match else last_line)[:400],
            }
        )
    return found


def summary_row(mode: str, journal: dict[str, Any], wall_s: float) -> dict[str, Any]:
    detect = activity_output(journal, names.DETECT)
    recover = activity_output(journal, names.RECOVER)
    verified = activity_output(journal, names.VERIFY)
    failed = [e["activity"]["name"] for e in journal.get("run", []) if e.get("status") != "succeeded"]
    before = (journal.get("steady_states") or {}).get("before")
    if before is not None and not before.get("steady_state_met"):
        failed.insert(0, "steady state before the fault (Redis was not healthy: nothing was injected)")
    recovered = journal.get("status") == "completed" and not failed
    # A failed recovery phase has no output: the rollback's carries the steps it took.
    undo = next((a["output"] for a in journal.get("rollbacks", []) if isinstance(a.get("output"), dict)), {})
    steps = recover.get("steps") or undo.get("recovery_steps", [])
    total = verified.get("fault_to_verified_s")
    # A failed alert-path probe has no output either: the rollback carries what it measured.
    alerts = activity_output(journal, names.ALERT_PATH) or undo.get("alert_path") or {}
    quiet = activity_output(journal, names.PAGER_QUIET)
    return {
        "mode": mode,
        "status": journal.get("status"),
        "without_recovery": bool((journal.get("experiment", {}).get("configuration") or {}).get("without_recovery"))
        or "skipped" in recover,
        "failed_activities": failed,
        "errors": errors(journal),
        **verdict(steps, recovered),
        "steps": steps,
        "fault_in_effect": detect.get("fault_in_effect"),
        "time_to_detect_s": detect.get("time_to_detect_s"),
        "time_to_recover_s": verified.get("time_to_recover_s"),
        "fault_to_verified_s": total,
        "within_escalation": total is not None and total <= ESCALATION_S,
        "client_outage_s": verified.get("client_outage_s"),
        # every check of the verification registry, as `pytest -m verify` names it, from the verify phase's last round
        "verification": verified.get("verification") or undo.get("verification") or [],
        "keys_lost": verified.get("keys_lost"),
        "keys_written": verified.get("keys_written"),
        # read back after the undo restored what the fault changed: data kept even when recovery failed
        "keys_lost_after_restore": undo.get("keys_lost_after_restore"),
        "health_after_undo": undo.get("health"),
        "alert_path": alerts.get("alert_path") or _alert_error(journal) or quiet.get("alert_path") or "not measured",
        **{key: alerts.get(key) for key in ALERT_FIELDS},
        "wall_s": round(wall_s, 1),
        "overhead_s": round(wall_s - total, 1) if total is not None else None,
        "phase_s": phase_seconds(journal),
        "timing_definitions": TIMINGS,
        "notes": verified.get("notes") or recover.get("notes") or undo.get("notes", []),
    }


def phase_seconds(journal: dict[str, Any]) -> dict[str, float]:
    """Each activity's duration in Chaos Toolkit's journal, by name (steady-state probes prefixed by when)."""
    found: dict[str, float] = {}
    for when, state in (journal.get("steady_states") or {}).items():
        for probe in (state or {}).get("probes") or []:
            found[f"steady state {when}: {probe['activity']['name']}"] = round(probe.get("duration") or 0.0, 1)
    for key in ("run", "rollbacks"):
        for entry in journal.get(key) or []:
            found[entry["activity"]["name"]] = round(entry.get("duration") or 0.0, 1)
    return found


def _alert_error(journal: dict[str, Any]) -> str | None:
    """Why the alert path has no measurement: its probe's error (Chaos Toolkit keeps no output of a failed one)."""
    failed = next((e for e in errors(journal) if e["activity"] == names.ALERT_PATH), None)
    return f"not measured: {failed['type']}: {failed['message']}" if failed else None


def keys_lost_text(row: dict[str, Any]) -> str:
    """Sentinel keys lost at verification, or, when the runbook did not recover, once the undo restored Redis."""
    of = f" of {row['keys_written']}" if row.get("keys_written") else ""
    if row.get("keys_lost") is not None:
        return f"{row['keys_lost']}{of}"
    if row.get("keys_lost_after_restore") is not None:
        return f"not measured at recovery; {row['keys_lost_after_restore']} once the undo restored Redis"
    return "not measured"


def write(run_dir: Path, mode: str, journal: dict[str, Any], row: dict[str, Any]) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / f"{mode}.json"
    _write_whole(path, json.dumps({"summary": row, "chaostoolkit_journal": journal}, indent=2, default=str))
    return path


def _write_whole(path: Path, text: str) -> None:
    """Write `path` at once (a temporary file renamed): cells write and read the same run folder side by side."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(text)
    partial.replace(path)


def mutation_dir(run_dir: Path) -> Path:
    """Where the mutation tests of a run keep their journals: a run of their own, next to the experiments'."""
    return run_dir.with_name(f"{run_dir.name}-mutation")


def render_summary(run_dir: Path) -> Path:
    """summary.md and summary.json, rendered from the per-experiment journals in `run_dir`."""
    rows = [json.loads(p.read_text())["summary"] for p in sorted(run_dir.glob("*.json")) if p.name != "summary.json"]
    _write_whole(run_dir / "summary.json", json.dumps(rows, indent=2))
    lines = [
        f"# Chaos run {run_dir.name}",
        "",
        f"Escalation threshold (runbook): {ESCALATION_S // 60} minutes from failure to restored.",
        "",
        "| mode | verdict | status | detect s | recover s | fault to verified s | within 15 min "
        "| client outage s | keys lost | wall s | overhead s | cell |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        outage = ", ".join(f"{k} {v}" for k, v in (r.get("client_outage_s") or {}).items())
        failed = f" (failed: {', '.join(r['failed_activities'])})" if r["failed_activities"] else ""
        mutation = " (without recovery)" if r.get("without_recovery") else ""
        lines.append(
            f"| {r['mode']}{mutation} | {r.get('verdict')} | {r['status']}{failed}"
            f" | {r['time_to_detect_s']} | {r['time_to_recover_s']} | {r.get('fault_to_verified_s')}"
            f" | {'yes' if r['within_escalation'] else 'no'} | {outage} | {keys_lost_text(r)}"
            f" | {r['wall_s']} | {_or_not_measured(r.get('overhead_s'))} | {r.get('cell') or 'not recorded'} |"
        )
    lines += profile_section(rows)
    lines += alert_section(rows)
    lines += ["", "Timings:", ""] + [f"- **{name}**: {text}" for name, text in TIMINGS.items()]
    lines += ["", "## Recovery steps (runbook, runbook-prose, lever)", ""]
    for r in rows:
        for step in r.get("steps") or []:
            lines.append(f"- {r['mode']}: {step_line(step)}")
        for missing in r.get("missing") or []:
            lines.append(f"- {r['mode']}: **runbook insufficient**, missing {missing}")
        for correction in r.get("corrections") or []:
            lines.append(f"- {r['mode']}: **corrected by the suite**, {correction}")
    lines += ["", "## Notes (adaptations, where the time went)", ""]
    for r in rows:
        for note in r.get("notes") or []:
            lines.append(f"- {r['mode']}: {note}")
    path = run_dir / "summary.md"
    _write_whole(path, "\n".join(lines) + "\n")
    return path


def _or_not_measured(value: Any) -> str:
    return "not measured" if value is None else str(value)


def alert_section(rows: list[dict[str, Any]]) -> list[str]:
    """The alert path per mode: the suite's own measurement of the pager (not something the runbook does)."""
    lines = [
        "",
        "## Alert path (measured by the suite: the in-cluster webhook standing in for the pager)",
        "",
        "| mode | RedisDown after fault s | resolved after verified s | clients all down s | RedisDown | fired |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        if r.get("alert_path") != "measured":
            lines.append(f"| {r['mode']} | | | | {r.get('alert_path') or 'not measured'} | |")
            continue
        resolved = r.get("alert_resolved_after_s")
        lines.append(
            f"| {r['mode']} | {_or_dash(r.get('time_to_alert_s'))} | "
            f"{_or_dash(resolved) if resolved is not None else r.get('alert_resolution') or '-'} | "
            f"{_or_dash(r.get('clients_down_longest_s'))} | {r.get('redis_down_judgement')} | "
            f"{', '.join(r.get('alerts_fired') or []) or 'none'} |"
        )
    return lines


def _or_dash(value: Any) -> str:
    return "-" if value is None else str(value)


def profile_section(rows: list[dict[str, Any]]) -> list[str]:
    """For a profile other than the runbook's: per mode, works there, or needs which precondition (and what failed)."""
    others = [r for r in rows if r.get("profile", "runbook") != "runbook"]
    if not others:
        return []
    lines = [
        "",
        "## Hidden preconditions",
        "",
        "| mode | profile | result | failure observed |",
        "| --- | --- | --- | --- |",
    ]
    for r in others:
        lacking = r.get("lacking_preconditions") or []
        if r.get("verdict") != "not recovered":
            result = f"works on {r['profile']} ({r.get('verdict')})"
        else:
            result = "needs " + ", ".join(p["key"] for p in lacking) if lacking else "fails (no precondition declared)"
        failure = (r.get("errors") or [{"message": ""}])[0]["message"][:200]
        lines.append(f"| {r['mode']} | {r['profile']} | {result} | {failure} |")
    return lines


def step_line(step: dict[str, Any]) -> str:
    """One step in words: its label, the runbook's text (or the suite's, for a lever) and what ran."""
    where = f"line {step['line']} " if step.get("line") else ""
    said = f"`{step['runbook']}`" if step["label"] == "runbook" else repr(step.get("runbook") or "")
    if step["label"] == "lever":
        text = f"[lever, {step['role']}] ran `{step['ran']}`: {step['why']}"
    elif step["label"] == "runbook-prose":
        text = f"[runbook-prose, {step['role']}] {where}says {said}; the suite ran `{step['ran']}`: {step['why']}"
    else:
        adapted = f" (adapted: {'; '.join(step['adaptations'])})" if step.get("adaptations") else ""
        corrected = f" (corrected: {'; '.join(step['corrections'])})" if step.get("corrections") else ""
        text = f"[runbook, {step['role']}] {where}{said}{adapted}{corrected}; ran `{step['ran']}`"
    return f"{text} -> {step['outcome']} in {step['seconds']}s"


def run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
