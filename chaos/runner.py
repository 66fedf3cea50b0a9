"""The one runner of a chaos experiment's phases: each phase in order, timed, with the undo record kept.

Both entry points (pytest and `chaos run`) drive a Run through these functions via chaos/activities.py.
A Run belongs to one experiment run; it is made only from a Permit, so nothing here can touch a
cluster the safety gate refused.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from chaos import chaos_logger, pager, records
from chaos.context import Context
from chaos.effects import EffectWatch
from chaos.errors import (
    AlertPathFailed,
    AlertPathUnmeasured,
    ChaosError,
    HarnessError,
    NotRecovered,
    RecoveryFailed,
    SymptomNotShown,
)
from chaos.failure_mode import FailureMode
from chaos.modes import MODES
from chaos.nodes import redis_node_host
from chaos.safety import Permit
from chaos.steps import first_fix_started
from chaos.verified import client_outage_seconds, steady_state_failures, wait_until_verified
from checks.runbook.executor import Executor
from checks.runbook.parser import parse_file
from fixtures.core import budgets
from fixtures.core.redis_client import through_service
from fixtures.core.waits import Seen, WaitTimeout, wait_for
from fixtures.monitoring.alerting import AlertPathUnreadable
from fixtures.monitoring.stack import DEPLOYMENTS as MONITORING_DEPLOYMENTS
from fixtures.monitoring.stack import NAMESPACE as MONITORING_NAMESPACE
from fixtures.sut import sentinel

log = chaos_logger(__name__)
SENTINEL_COUNT = 100


@dataclass
class Run:
    """One experiment run: its failure mode, context, sentinel set and the time each phase ended."""

    mode: FailureMode
    ctx: Context
    set_id: str
    # A mutation run: the recovery phase does nothing, to show the experiment fails without the runbook.
    without_recovery: bool = False
    effect_watch: EffectWatch | None = None
    injected_at: float | None = None  # inject returned
    effect_at: float | None = None  # the fault is in effect: first API state showing it (or inject returned)
    effect_source: str = ""
    detected_at: float | None = None
    recover_started: float | None = None
    recover_ended: float | None = None
    recovered_at: float | None = None
    outage_before: dict[str, float] = field(default_factory=dict)
    sentinels_written: bool = False
    failed_phase: str | None = None
    alert_unmeasured: str | None = None  # why the alert path is not measured in this run (None: it is)
    alert_path: dict[str, Any] = field(default_factory=dict)  # what pager.measure found (also on failure)
    verification: list[dict[str, Any]] = field(default_factory=list)  # every check's row, the verify phase's last round

    @property
    def permit(self) -> Permit:
        return self.ctx.permit

    def close(self) -> None:
        self.ctx.executor.close()


def failure_mode(name: str, parameter: str | None = None) -> FailureMode:
    """The mode called `name`, with its parameter set when one is given."""
    if name not in MODES:
        raise ChaosError(f"unknown failure mode {name!r}: choose one of {', '.join(sorted(MODES))}")
    return MODES[name].configured(parameter) if parameter else MODES[name]


def open_context(permit: Permit, run_id: str, record: dict[str, Any] | None = None) -> Context:
    runbook = parse_file(permit.target.runbook)
    executor = Executor(permit.cluster, permit.target.names)
    return Context(permit, runbook, executor, run_id, record or {})


def start(permit: Permit, mode_name: str, parameter: str | None = None, without_recovery: bool = False) -> Run:
    """A new run of one failure mode against the permit's cluster (nothing is changed yet)."""
    mode = failure_mode(mode_name, parameter)
    if mode.node_action:
        redis_node_host(permit, mode.node_action)  # refused here, before anything changes, when out of reach
    run_id = f"{mode.name}-{uuid.uuid4().hex[:8]}"
    return Run(mode, open_context(permit, run_id), set_id=run_id, without_recovery=without_recovery)


def _phase(run: Run, name: str, body: Callable[[], Any]) -> Any:
    if run.failed_phase:
        raise ChaosError(f"{name} not run: phase {run.failed_phase!r} failed")
    try:
        return body()
    except BaseException:
        run.failed_phase = name
        raise


# ---------------------------------------------------------------- phases


def steady_state(run: Run) -> bool:
    """Healthy: every check passes and the clients logged no Redis error in the last minute. A system still
    settling after the previous experiment gets a bounded wait; one that stays unhealthy is reported."""

    if run.failed_phase:  # the check after a failed method: the experiment has failed already, do not wait
        log.info("STEADY-STATE not checked: phase %r failed", run.failed_phase)
        return False

    def probe() -> Seen:
        failing = steady_state_failures(run.ctx, not_before=time.time() - budgets.CHAOS_STEADY_LOG_WINDOW_S)
        return Seen(not failing, "; ".join(f"{r.check}: {r.value}" for r in failing)[:400])

    try:
        wait_for(
            probe, timeout=budgets.CHAOS_STEADY_S, interval=3, what="steady state: every verification check passes"
        )
    except WaitTimeout as exc:
        log.info("STEADY-STATE not met: %s", exc)
        return False
    return True


def pager_quiet(run: Run) -> dict[str, Any]:
    """Before the fault: RedisDown for this Redis inactive and resolved at the webhook (bounded wait), so what
    reaches the pager after the fault is this fault's. Not measured (and said why) where there is no pager to read."""

    def body() -> dict[str, Any]:
        run.alert_unmeasured = pager.measurable(run.ctx.cluster, run.permit.target.alert_path)
        if run.alert_unmeasured:
            return {"alert_path": run.alert_unmeasured}
        waited = pager.quiet_before_fault(run.ctx.cluster, run.ctx.names)
        return {"alert_path": "measured", "quiet_after_s": round(waited, 1)}

    return _phase(run, "pager-quiet", body)


def alert_path(run: Run) -> dict[str, Any]:
    """After verification (or after a failed phase: the page matters most then): which of the runbook's alerts
    reached the webhook since the fault, RedisDown's time from the fault in effect and its resolution after
    verification. Fails, naming the rule, when RedisDown was due and never came, or never resolved."""
    if run.injected_at is None:
        return {"alert_path": "not measured: the fault was not injected"}
    if run.alert_unmeasured is not None or run.failed_phase == "pager-quiet":
        return {"alert_path": run.alert_unmeasured or "not measured: the pager was not quiet before the fault"}
    fault_at = run.effect_at or run.injected_at
    try:
        run.alert_path, failure = pager.measure(
            run.ctx.cluster, run.ctx.names, fault_at, run.injected_at, run.recovered_at
        )
    except AlertPathUnreadable as exc:
        down = monitoring_on_failed_node(run)
        if down is not None:
            # The fault took the pager down with Redis: no page could go out, which is what a team on such a
            # cluster would see. Reported as the suite's observation of this cluster's monitoring, not the runbook's.
            run.ctx.notes.append(
                f"alert path: no page could go out while node {down} was down: the monitoring stack (ns monitoring) "
                f"runs there too and its Services lost their endpoints ({exc})"
            )
            return {"alert_path": f"not measured: the monitoring stack ran on the failed node {down}"}
        if run.permit.target.alert_path == "required":
            raise AlertPathUnmeasured(f"the alert path became unreadable during the run: {exc}") from None
        return {"alert_path": f"not measured: the alert path became unreadable during the run: {exc}"}
    log.info("ALERTS mode=%s %s", run.mode.name, run.alert_path)
    if failure:
        run.failed_phase = run.failed_phase or "alert-path"
        raise AlertPathFailed(failure)
    return run.alert_path


def monitoring_on_failed_node(run: Run) -> str | None:
    """The node this run's fault took down (a node fault records it), when the pager's pods run on it."""
    node = run.ctx.record.get("node")
    if not node:
        return None
    pods = run.ctx.cluster.core.list_namespaced_pod(MONITORING_NAMESPACE).items
    pager = [p for p in pods if (p.metadata.labels or {}).get("app") in MONITORING_DEPLOYMENTS]
    return node if any(p.spec.node_name == node for p in pager) else None


def write_sentinels(run: Run) -> dict[str, Any]:
    def body() -> dict[str, Any]:
        run.sentinels_written = True
        with through_service(run.ctx.cluster, run.ctx.names) as client:
            sentinel.seed(client, run.set_id, SENTINEL_COUNT)
            run.ctx.redis_version = str(client.info("server").get("redis_version", ""))
        run.outage_before = client_outage_seconds(run.ctx)
        return {"sentinel_set": run.set_id, "keys": SENTINEL_COUNT, "redis_version": run.ctx.redis_version}

    return _phase(run, "sentinels", body)


def inject(run: Run) -> dict[str, Any]:
    """Record the prior state of what the fault changes (and any fault a killed run left), then inject."""

    def body() -> dict[str, Any]:
        ctx = run.ctx
        record = {"mode": run.mode.name, "run_id": ctx.run_id, "sentinel_set": run.set_id, "started_at": time.time()}
        record.update(run.mode.snapshot(ctx))
        ctx.record = record
        records.write(run.permit, run.mode.name, record)
        effect = run.mode.effect(ctx)
        if effect is not None:
            run.effect_watch = EffectWatch(ctx, effect, timeout=budgets.CHAOS_EFFECT_WATCH_S)
        log.info("INJECT mode=%s run=%s", run.mode.name, ctx.run_id)
        details = run.mode.inject(ctx)
        run.injected_at = time.time()
        return {"injected": run.mode.name, "run_id": ctx.run_id, **details}

    return _phase(run, "inject", body)


def detect(run: Run) -> dict[str, Any]:
    """Poll the runbook's diagnosis until it shows the symptom. An exception in the probe is the suite's failure
    and ends the phase at once; only a symptom that never shows within the budget is a runbook defect."""

    def body() -> dict[str, Any]:
        try:
            wait_for(
                lambda: run.mode.symptom(run.ctx),
                timeout=budgets.CHAOS_DETECT_S,
                interval=2,
                what=f"{run.mode.name}: the runbook's diagnosis shows the documented symptom",
                errors_are_state=False,
            )
        except WaitTimeout as exc:
            raise SymptomNotShown(f"runbook defect: {exc}") from None
        except ChaosError:
            raise
        except Exception as exc:
            raise HarnessError(f"the suite's symptom probe failed: {type(exc).__name__}: {exc}") from exc
        run.detected_at = time.time()
        fault_in_effect(run)
        took = run.detected_at - (run.effect_at or run.detected_at)
        log.info("DETECT mode=%s time_to_detect_s=%.1f (%s)", run.mode.name, took, run.effect_source)
        return {
            "time_to_detect_s": round(took, 1),
            "fault_in_effect": run.effect_source,
            "fault_in_effect_at": run.effect_at,
            "symptom_shown_at": run.detected_at,
        }

    return _phase(run, "detect", body)


def fault_in_effect(run: Run) -> None:
    """When the fault took effect: the watch's first sighting, else (no API object shows it) inject's return;
    never after the diagnosis showed the symptom."""
    watch = run.effect_watch
    seen = watch.result(wait=budgets.CHAOS_EFFECT_REPORT_S) if watch else None
    if watch is not None and seen is not None:
        at, source = seen, f"watch: {watch.effect.what}"
    elif watch is not None:
        at = run.injected_at
        source = f"inject returned (the watch for {watch.effect.what} saw nothing: {watch.state})"
    else:
        at = run.injected_at
        source = "inject returned (no API object shows this fault; the injection checked it)"
    run.effect_at, run.effect_source = earliest_sighting(at, source, run.detected_at or at)


def earliest_sighting(effect_at: float, source: str, detected_at: float) -> tuple[float, str]:
    """The diagnosis can read the API state a moment before the watch delivers the same change: the fault was in
    effect no later than the diagnosis showed it, so that moment bounds it (and detection took 0 s)."""
    if effect_at <= detected_at:
        return effect_at, source
    return detected_at, f"the runbook's diagnosis, {effect_at - detected_at:.1f} s before the {source} delivered it"


def recover(run: Run) -> dict[str, Any]:
    """The mode's recovery, every step labelled (runbook, runbook-prose, lever); a mutation run does nothing."""

    def body() -> dict[str, Any]:
        run.recover_started = time.time()
        if run.without_recovery:
            log.info("RECOVER mode=%s skipped: mutation run without the runbook's recovery", run.mode.name)
            run.recover_ended = run.recover_started
            return {"steps": [], "skipped": "mutation run: the runbook's recovery was left out", "notes": []}
        log.info("RECOVER mode=%s", run.mode.name)
        run.ctx.recording = True
        try:
            run.mode.recover(run.ctx)
        finally:
            run.ctx.recording = False
            run.recover_ended = time.time()
        return {"steps": [step.as_json() for step in run.ctx.steps], "notes": list(run.ctx.notes)}

    return _phase(run, "recover", body)


def verify(run: Run) -> dict[str, Any]:
    """Every verification check passes and the sentinel keys are intact (or the loss is measured)."""

    def body() -> dict[str, Any]:
        ctx = run.ctx
        budget = budgets.CHAOS_UNAIDED_S if run.without_recovery else budgets.CHAOS_RECOVER_S
        try:
            wait_until_verified(ctx, not_before=run.recover_ended, timeout=budget, seen=run.verification)
        except WaitTimeout as exc:
            raise NotRecovered(f"verification still failing {budget}s after recovery: {exc}") from None
        run.recovered_at = time.time()
        with through_service(ctx.cluster, ctx.names) as client:
            report = sentinel.check_set(client, run.set_id, expected_count=SENTINEL_COUNT)
        outage_after = client_outage_seconds(ctx)
        first_fix = first_fix_started([s.as_json() for s in ctx.steps])
        result = {
            "time_to_recover_s": round(run.recovered_at - first_fix, 1) if first_fix else None,
            "recovery_procedure_s": round((run.recover_ended or 0) - (run.recover_started or 0), 1),
            "fault_to_verified_s": round(run.recovered_at - (run.effect_at or run.recovered_at), 1),
            "verified_at": run.recovered_at,
            "escalation_threshold_s": budgets.ESCALATION_S,
            "keys_written": SENTINEL_COUNT,
            "keys_lost": report.lost,
            "keys_changed": report.changed,
            "client_outage_s": {
                k: round(outage_after.get(k, 0) - run.outage_before.get(k, 0), 1) for k in outage_after
            },
            "data_loss_expected": run.mode.data_loss_expected,
            "verification": run.verification,
            "notes": list(ctx.notes),
        }
        log.info("VERIFY mode=%s %s", run.mode.name, result)
        if result["keys_lost"] and not run.mode.data_loss_expected:
            raise RecoveryFailed(f"{result['keys_lost']} of {SENTINEL_COUNT} acknowledged sentinel keys lost")
        return result

    return _phase(run, "verify", body)


# ---------------------------------------------------------------- undo and repair


def undo_record(
    permit: Permit,
    mode_name: str,
    record: dict[str, Any],
    ctx: Context | None = None,
    data_key: str | None = None,
    verified_since: float | None = None,
) -> dict[str, Any]:
    """Restore what `record` says, wait until healthy, read back and drop its sentinel keys, clear it: the
    seconds taken, how health was confirmed and how many sentinel keys the restored Redis lacks (None when the
    run wrote none).

    `verified_since`: the run verified Redis with client logs clean since then. When every check still passes
    over that same window, now including the undo, the undo disturbed nothing and health is confirmed at once;
    otherwise a fresh window opens after the undo (the reconnect grace, then every check again).

    An interrupt while this runs leaves the record in place for the next run, and says so.
    """
    started = time.monotonic()
    own = ctx is None
    ctx = ctx or open_context(permit, record.get("run_id", "repair"), record)
    lost = None
    try:
        failure_mode(mode_name).undo(ctx, record)
        health = "still verified: every check passes, client logs clean since the recovery"
        if verified_since is None or steady_state_failures(ctx, verified_since):
            health = "verified again, over a window opened after the undo"
            wait_until_verified(ctx, not_before=time.time())
        if record.get("sentinel_set"):
            with through_service(ctx.cluster, ctx.names) as client:
                report = sentinel.check_set(client, record["sentinel_set"], expected_count=SENTINEL_COUNT)
                lost = report.lost
                sentinel.delete_set(client, record["sentinel_set"])
        records.clear(permit, data_key or records.key(permit.target.names.namespace, mode_name))
    except KeyboardInterrupt:
        log.warning(
            "UNDO %s interrupted: its record stays in %s; the next run or `python -m chaos repair` restores it",
            mode_name,
            records.WHERE,
        )
        raise
    finally:
        if own:
            ctx.executor.close()
    return {"seconds": round(time.monotonic() - started, 1), "health": health, "keys_lost_after_restore": lost}


def undo(run: Run) -> dict[str, Any]:
    """Rollback: undo this run's fault if it recorded one (nothing to do otherwise). Its output also carries the
    recovery steps taken, since Chaos Toolkit keeps no output of a recovery phase that failed."""
    steps = {
        "recovery_steps": [step.as_json() for step in run.ctx.steps],
        "notes": list(run.ctx.notes),
        "alert_path": run.alert_path,
        "verification": run.verification,
    }
    record = records.pending(run.permit.cluster, run.permit.target.names.namespace).get(run.mode.name)
    if record is None or record.get("run_id") != run.ctx.run_id:
        if run.sentinels_written:
            with through_service(run.ctx.cluster, run.ctx.names) as client:
                sentinel.delete_set(client, run.set_id)
        return {"undone": None, "reason": "this run changed nothing that needs undoing", **steps}
    verified_since = run.recover_ended if run.recovered_at else None
    undone = undo_record(run.permit, run.mode.name, record, run.ctx, verified_since=verified_since)
    log.info("UNDO mode=%s %s", run.mode.name, undone)
    return {"undone": run.mode.name, **undone, **steps}


def repair(
    permit: Permit, also: Callable[[str], bool] = lambda namespace: False, before_cells: bool = True
) -> list[str]:
    """Undo every fault a killed or interrupted run left on the permit's system (its record says what was there),
    on each other Redis namespace `also` accepts (a cell no worker drives now) and, with `before_cells`, every record
    written before cells (no namespace in its key); the modes repaired."""
    repaired = []
    for (namespace, mode_name), record in records.pending_anywhere(permit.cluster).items():
        if not _repairable(permit, namespace, also, before_cells):
            continue
        names = records.names_of(record, permit.target.names)
        cell_permit = replace(permit, target=replace(permit.target, names=names))
        data_key = mode_name if namespace is None else records.key(namespace, mode_name)
        where = f"{mode_name} in ns {names.namespace}"
        log.info(f"REPAIR {where}: restoring what run {record.get('run_id')} changed (recorded {_when(record)})")
        took = undo_record(cell_permit, mode_name, record, data_key=data_key)["seconds"]
        log.info(f"REPAIR {where}: restored in {took:.0f}s: {', '.join(k for k in record if k not in _META)}")
        repaired.append(mode_name)
    return repaired


def pending_repairs(permit: Permit, also: Callable[[str], bool], before_cells: bool) -> list[str]:
    """What `repair` with these arguments would restore (reads only)."""
    return [
        mode
        for (namespace, mode) in records.pending_anywhere(permit.cluster)
        if _repairable(permit, namespace, also, before_cells)
    ]


def _repairable(permit: Permit, namespace: str | None, also: Callable[[str], bool], before_cells: bool) -> bool:
    if namespace is None:
        return before_cells
    return namespace == permit.target.names.namespace or also(namespace)


_META = {"mode", "run_id", "sentinel_set", "started_at", "redis_namespace", "clients"}


def _when(record: dict[str, Any]) -> str:
    started = record.get("started_at")
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(started)) if started else "at an unknown time"
