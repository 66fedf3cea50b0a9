"""What a failure mode acts through (`Context`): the permit's cluster, the runbook, an executor, the run's record, and
every step the recovery takes, with its label."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chaos.errors import HarnessError, RecoveryFailed, SymptomNotShown
from chaos.safety import Permit
from chaos.steps import Label, Role, Step
from checks.runbook.executor import Executor
from checks.runbook.model import Command, CommandClass, Runbook
from checks.runbook.outcome import Execution, Outcome
from checks.runbook.parser import parse
from fixtures.core import budgets
from fixtures.core.kube import Cluster
from fixtures.core.names import RunbookNames


@dataclass
class Context:
    """What a failure mode acts through: the permit's cluster, the runbook, an executor, the run's record.

    While `recording` (the recover phase), every command and lever is kept in `steps` with its label:
    `run`/`run_fix` for the runbook's commands, `prose_fix` for an action the runbook states only in words,
    `lever`/`lever_command` for what the runbook does not say.
    """

    permit: Permit
    runbook: Runbook
    executor: Executor
    run_id: str
    record: dict[str, Any] = field(default_factory=dict)  # this run's undo record (prior state, files made)
    notes: list[str] = field(default_factory=list)  # where the time went, adaptations
    steps: list[Step] = field(default_factory=list)
    recording: bool = False
    redis_version: str = ""  # INFO server's redis_version before the fault: recovery must bring back the same

    @property
    def cluster(self) -> Cluster:
        return self.permit.cluster

    @property
    def names(self) -> RunbookNames:
        return self.permit.target.names

    def command(self, fragment: str, after: str | None = None) -> Command:
        """The runbook command containing `fragment` (optionally below heading `after`), as written today."""
        for cmd in self.runbook.commands:
            if after and not any(after.lower() in t.lower() for t in cmd.section_path):
                continue
            if fragment in cmd.text:
                return cmd
        where = f" under {after!r}" if after else ""
        raise SymptomNotShown(f"the runbook no longer has a command containing {fragment!r}{where}")

    def run(self, cmd: Command, *, timeout_is_state: bool = False, **kwargs: Any) -> Execution:
        """Run a runbook command; a harness timeout is the suite's failure unless the caller expects hanging."""
        return self._execute(cmd, Label.RUNBOOK, timeout_is_state=timeout_is_state, **kwargs)

    def run_fix(self, cmd: Command, **kwargs: Any) -> Execution:
        """Run a runbook command of the fix; a failure here, a fix that never returns included, is a failed
        recovery, not something to skip."""
        return _must_pass(self.run(cmd, timeout_is_state=True, **kwargs), cmd)

    def run_step(self, heading: str) -> list[Execution]:
        """Every command under one of the runbook's headings (a Step), in order, each as a fix."""
        return [self.run_fix(cmd, timeout=budgets.CHAOS_STEP_S) for cmd in self.runbook.under(heading)]

    def prose_fix(self, phrase: str, text: str, why: str, **kwargs: Any) -> Execution:
        """The suite's reading of an action the runbook states only in words (the line containing `phrase`)."""
        found = self.runbook.line_containing(phrase)
        if found is None:
            raise RecoveryFailed(f"the runbook no longer says {phrase!r}: nothing to interpret")
        line, prose = found[0], found[1].lstrip("#").strip()
        cmd = suite_command(text, line)
        return _must_pass(self._execute(cmd, Label.PROSE, runbook=prose, why=why, **kwargs), cmd)

    def lever_command(self, text: str, why: str, **kwargs: Any) -> Execution:
        """A shell command the runbook does not give for this failure mode; `why` names what was missing."""
        cmd = suite_command(text, 0)
        return _must_pass(self._execute(cmd, Label.LEVER, why=why, **kwargs), cmd)

    def lever(self, what: str, why: str, action: Callable[[], None]) -> None:
        """Something the runbook does not say at all, done through the API; `why` names what was missing."""
        step = Step(Label.LEVER, Role.FIX, what, why=why, started_at=time.time())
        started = time.monotonic()
        try:
            action()
        except Exception as exc:
            step.outcome, step.reason = "failed", f"{type(exc).__name__}: {exc}"[:300]
            raise
        finally:
            step.seconds = time.monotonic() - started
            self._keep(step)

    def _execute(
        self,
        cmd: Command,
        label: Label,
        *,
        runbook: str | None = None,
        why: str = "",
        timeout_is_state: bool = False,
        corrected: list[str] | None = None,
        **kwargs: Any,
    ) -> Execution:
        """Run `cmd`; `corrected` names what the caller changed in what the runbook's text does (beyond the
        executor's mechanical adaptations): the verdict says the runbook needed it."""
        started_at = time.time()
        execution = self.executor.run(cmd, **kwargs)
        adaptations = [change.what for change in execution.adaptations]
        corrections = list(corrected or [])
        where = f"line {cmd.line}" if cmd.line else f"lever `{cmd.text[:60]}`"  # a lever has no runbook line
        self.notes.extend(f"{where}: {what}" for what in adaptations)
        self.notes.extend(f"{where}: correction: {what}" for what in corrections)
        role = role_of(cmd)
        in_runbook = label == Label.RUNBOOK
        self._keep(
            Step(
                label,
                Role.FIX if label != Label.RUNBOOK else role,
                execution.ran,
                line=cmd.line if label != Label.LEVER else None,
                runbook=cmd.text if in_runbook else runbook,
                why=why,
                outcome=str(execution.outcome),
                started_at=started_at,
                seconds=execution.seconds,
                adaptations=adaptations,
                corrections=corrections,
                reason=execution.reason,
            )
        )
        if execution.outcome == Outcome.SUITE_ERROR and not timeout_is_state:
            raise HarnessError(f"line {cmd.line} `{cmd.text}`: {execution.reason}")
        return execution

    def _keep(self, step: Step) -> None:
        if self.recording:
            self.steps.append(step)


def role_of(cmd: Command) -> Role:
    """A fix changes state; a `kubectl run --rm` test pod removes itself again, so it only probes."""
    lasting = CommandClass.MUTATING in cmd.classes and "--rm" not in cmd.text.split()
    return Role.FIX if lasting else Role.DIAGNOSIS


def suite_command(text: str, line: int) -> Command:
    """A command the suite wrote (not the runbook), parsed like the runbook's so it runs the same way."""
    cmd = parse(f"```bash\n{text}\n```\n").commands[0]
    cmd.line = line
    return cmd


def _must_pass(execution: Execution, cmd: Command) -> Execution:
    if execution.outcome != Outcome.PASSED:
        where = f"runbook line {cmd.line}" if cmd.line else "suite command"
        raise RecoveryFailed(f"{where} `{execution.ran}`: {execution.outcome}: {execution.reason}")
    return execution
