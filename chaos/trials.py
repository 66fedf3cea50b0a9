"""Interrupt trials: stop `chaos run` with SIGINT or SIGKILL in each phase, then prove the next run repairs it.

    python -m chaos.trials [--modes oom bad-config network-policy] [--signals INT KILL]
                           [--phases inject detect recover verify] [--out reports/interrupt-trials.md]

Each trial starts the mode's experiment with the `chaos run` CLI against the local cluster, waits
until the phase's activity has started (its line in the Chaos Toolkit log) plus a moment, signals the
whole process group (what Ctrl-C in a terminal does; SIGKILL for kill -9), waits for the process to
end, then does what the next run does first (repair from the undo records) and checks: every
verification check passes, no undo record is left and no acknowledged sentinel key is lost.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import redis

from chaos import records, runner, safety, verified
from chaos.target import Target
from fixtures.cluster import config as cluster_config
from fixtures.core import budgets
from fixtures.core.cli_logging import configure_cli_logging
from fixtures.core.redis_client import through_service
from fixtures.core.waits import Seen, WaitTimeout, wait_for
from fixtures.sut import sentinel
from fixtures.sut.install import BASELINE_SENTINELS

CHAOS_CLI = str(Path(sys.executable).parent / "chaos")
PHASE_ACTIVITY = {
    "inject": "Action: inject-",
    "detect": "Probe: runbook-diagnosis-shows-symptom",
    "recover": "Action: runbook-recovery-procedure",
    "verify": "Probe: verified-and-sentinels-intact",
    "rollback": "Action: undo-",
}
INTO_PHASE_S = 1.5  # signal mid-phase, not at its first instruction


@dataclass
class Trial:
    mode: str
    phase: str
    signal: str
    exit_s: float = 0.0  # signal to process ended (SIGINT: the rollback ran in it)
    repaired: str = ""
    repair_s: float = 0.0
    healthy: bool = False
    keys_lost: int = -1
    records_left: int = -1
    detail: str = ""
    record_kept: bool | None = None  # only for a second Ctrl-C during the rollback

    @property
    def ok(self) -> bool:
        return self.healthy and self.keys_lost == 0 and self.records_left == 0 and self.record_kept is not False


def run_trial(target: Target, mode: str, phase: str, sig: signal.Signals, workdir: Path, twice: bool = False) -> Trial:
    trial = Trial(mode, phase, sig.name + ("x2" if twice else ""))
    log_file = workdir / f"{mode}-{phase}-{trial.signal}.log"
    argv = [CHAOS_CLI, "--no-version-check", "--log-file", str(log_file), "run", "--rollback-strategy", "always",
            "--journal-path", str(log_file.with_suffix(".json")), f"chaos/experiments/{mode}.json"]  # fmt: skip
    argv[-1:-1] = ["--var", f"kubeconfig={target.kubeconfig}"]
    proc = subprocess.Popen(
        argv, cwd=cluster_config.REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True, preexec_fn=interruptible,
    )  # fmt: skip
    marker = PHASE_ACTIVITY[phase] + (mode if phase == "inject" else "")
    try:
        _wait_for_phase(_log_shows(proc, log_file, marker), mode, phase)
    except RuntimeError as exc:
        trial.detail = str(exc)
        return trial
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=INTO_PHASE_S)  # a moment into the phase (or the process ended on its own)
    signalled = time.monotonic()
    if proc.poll() is not None:
        trial.detail = "the run ended before the signal"
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    if twice:  # a second Ctrl-C while the rollback runs: the record must stay, and the log must say so
        rolling_back = PHASE_ACTIVITY["rollback"] + mode
        with contextlib.suppress(RuntimeError):
            _wait_for_phase(_log_shows(proc, log_file, rolling_back), mode, "rollback")
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=INTO_PHASE_S)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
    proc.wait(timeout=budgets.TRIAL_EXIT_S)
    if twice:
        kept = mode in records.pending(safety.authorize(target).cluster, target.names.namespace)
        said = "its record stays" in log_file.read_text(errors="replace")
        trial.detail = f"record kept after the second Ctrl-C: {kept}; the log says so: {said}"
        trial.record_kept = kept and said
    ended = time.time()
    trial.exit_s = round(time.monotonic() - signalled, 1)
    started = time.monotonic()
    permit = safety.authorize(target)
    try:
        trial.repaired = ", ".join(runner.repair(permit)) or "nothing"
    except Exception as exc:  # the record stays for the next run; the trial reports the failure
        trial.repaired, trial.detail = "failed", f"repair: {type(exc).__name__}: {exc}"[:300]
    trial.repair_s = round(time.monotonic() - started, 1)
    ctx = runner.open_context(permit, "trial-check")
    try:
        verified.wait_until_verified(ctx, not_before=ended, timeout=budgets.TRIAL_HEALTHY_S)
        trial.healthy = True
    except WaitTimeout as exc:
        trial.detail = str(exc)[-200:]
    finally:
        ctx.executor.close()
    with through_service(permit.cluster, target.names) as client:
        trial.keys_lost = sentinel_keys_lost(client)
    trial.records_left = len(records.pending(permit.cluster, target.names.namespace))
    return trial


def sentinel_keys_lost(client: redis.Redis) -> int:
    """Sentinel keys lost: of every set present and of the baseline set the installer seeded, present or not (the
    run's own set was read back and dropped by the repair). A flushed keyspace holds no set to find: counting only
    the sets found would call it whole."""
    return sentinel.check_all(client, {BASELINE_SENTINELS: sentinel.DEFAULT_COUNT}).lost


def interruptible() -> None:
    """In the child before exec: SIGINT as from a terminal. A suite started in the background by a non-interactive
    shell inherits SIGINT ignored, and so would the run under test, which Ctrl-C must reach."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _log_shows(proc: subprocess.Popen[bytes], log_file: Path, marker: str) -> Callable[[], Seen]:
    def probe() -> Seen:
        if proc.poll() is not None:
            raise RuntimeError(f"`chaos run` ended (exit {proc.returncode}) before `{marker}`: {log_file}")
        text = log_file.read_text(errors="replace") if log_file.exists() else ""
        return Seen(marker in text, f"`{marker}` not in the log yet")

    return probe


def _wait_for_phase(started: Callable[[], Seen], mode: str, phase: str) -> None:
    wait_for(
        started,
        timeout=budgets.TRIAL_PHASE_START_S,
        interval=0.5,
        what=f"{mode}: phase {phase} started",
        errors_are_state=False,
    )


def render(trials: list[Trial]) -> str:
    lines = [
        "| mode | phase | signal | process ended after s | repaired by next run | repair s | healthy | keys lost "
        "| records left | notes |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for t in trials:
        lines.append(
            f"| {t.mode} | {t.phase} | {t.signal} | {t.exit_s} | {t.repaired} | {t.repair_s} "
            f"| {'yes' if t.healthy else 'no'} | {t.keys_lost} | {t.records_left} | {t.detail} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chaos.trials", description=__doc__.splitlines()[0])
    parser.add_argument("--modes", nargs="+", default=["oom", "bad-config", "network-policy"])
    phases = [p for p in PHASE_ACTIVITY if p != "rollback"]
    parser.add_argument("--phases", nargs="+", default=phases, choices=phases)
    parser.add_argument(
        "--signals", nargs="+", default=["INT", "KILL"], choices=["INT", "KILL", "INTx2"],
        help="INTx2: Ctrl-C in the phase, then again while the rollback runs",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=cluster_config.REPO / "reports" / "interrupt-trials.md")
    args = parser.parse_args(argv)
    # The trials print their own lines; the progress of the repairs and checks they run stays out of them.
    configure_cli_logging(logging.WARNING)
    target = Target(cluster_config.KUBECONFIG, None, cluster_config.REPO / "runbooks" / "redis-down.md")
    workdir = Path(tempfile.mkdtemp(prefix="interrupt-trials-"))
    trials = []
    for mode in args.modes:
        for phase in args.phases:
            for name in args.signals:
                sig = signal.Signals[f"SIG{name.removesuffix('x2')}"]
                trial = run_trial(target, mode, phase, sig, workdir, twice=name.endswith("x2"))
                print(f"TRIAL {mode} {phase} SIG{name}: ok={trial.ok} {trial}", flush=True)
                trials.append(trial)
                args.out.parent.mkdir(parents=True, exist_ok=True)
                args.out.write_text(render(trials))
    print(f"{sum(t.ok for t in trials)}/{len(trials)} trials restored health; table: {args.out} (logs: {workdir})")
    return 0 if all(t.ok for t in trials) else 1


if __name__ == "__main__":
    sys.exit(main())
