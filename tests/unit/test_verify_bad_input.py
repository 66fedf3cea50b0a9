"""`pytest -m verify` against a cluster that is not there: one line saying what to do, in seconds."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from checks.verify_runner import run_verify

pytestmark = pytest.mark.unit


def _kubeconfig(path: Path, server: str) -> Path:
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "gone", "cluster": {"server": server, "insecure-skip-tls-verify": True}}],
                "users": [{"name": "someone", "user": {"token": "not-a-real-token"}}],
                "contexts": [{"name": "gone", "context": {"cluster": "gone", "user": "someone"}}],
                "current-context": "gone",
            }
        )
    )
    return path


def test_unreachable_cluster_fails_each_check_in_one_line_within_seconds(tmp_path: Path) -> None:
    # Port 1 on loopback: nothing listens, so the connection is refused at once.
    run = run_verify(
        f"--kubeconfig={_kubeconfig(tmp_path / 'kubeconfig', 'https://127.0.0.1:1')}",
        f"--junitxml={tmp_path / 'junit.xml'}",
        summary=tmp_path / "summary.json",
    )
    assert run.returncode != 0
    assert "does not answer" in run.output and "python -m fixtures.cluster status" in run.output
    assert "Traceback" not in run.output
    assert run.seconds < 20, f"took {run.seconds:.1f}s"


def test_unknown_context_is_named_with_the_contexts_that_exist(tmp_path: Path) -> None:
    run = run_verify(
        f"--kubeconfig={_kubeconfig(tmp_path / 'kubeconfig', 'https://127.0.0.1:1')}",
        "--context=prod-eu",
        f"--junitxml={tmp_path / 'junit.xml'}",
        summary=tmp_path / "summary.json",
    )
    assert run.returncode != 0
    assert "context 'prod-eu' is not in" in run.output and "(it has: gone)" in run.output
    assert "Traceback" not in run.output


def test_missing_kubeconfig_says_how_to_get_one(tmp_path: Path) -> None:
    run = run_verify(
        f"--kubeconfig={tmp_path / 'nope'}", f"--junitxml={tmp_path / 'junit.xml'}", summary=tmp_path / "summary.json"
    )
    assert run.returncode != 0
    assert "no kubeconfig at" in run.output and "python -m fixtures.cluster up" in run.output
