"""What a failure mode is: one subclass of FailureMode per file in chaos/modes/, found automatically.

The runner (chaos/runner.py) calls, in order: `snapshot` (prior state of exactly what the fault
changes, stored in the undo record before anything changes), `inject`, `symptom` (polled until the
runbook's diagnosis shows it), `recover` (the runbook's fix commands) and, always, `undo`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from chaos.context import Context
from chaos.effects import Effect
from chaos.errors import ChaosError
from fixtures.core.waits import Seen


class FailureMode(ABC):
    """A failure mode the runbook documents."""

    name: ClassVar[str]
    title: ClassVar[str]
    runbook_section: ClassVar[str]
    data_loss_expected: ClassVar[bool] = False
    # Stops a kubelet or changes a pod's network namespace on the node: needs a node provider (only the local
    # cluster has one).
    node_action: ClassVar[str | None] = None
    # What every cell on the cluster shares that this fault changes (the node, the StorageClass): the mode runs
    # alone, holding the cluster lock exclusive (fixtures/core/cells.py). None: only the cell's own namespaces.
    shares: ClassVar[str | None] = None
    # The runbook's hidden preconditions (keys of fixtures.sut.profiles.PRECONDITIONS) this mode's recovery depends on,
    # as measured on the stock profile: without them it does not recover. `pytest -m chaos --profile stock` checks
    # each declaration both ways.
    needs: ClassVar[tuple[str, ...]] = ()
    # What the mode's one parameter means, when it takes one (the experiments' `parameter` configuration value).
    parameter: ClassVar[str | None] = None

    def configured(self, value: str) -> FailureMode:
        """This mode with its parameter set to `value`."""
        raise ChaosError(f"failure mode {self.name!r} takes no parameter (given {value!r})")

    def snapshot(self, ctx: Context) -> dict[str, Any]:
        """The prior state of exactly what `inject` (and the runbook's fix) will change; stored before any change."""
        return {}

    def effect(self, ctx: Context) -> Effect | None:
        """The first API state that shows the fault (watched from before `inject`); None when no API object
        shows it, and then the fault counts as in effect when `inject` returns (it checks the fault itself)."""
        return None

    @abstractmethod
    def inject(self, ctx: Context) -> dict[str, Any]:
        """Break Redis this way; return details for the journal. `ctx.record` is already stored."""

    @abstractmethod
    def symptom(self, ctx: Context) -> Seen:
        """Whether the runbook's diagnosis shows the documented symptom now."""

    @abstractmethod
    def recover(self, ctx: Context) -> None:
        """The runbook's procedure for this mode through `ctx` (run, run_fix, prose_fix, lever...), which keeps
        every step with its label."""

    @abstractmethod
    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        """Restore the prior state in `record`; a no-op when already restored; delete only what the run made."""
