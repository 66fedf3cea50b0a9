"""The alert rules (fixtures/monitoring/alerts.yaml): promtool validates and unit-tests them, and every alert the
runbook names has a rule with the runbook's labels and a link back to it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from checks.runbook.alerts import runbook_alert_labels, runbook_alert_names
from checks.runbook.parser import parse, parse_file
from fixtures.core import budgets
from fixtures.core.runbook_source import RUNBOOK_PATH
from fixtures.monitoring import RULE_TESTS_PATH, RULES_PATH, alert_rules

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
PROMTOOL_TIMEOUT_S = 60
SEVERITIES = {"critical", "warning"}


@pytest.fixture(scope="module")
def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool not found on PATH: run scripts/setup.sh (it installs Debian's prometheus)", pytrace=False)
    return path


@pytest.fixture(scope="module")
def runbook():
    return parse_file(RUNBOOK_PATH)


@pytest.fixture(scope="module")
def rules():
    return alert_rules()


def run_promtool(promtool: str, *args: str) -> None:
    done = subprocess.run(
        [promtool, *args], capture_output=True, text=True, timeout=PROMTOOL_TIMEOUT_S, cwd=REPO, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"promtool {' '.join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}", pytrace=False)


# ---------------------------------------------------------------- promtool


def test_promtool_accepts_the_rules_file(promtool) -> None:
    run_promtool(promtool, "check", "rules", str(RULES_PATH.relative_to(REPO)))


def test_promtool_unit_tests_of_the_rules_pass(promtool) -> None:
    run_promtool(promtool, "test", "rules", str(RULE_TESTS_PATH.relative_to(REPO)))


def test_every_rule_has_a_promtool_case_where_it_fires_and_one_where_it_stays_silent(rules) -> None:
    cases = [case for test in yaml.safe_load(RULE_TESTS_PATH.read_text())["tests"] for case in test["alert_rule_test"]]
    firing = {case["alertname"] for case in cases if case.get("exp_alerts")}
    silent = {case["alertname"] for case in cases if not case.get("exp_alerts")}
    assert not set(rules) - firing, f"no promtool case where these fire: {sorted(set(rules) - firing)}"
    assert not set(rules) - silent, f"no promtool case where these stay silent: {sorted(set(rules) - silent)}"


# ---------------------------------------------------------------- the rules against the runbook


def test_every_alert_the_runbook_names_has_a_rule(runbook, rules) -> None:
    names = runbook_alert_names(runbook)
    assert len(names) > 1, f"{RUNBOOK_PATH}: found alert names {names}: no header Alert Name or no Related Alerts"
    missing = [name for name in names if name not in rules]
    assert not missing, f"alerts named in {RUNBOOK_PATH.name} without a rule in {RULES_PATH.name}: {missing}"


def test_redis_down_carries_the_runbook_header_labels(runbook, rules) -> None:
    name = runbook.alert["Alert Name"]
    assert rules[name]["labels"] == runbook_alert_labels(runbook)


def test_every_rule_links_the_runbook_and_says_what_fired(rules) -> None:
    for name, rule in rules.items():
        annotations, labels = rule["annotations"], rule["labels"]
        assert annotations.get("summary") and annotations.get("description"), name
        url = annotations.get("runbook_url", "")
        assert (REPO / url.split("#")[0]).resolve() == RUNBOOK_PATH, f"{name}: runbook_url {url!r}"
        assert labels.get("severity") in SEVERITIES, f"{name}: severity {labels.get('severity')!r}"
        assert labels.get("service"), f"{name}: no service label"


def test_memory_thresholds_are_the_verify_budgets(rules) -> None:
    expr = rules["RedisHighMemory"]["expr"]
    assert f"> {budgets.MEMORY_OF_MAXMEMORY}" in expr, "maxmemory threshold differs from fixtures/core/budgets.py"
    assert f"> {budgets.MEMORY_OF_LIMIT}" in expr, "container-limit threshold differs from fixtures/core/budgets.py"


def test_alert_names_are_read_from_the_header_and_the_related_alerts_section_only() -> None:
    text = "\n".join(
        [
            "# Runbook",
            "## Alert Information",
            "**Alert Name:** `SomethingDown`  ",
            "**Severity:** Warning  ",
            "**Component:** thing",
            "## Diagnosis",
            "Not an alert: `NotAnAlert`",
            "```bash",
            "kubectl get pods",
            "```",
            "## Related Alerts",
            "- `FirstRelated`",
            "- `SecondRelated` and `SomethingDown` again",
            "### Notes",
            "- `NestedRelated`",
            "## Escalation",
            "- `AfterTheSection`",
        ]
    )
    book = parse(text)
    assert runbook_alert_names(book) == ["SomethingDown", "FirstRelated", "SecondRelated", "NestedRelated"]
    assert runbook_alert_labels(book) == {"severity": "warning", "component": "thing"}
