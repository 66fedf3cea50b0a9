"""`pytest -m verify` and every chaos experiment judge the same checks: the registry's. Proved from what pytest
collects, from what the chaos run's verification lists, and from the source (nothing but the registry calls a check
function), so a check added to one side only, or called around the registry, fails here."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from checks.verification import registry
from checks.verification.registry import REGISTRY

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]


def test_verify_collects_one_test_per_registry_check() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "checks/test_verify.py", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    ids = {line.split("[", 1)[1].rstrip("]") for line in proc.stdout.splitlines() if "::test_verification[" in line}
    collected = {check_id.split("-", 1)[0] for check_id in ids}
    assert collected == {check.id for check in REGISTRY}, proc.stdout[-2000:]


def test_every_check_is_judged_in_chaos_or_names_the_phase_that_judges_it() -> None:
    judged = {check.id for check in registry.judged_in_chaos()}
    left = {check.id: check for check in REGISTRY if check.id not in judged}
    assert judged | set(left) == {check.id for check in REGISTRY}
    rows = {row.check: row for row in registry.not_judged_in_chaos()}
    assert set(rows) == {check.title for check in left.values()}
    for row in rows.values():
        assert row.status == "SKIP" and row.value.startswith("not judged here: judged by the run's"), row


def test_the_checks_the_issue_found_missing_from_chaos_are_judged_there() -> None:
    judged = {check.id for check in registry.judged_in_chaos()}
    for check_id in ("redis_container_not_oom_killed", "persistence_healthy", "latency_within_budget"):
        assert check_id in judged
    assert "info_server_reports_expected_version" in judged


def test_every_check_function_is_in_the_registry() -> None:
    functions = {
        node.name
        for node in ast.parse((REPO / "checks/verification/checks.py").read_text()).body
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
    }
    source = (REPO / "checks/verification/registry.py").read_text()
    assert {name for name in functions if f"checks.{name}" not in source} == set()


def test_nothing_but_the_registry_imports_the_check_functions() -> None:
    importers = []
    for package in ("chaos", "checks", "fixtures", "conftest.py"):
        for path in (REPO / package).rglob("*.py") if package != "conftest.py" else [REPO / package]:
            tree = ast.parse(path.read_text())
            importers += [str(path.relative_to(REPO)) for node in ast.walk(tree) if _imports_check_functions(node)]
    assert importers == ["checks/verification/registry.py"]


def _imports_check_functions(node: ast.AST) -> bool:
    if not isinstance(node, ast.ImportFrom):
        return False
    whole = node.module == "checks.verification" and any(alias.name == "checks" for alias in node.names)
    return whole or node.module == "checks.verification.checks"
