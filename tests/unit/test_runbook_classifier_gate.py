"""The classifier is an allow-list: the drift gate runs only what is proven read-only.

An adversarial runbook of destructive commands dressed as diagnosis runs nothing but its three
harmless checks, the real runbook's classes are pinned, and `python -m checks runbook check` runs
only what the classifier proved read-only (rules: test_runbook_classifier_rules.py; properties:
test_runbook_classifier_properties.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

import pytest

import checks.__main__ as cli
from checks.runbook import drift
from checks.runbook.model import Command, Runbook
from checks.runbook.model import CommandClass as K
from checks.runbook.outcome import Execution, Outcome
from checks.runbook.parser import parse_file
from fixtures.core.runbook_source import RUNBOOK_PATH
from tests.unit.classifier_helpers import ADVERSARIAL_PATH, HARMLESS, real_runnable

pytestmark = pytest.mark.unit


# The real runbook's classes, pinned: a change here must be a deliberate, explained one.
REAL_RUNBOOK_CLASSES = {
    (K.READ_ONLY,): [
        *(25, 26, 38, 39, 45, 46, 52, 58, 59, 66, 77, 80, 83, 93, 96, 116, 117, 120, 123, 126, 136, 139),
        *(140, 143, 146, 156, 157, 171, 174, 177, 188, 189, 207, 210, 217, 227, 254, 262, 266, 273, 276),
        *(286, 289, 296, 297, 300, 303, 310, 311, 315, 443, 446, 449, 452, 458),
    ],
    (K.NEEDS_ADDON, K.READ_ONLY): [65],
    (K.INTERACTIVE, K.MUTATING): [99, 180, 195],
    (K.MUTATING,): [108, 147, 148, 161, 204, 216, 224, 236, 239, 242, 243, 366, 369, 455, 461, 464],
    (K.MUTATING, K.PLACEHOLDER): [160, 192],
    (K.LONG_RUNNING, K.READ_ONLY): [246, 283, 314],
}


@pytest.fixture(scope="module")
def adversarial() -> Runbook:
    return parse_file(ADVERSARIAL_PATH)


@pytest.fixture(scope="module")
def real() -> Runbook:
    return parse_file(RUNBOOK_PATH)


# ---------------------------------------------------------------- the two runbooks


def test_adversarial_runbook_runs_only_its_three_harmless_checks(adversarial: Runbook) -> None:
    ran = [c.text for c in adversarial.commands if set(c.classes) <= drift.RUNNABLE]
    assert ran == HARMLESS
    destructive = [c for c in adversarial.commands if c.text not in HARMLESS]
    assert len(destructive) >= 24
    assert all(
        c.section_path[:2] == ["Runbook: Redis Service Down (adversarial test data)", "Diagnosis"]
        for c in adversarial.commands
    )
    assert all(c.comment.startswith("Check ") for c in adversarial.commands)


@pytest.mark.parametrize("line", [c.line for c in parse_file(ADVERSARIAL_PATH).commands])
def test_no_destructive_command_of_the_adversarial_runbook_is_runnable(adversarial: Runbook, line: int) -> None:
    cmd = next(c for c in adversarial.commands if c.line == line)
    if cmd.text in HARMLESS:
        assert cmd.classes == (K.READ_ONLY,)
    else:
        assert not set(cmd.classes) <= drift.RUNNABLE, f"line {line} would run: {cmd.text} {cmd.classes}"
        assert re.search(r"redis|/data|adversarial", cmd.text), f"line {line} aims at nothing a test can check"


def test_adversarial_urls_stay_on_this_machine_or_in_the_cluster(adversarial: Runbook) -> None:
    hosts = re.findall(r"[a-z]+://([^/:\s'\"]+)", "\n".join(c.text for c in adversarial.commands))
    assert hosts
    assert all(h in ("localhost", "127.0.0.1") or h.endswith(".svc.cluster.local") for h in hosts), hosts


def test_real_runbook_classes_are_unchanged(real: Runbook) -> None:
    by_line = {c.line: c.classes for c in real.commands}
    pinned = {line: expected for expected, lines in REAL_RUNBOOK_CLASSES.items() for line in lines}
    assert by_line == pinned
    assert not [c for c in real.commands if K.UNKNOWN in c.classes]


def test_the_drift_gate_says_why_an_unknown_command_did_not_run() -> None:
    cmd = parse_file(ADVERSARIAL_PATH).commands[0]
    unknown = Command("frob", 1, cmd.block, classes=(K.UNKNOWN,))
    assert drift.not_run_reason(unknown).startswith("unknown command: not proven read-only, not run")


# ---------------------------------------------------------------- `python -m checks runbook check`


class _FakeCluster:
    @classmethod
    def connect(cls, kubeconfig: Path, context: str | None) -> _FakeCluster:
        return cls()


class _PassingExecutor:
    """Runs nothing; says every command it is given passed, and remembers them."""

    ran: ClassVar[list[str]] = []

    def __init__(self, cluster: object, names: object = None) -> None:
        _PassingExecutor.ran = []

    def run(self, cmd: Command) -> Execution:
        _PassingExecutor.ran.append(cmd.text)
        return Execution(cmd.line, cmd.text, cmd.text, outcome=Outcome.PASSED)

    def stop_background(self) -> None:
        pass

    def close(self) -> None:
        pass


@pytest.fixture
def no_cluster(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(cli, "Cluster", _FakeCluster)
    monkeypatch.setattr(cli, "Executor", _PassingExecutor)
    monkeypatch.setattr(cli, "REPORTS", tmp_path)
    monkeypatch.setattr(cli.drift, "check_names", lambda runbook, cluster, names: [])


@pytest.mark.usefixtures("no_cluster")
def test_check_runs_only_the_harmless_commands_and_counts_unknown_ones_as_problems(
    capsys: pytest.CaptureFixture[str], adversarial: Runbook
) -> None:
    assert cli.main(["runbook", "check", "--runbook", str(ADVERSARIAL_PATH)]) == 1
    assert _PassingExecutor.ran == HARMLESS
    unknown = [c for c in adversarial.commands if K.UNKNOWN in c.classes]
    assert unknown
    out, err = capsys.readouterr()
    assert f"{len(unknown)} command problems" in out
    for cmd in unknown:
        assert f"line {cmd.line}: not run: unknown command: not proven read-only" in err


@pytest.mark.usefixtures("no_cluster")
def test_check_of_the_real_runbook_has_no_unknown_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["runbook", "check", "--runbook", str(RUNBOOK_PATH)]) == 0
    assert _PassingExecutor.ran == real_runnable()
    assert "0 command problems" in capsys.readouterr().out
