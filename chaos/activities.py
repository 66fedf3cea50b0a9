"""Chaos Toolkit activities: the python probes and actions every chaos/experiments/*.json calls.

Pytest runs the same experiment files through chaoslib, so `chaos run chaos/experiments/oom.json`
and `pytest -m chaos -k oom` execute the same code. Phase state lives in this process; each
activity returns its measurements, so the Chaos Toolkit journal carries them.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from chaos import experiment as x
from chaos.bad_config import BadConfig
from chaos.modes import MODES


@dataclass
class RunState:
    """One experiment run's phases and timestamps."""

    ctx: x.Context
    mode: x.Mode
    set_id: str
    injected_at: float | None = None
    detected_at: float | None = None
    recover_started: float | None = None
    recovered_at: float | None = None
    outage_before: dict[str, float] = field(default_factory=dict)
    failed_phase: str | None = None


_RUNS: dict[str, RunState] = {}


def _state(mode: str, directive: str | None = None) -> RunState:
    if mode not in MODES:
        raise x.ChaosError(f"unknown failure mode {mode!r}: choose one of {', '.join(sorted(MODES))}")
    if mode not in _RUNS:
        ctx = x.make_context(x.connect())
        failure = BadConfig(directive) if directive is not None and mode == "bad-config" else MODES[mode]
        _RUNS[mode] = RunState(ctx, failure, f"{mode}-{uuid.uuid4().hex[:8]}")
    return _RUNS[mode]


def _phase(state: RunState, name: str) -> None:
    if state.failed_phase:
        raise x.ChaosError(f"{name} not run: phase {state.failed_phase!r} failed")


def steady_state(mode: str, directive: str | None = None) -> bool:
    """Probe (tolerance true): every runbook verification check passes."""
    state = _state(mode, directive)
    failing = x.steady_state(state.ctx)
    for result in failing:
        x.log.info("STEADY-STATE %s: %s %s", result.check, result.value, result.detail)
    return not failing


def write_sentinels(mode: str, directive: str | None = None) -> dict[str, Any]:
    state = _state(mode, directive)
    x.write_sentinels(state.ctx, state.set_id)
    state.outage_before = x.client_outage_seconds(state.ctx)
    return {"sentinel_set": state.set_id, "keys": x.SENTINEL_COUNT}


def inject(mode: str, directive: str | None = None) -> dict[str, Any]:
    """Action: write the undo record, then break Redis the way this failure mode does."""
    state = _state(mode, directive)
    x.guard(state.ctx.cluster)
    record = {"mode": mode, "sentinel_set": state.set_id, "injected_at": time.time()}
    x.write_undo_record(state.ctx.cluster, mode, record)
    state.injected_at = time.time()
    x.log.info("INJECT mode=%s", mode)
    try:
        details = state.mode.inject(state.ctx)
    except Exception:
        state.failed_phase = "inject"
        raise
    x.write_undo_record(state.ctx.cluster, mode, {**record, **details})
    return {"injected": mode, **details}


def detect(mode: str, directive: str | None = None) -> dict[str, Any]:
    """Probe: the runbook's diagnosis shows the documented symptom; time to detect."""
    state = _state(mode, directive)
    _phase(state, "detect")
    try:
        x.detect(state.ctx, state.mode)
    except Exception:
        state.failed_phase = "detect"
        raise
    state.detected_at = time.time()
    took = state.detected_at - (state.injected_at or state.detected_at)
    x.log.info("DETECT mode=%s time_to_detect_s=%.1f", mode, took)
    return {"time_to_detect_s": round(took, 1)}


def recover(mode: str, directive: str | None = None) -> dict[str, Any]:
    """Action: run the runbook's documented fix through the executor."""
    state = _state(mode, directive)
    _phase(state, "recover")
    state.recover_started = time.time()
    x.log.info("RECOVER mode=%s", mode)
    try:
        executions = state.mode.recover(state.ctx)
    except Exception:
        state.failed_phase = "recover"
        raise
    return {
        "commands": [
            {
                "line": e.line,
                "runbook": e.original,
                "ran": e.ran,
                "outcome": e.outcome.value,
                "seconds": round(e.seconds, 1),
                "adaptations": [a.what for a in e.adaptations],
                "reason": e.reason,
            }
            for e in executions
        ],
        "notes": list(state.ctx.notes),
    }


def verify_recovered(mode: str, directive: str | None = None) -> dict[str, Any]:
    """Probe: every verification check passes and the sentinel keys are intact (or the loss is measured)."""
    state = _state(mode, directive)
    _phase(state, "verify")
    try:
        x.wait_until_verified(state.ctx)
    except Exception:
        state.failed_phase = "verify"
        raise
    state.recovered_at = time.time()
    report = x.read_sentinels(state.ctx, state.set_id)
    outage_after = x.client_outage_seconds(state.ctx)
    result = {
        "time_to_recover_s": round(state.recovered_at - (state.recover_started or state.recovered_at), 1),
        "injection_to_verified_s": round(state.recovered_at - (state.injected_at or state.recovered_at), 1),
        "escalation_threshold_s": x.ESCALATION_S,
        "keys_written": x.SENTINEL_COUNT,
        "keys_lost": report.lost if report.keys else x.SENTINEL_COUNT,
        "keys_changed": report.changed,
        "client_outage_s": {k: round(outage_after.get(k, 0) - state.outage_before.get(k, 0), 1) for k in outage_after},
        "data_loss_expected": state.mode.data_loss_expected,
        "notes": list(state.ctx.notes),
    }
    x.log.info("VERIFY mode=%s %s", mode, result)
    if result["keys_lost"] and not state.mode.data_loss_expected:
        raise x.RecoveryFailed(f"{result['keys_lost']} of {x.SENTINEL_COUNT} acknowledged sentinel keys lost")
    return result


def undo(mode: str, directive: str | None = None) -> dict[str, Any]:
    """Rollback: undo the fault (idempotent), wait until healthy again, and clear the undo record."""
    state = _state(mode, directive)
    records = x.pending_undo(state.ctx.cluster)
    record = records.get(mode, {"mode": mode, "sentinel_set": state.set_id})
    started = time.time()
    state.mode.undo(state.ctx, record)
    x.wait_until_verified(state.ctx)
    x.drop_sentinels(state.ctx, record.get("sentinel_set", state.set_id))
    x.clear_undo_record(state.ctx.cluster, mode)
    _RUNS.pop(mode, None)
    state.ctx.executor.close()
    x.log.info("UNDO mode=%s took %.0fs", mode, time.time() - started)
    return {"undone": mode, "seconds": round(time.time() - started, 1)}
