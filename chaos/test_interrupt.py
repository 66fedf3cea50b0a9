"""Ctrl-C during `pytest -m chaos`: the current experiment's rollback runs and the session stops there.

Chaos Toolkit catches the interrupt and returns normally; without the suite's handling, the next
experiment would inject its fault. Measured here with a real SIGINT to the whole process group (what
Ctrl-C in a terminal does) while the first of two experiments is injecting.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from chaos import records
from chaos.target import Target
from chaos.trials import interruptible
from checks.verify_runner import REPO
from fixtures.core import budgets
from fixtures.core.kube import Cluster
from fixtures.core.waits import Seen, wait_for

# Marked chaos: it breaks Redis for real, so it runs with the experiments, after the read-only checks.
pytestmark = [pytest.mark.chaos, pytest.mark.usefixtures("redis_system")]

FIRST, SECOND = "oom", "network-policy"
# The child installs its cell and runs oom, each after the other cells' changes in progress (the cluster lock).
SESSION_BUDGET = 900 + budgets.CELLS_LOCK_S


def test_ctrl_c_rolls_back_the_current_experiment_and_injects_nothing_after(
    cluster: Cluster, target: Target, tmp_path: Path
) -> None:
    argv = [
        sys.executable,
        "-m",
        "pytest",
        "-m",
        "chaos",
        "-k",
        "oom or network_policy",
        "-p",
        "no:cacheprovider",
        "-o",
        "log_cli=true",
        "--log-cli-level=INFO",
        "--junitxml=/dev/null",
        f"--kubeconfig={cluster.kubeconfig}",
        f"--context={cluster.context}",
        # The same permit as this session: the local cluster needs none, any other its --allow-chaos-on.
        *(f"--allow-chaos-on={context}" for context in sorted(target.allow_chaos_on)),
        f"--chaos-journals={tmp_path}",  # this session's journals stay out of reports/chaos
        # This cell's system (with pytest -n, the worker's cell): the child changes nothing another cell uses.
        f"--redis-namespace={target.names.namespace}",
        *(f"--client={client.namespace}/{client.deployment}" for client in target.names.clients),
    ]
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

            def injecting() -> Seen:
                if proc.poll() is not None:
                    raise AssertionError(f"pytest ended before {FIRST} injected:\n{output()[-3000:]}")
                return Seen(f"INJECT mode={FIRST}" in output(), "not injecting yet")

            wait_for(
                injecting, timeout=SESSION_BUDGET, what=f"pytest -m chaos: {FIRST} injecting", errors_are_state=False
            )
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(timeout=SESSION_BUDGET)
        finally:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
        text = output()
    assert f"UNDO mode={FIRST}" in text or f"UNDO {FIRST} interrupted" in text, text[-3000:]
    assert f"INJECT mode={SECOND}" not in text, "a fault was injected after Ctrl-C"
    assert proc.returncode != 0
    left = records.pending(cluster, target.names.namespace)
    assert left == {}, "the rollback left its record: it did not finish"
