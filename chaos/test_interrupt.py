"""Ctrl-C during `pytest -m chaos`: the current experiment's rollback runs and the session stops there.

Chaos Toolkit catches the interrupt and returns normally; without the suite's handling, the next
experiment would inject its fault. Measured here with a real SIGINT to the whole process group (what
Ctrl-C in a terminal does) while the first of two experiments is injecting.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from chaos import records
from chaos.target import Target
from chaos.trials import interruptible
from checks.verify_runner import REPO
from fixtures.core import budgets
from fixtures.core.kube import Cluster
from fixtures.core.names import SYSTEMS, cell_names
from fixtures.core.options import cell_count, system_name
from fixtures.core.waits import Seen, wait_for
from fixtures.sut import install as sut_install
from fixtures.sut.profiles import Profile

# Marked chaos: it breaks Redis for real, so it runs with the experiments, after the read-only checks.
pytestmark = [pytest.mark.chaos, pytest.mark.usefixtures("redis_system")]

FIRST, SECOND = "oom", "network-policy"
# The child installs its cell and runs oom, each after the other cells' changes in progress (the cluster lock).
SESSION_BUDGET = 900 + budgets.CELLS_LOCK_S


def test_ctrl_c_rolls_back_the_current_experiment_and_injects_nothing_after(
    cluster: Cluster, target: Target, tmp_path: Path
) -> None:
    argv = [
        *_child_pytest(cluster, target, tmp_path),
        "-k",
        "oom or network_policy",
        "-o",
        "log_cli=true",
        "--log-cli-level=INFO",
        # This cell's system (with pytest -n, the worker's cell): the child changes nothing another cell uses.
        f"--redis-namespace={target.names.namespace}",
        *(f"--client={client.namespace}/{client.deployment}" for client in target.names.clients),
    ]

    def injecting(text: str) -> Seen:
        return Seen(f"INJECT mode={FIRST}" in text, "not injecting yet")

    proc, text, _ = _interrupt_when(argv, injecting, f"pytest -m chaos: {FIRST} injecting")
    assert f"UNDO mode={FIRST}" in text or f"UNDO {FIRST} interrupted" in text, text[-3000:]
    assert f"INJECT mode={SECOND}" not in text, "a fault was injected after Ctrl-C"
    assert proc.returncode != 0
    left = records.pending(cluster, target.names.namespace)
    assert left == {}, "the rollback left its record: it did not finish"


def test_ctrl_c_under_cells_rolls_back_every_cell_and_injects_nothing_after(
    request: pytest.FixtureRequest,
    cluster: Cluster,
    target: Target,
    profile: Profile,
    suite_installs: bool,
    tmp_path: Path,
) -> None:
    """`pytest -n 2` beside this run, on two cells of its own: once both cells have a fault in effect (each has an
    undo record), one SIGINT to the whole process group, as a terminal's Ctrl-C. Every cell rolls back and is healthy,
    no record is left, and no experiment starts after the Ctrl-C (three are selected for two cells)."""
    if not suite_installs:
        pytest.skip(f"cells are installed only on a cluster the suite installs, and {cluster.context!r} is not one")
    first = cell_count(request.config)  # past this run's own cells
    cells = [cell_names(SYSTEMS[system_name(request.config)], first + k) for k in range(2)]
    argv = [
        *_child_pytest(cluster, target, tmp_path, marker="chaos and not alone"),
        "-n",
        "2",
        f"--first-cell={first}",
        f"--profile={profile.name}",
        "-k",
        "oom_killed or network_policy or service_selecting",
    ]

    def faults_in_both_cells(text: str) -> Seen:
        pending = {names.namespace: sorted(records.pending(cluster, names.namespace)) for names in cells}
        return Seen(all(pending.values()), f"undo records: {pending}")

    proc, text, interrupted_at = _interrupt_when(argv, faults_in_both_cells, "a fault in effect in both cells")
    assert proc.returncode == pytest.ExitCode.INTERRUPTED, text[-3000:]
    for names in cells:
        assert records.pending(cluster, names.namespace) == {}, f"{names.namespace}: the rollback left its record"
        assert sut_install.is_healthy(cluster, names), f"{names.namespace}: not healthy after the rollback"
    started = {path.name: _started_at(path) for path in tmp_path.rglob("*.json") if path.name != "summary.json"}
    assert len([s for s in started.values() if s is not None]) >= 2, f"fewer than two journals: {started}"
    late = {name: at for name, at in started.items() if at is None or at > interrupted_at}
    assert not late, f"experiments started after the Ctrl-C (or without a start): {late}"


def _child_pytest(cluster: Cluster, target: Target, journals: Path, marker: str = "chaos") -> list[str]:
    """A pytest of the chaos tests against this session's cluster, with its permit, writing journals to `journals`."""
    return [
        sys.executable,
        "-m",
        "pytest",
        "-m",
        marker,
        "-p",
        "no:cacheprovider",
        "--junitxml=/dev/null",
        f"--kubeconfig={cluster.kubeconfig}",
        f"--context={cluster.context}",
        # The same permit as this session: the local cluster needs none, any other its --allow-chaos-on.
        *(f"--allow-chaos-on={context}" for context in sorted(target.allow_chaos_on)),
        f"--chaos-journals={journals}",  # this session's journals stay out of reports/chaos
    ]


def _interrupt_when(
    argv: list[str], ready: Callable[[str], Seen], what: str
) -> tuple[subprocess.Popen[str], str, float]:
    """Run `argv` in a session of its own; once `ready(output so far)`, SIGINT its whole process group and wait for it
    to end. Its process, its output and when the SIGINT was sent (epoch seconds)."""
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(
            argv,
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            preexec_fn=interruptible,
        )

        def output() -> str:
            out.seek(0)
            return out.read()

        try:

            def state() -> Seen:
                if proc.poll() is not None:
                    raise AssertionError(f"pytest ended before {what}:\n{output()[-3000:]}")
                return ready(output())

            wait_for(state, timeout=SESSION_BUDGET, what=what, errors_are_state=False)
            interrupted_at = time.time()
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(timeout=SESSION_BUDGET)
        finally:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
        return proc, output(), interrupted_at


def _started_at(path: Path) -> float | None:
    """When the experiment of a journal started (Chaos Toolkit's start, epoch seconds); None if it has none."""
    try:
        return datetime.fromisoformat(json.loads(path.read_text())["chaostoolkit_journal"]["start"]).timestamp()
    except (OSError, ValueError, KeyError, TypeError):
        return None
