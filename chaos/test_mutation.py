"""`pytest -m mutation`: every experiment fails when the runbook's recovery is left out.

A mutation run injects the fault and waits for the runbook's diagnosis exactly as the experiment does,
then skips the whole recovery procedure (runbook commands, prose and levers) and waits for the
verification checks for CHAOS_UNAIDED_S. Each must end not recovered: otherwise Redis heals itself
(the liveness probe, Flux's own interval) and the experiment could not tell a working runbook from
a missing one.
"""

from __future__ import annotations

import pytest

from chaos.conftest import assert_not_recovered
from chaos.modes import MODES

pytestmark = pytest.mark.mutation


@pytest.mark.parametrize("mode", sorted(MODES))
def test_experiment_fails_without_the_runbooks_recovery(run_chaos, mode: str) -> None:
    assert_not_recovered(run_chaos(mode, name=f"{mode}[without-recovery]", without_recovery="yes"))
