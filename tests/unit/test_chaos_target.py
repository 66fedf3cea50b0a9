"""The chaos target and failure-mode discovery, without a cluster."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from chaos import toolkit
from chaos.failure_mode import FailureMode
from chaos.modes import MODES
from chaos.target import CONFIGURATION_ENV, BadTarget, Target
from fixtures.core.names import RUNBOOK, Client

pytestmark = pytest.mark.unit
CHAOS = Path(__file__).resolve().parents[2] / "chaos"


def test_target_survives_the_trip_through_chaos_toolkit_configuration() -> None:
    names = RUNBOOK.__class__(namespace="cache", pod="cache-0", clients=(Client("shop", "cart"),))
    target = Target(Path("/k/config"), "staging", Path("/r/book.md"), names, frozenset({"staging", "dev"}))
    again = Target.from_configuration(target.as_configuration())
    assert again == target


def test_missing_configuration_falls_back_to_the_runbook_names_and_the_local_cluster() -> None:
    target = Target.from_configuration({"context": ""})
    assert target.context is None and target.names == RUNBOOK and target.allow_chaos_on == frozenset()
    assert str(target.kubeconfig) == CONFIGURATION_ENV["kubeconfig"][1]
    assert target.runbook.is_absolute() and target.runbook.name == "redis-down.md"


@pytest.mark.parametrize("bad", ["bruno", "/agent-bruno", "bruno/", "a/b,c"])
def test_a_malformed_client_is_one_clear_error(bad: str) -> None:
    with pytest.raises(BadTarget, match="expected NAMESPACE/DEPLOYMENT"):
        Target.from_configuration({"clients": bad})


def test_every_mode_is_a_failure_mode_with_an_experiment_file_and_a_test() -> None:
    tests = (CHAOS / "test_chaos.py").read_text()
    for name, mode in MODES.items():
        assert isinstance(mode, FailureMode)
        assert toolkit.experiment_path(name).is_file(), f"run `python -m chaos.toolkit` to write {name}.json"
        assert f'"{name}"' in tests, f"chaos/test_chaos.py runs no experiment for mode {name!r}"


def test_experiments_gate_every_run_through_the_safety_control_and_take_the_target_from_configuration() -> None:
    for name in MODES:
        document = toolkit.experiment(name)
        assert document["controls"][0]["provider"]["module"] == "chaos.control"
        assert set(CONFIGURATION_ENV) <= set(document["configuration"])
        activities = [*document["method"], *document["rollbacks"]]
        assert all("arguments" not in a["provider"] for a in activities), "the target comes from configuration only"


def test_the_chaos_package_never_reads_the_environment() -> None:
    for path in CHAOS.rglob("*.py"):
        tree = ast.parse(path.read_text())
        names = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        assert not {"environ", "getenv"} & names, f"{path.name} reads the environment: pass settings in a Target"
