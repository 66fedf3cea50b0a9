"""What a failure mode is: one subclass of FailureMode per file in chaos/modes/, found automatically.

The runner (chaos/runner.py) calls, in order: `snapshot` (prior state of exactly what the fault
changes, stored in the undo record before anything changes), `inject`, `symptom` (polled until the
runbook's diagnosis shows it), `recover` (the runbook's fix commands) and, always, `undo`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from chaos.errors import HarnessError, RecoveryFailed, SymptomNotShown
from chaos.safety import Permit
from checks.runbook.executor import Execution, Executor, Outcome
from checks.runbook.model import Command, Runbook
from fixtures.kube import Cluster
from fixtures.names import RunbookNames
from fixtures.waits import Seen


@dataclass
class Context:
    """What a failure mode acts through: the permit's cluster, the runbook, an executor, the run's record."""

    permit: Permit
    runbook: Runbook
    executor: Executor
    run_id: str
    record: dict[str, Any] = field(default_factory=dict)  # this run's undo record (prior state, files made)
    notes: list[str] = field(default_factory=list)  # where the time went, levers used, adaptations

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
        execution = self.executor.run(cmd, **kwargs)
        for change in execution.adaptations:
            self.notes.append(f"line {cmd.line}: {change.what}")
        if execution.outcome == Outcome.SUITE_ERROR and not timeout_is_state:
            raise HarnessError(f"runbook line {cmd.line} `{cmd.text}`: {execution.reason}")
        return execution

    def run_fix(self, cmd: Command, **kwargs: Any) -> Execution:
        """Run a fix command; a failure here is a failed recovery, not something to skip."""
        execution = self.run(cmd, **kwargs)
        if execution.outcome != Outcome.PASSED:
            raise RecoveryFailed(f"runbook line {cmd.line} `{cmd.text}`: {execution.outcome}: {execution.reason}")
        return execution


class FailureMode(ABC):
    """A failure mode the runbook documents."""

    name: ClassVar[str]
    title: ClassVar[str]
    runbook_section: ClassVar[str]
    data_loss_expected: ClassVar[bool] = False
    # Stops a kubelet or freezes a process on the node: needs a node provider (only the local cluster has one).
    node_action: ClassVar[str | None] = None

    def snapshot(self, ctx: Context) -> dict[str, Any]:
        """The prior state of exactly what `inject` (and the runbook's fix) will change; stored before any change."""
        return {}

    @abstractmethod
    def inject(self, ctx: Context) -> dict[str, Any]:
        """Break Redis this way; return details for the journal. `ctx.record` is already stored."""

    @abstractmethod
    def symptom(self, ctx: Context) -> Seen:
        """Whether the runbook's diagnosis shows the documented symptom now."""

    @abstractmethod
    def recover(self, ctx: Context) -> list[Execution]:
        """The runbook's fix commands, through the executor."""

    @abstractmethod
    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        """Restore the prior state in `record`; a no-op when already restored; delete only what the run made."""
