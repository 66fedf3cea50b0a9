"""Run `pytest -m verify` in a subprocess, as an on-call engineer would, and time it."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from fixtures.core import budgets
from fixtures.core.kube import Cluster

REPO = Path(__file__).resolve().parents[1]


@dataclass
class VerifyRun:
    returncode: int
    output: str
    seconds: float


def cluster_args(cluster: Cluster) -> tuple[str, str]:
    """--kubeconfig and --context of `cluster`: a verify subprocess checks the session's cluster, not the default."""
    return f"--kubeconfig={cluster.kubeconfig}", f"--context={cluster.context}"


def run_verify(*args: str, summary: Path, timeout: float = budgets.VERIFY_SUBPROCESS_S) -> VerifyRun:
    """`pytest -m verify ARGS`, its summary JSON written to `summary` (not over the reports/ of a real run)."""
    started = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-m",
            "verify",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--verify-summary={summary}",
            *args,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return VerifyRun(proc.returncode, proc.stdout + proc.stderr, time.monotonic() - started)
