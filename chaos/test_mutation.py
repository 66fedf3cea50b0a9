"""`pytest -m mutation`: every experiment fails when the runbook's recovery is left out, and the alert path's
judgement fails when the rule it names is left out.

A mutation run injects the fault and waits for the runbook's diagnosis exactly as the experiment does,
then skips the whole recovery procedure (runbook commands, prose and levers) and waits for the
verification checks for CHAOS_UNAIDED_S. Each must end not recovered: otherwise Redis heals itself
(the liveness probe, Flux's own interval) and the experiment could not tell a working runbook from
a missing one.
"""

from __future__ import annotations

import pytest

from chaos import activity_names as names
from chaos.conftest import assert_not_recovered
from chaos.modes import MODES
from chaos.safety import Permit
from fixtures.core.cells import ClusterLock
from fixtures.monitoring import stack

pytestmark = pytest.mark.mutation


@pytest.mark.parametrize(
    "mode", [pytest.param(name, marks=[pytest.mark.alone] if MODES[name].shares else []) for name in sorted(MODES)]
)
def test_experiment_fails_without_the_runbooks_recovery(run_chaos, mode: str) -> None:
    assert_not_recovered(run_chaos(mode, name=f"{mode}[without-recovery]", without_recovery="yes"))


@pytest.mark.alone
def test_an_experiment_that_keeps_redis_down_fails_without_the_redisdown_rule(
    run_chaos, chaos_permit: Permit, cluster_lock: ClusterLock
) -> None:
    """image-pull keeps every client off Redis for about 90 s, past the 60 s after which RedisDown must page: with
    the rule left out of what Prometheus loads, the run recovers but its alert path fails, naming the rule. Every
    cell's page depends on the rules: this runs alone."""
    with (
        cluster_lock.hold(exclusive=True, what="image-pull without the RedisDown rule (changes Prometheus's rules)"),
        stack.without_rule(chaos_permit.cluster, "RedisDown"),
    ):
        row = run_chaos("image-pull", name="image-pull[without-RedisDown-rule]", alert_failure_expected=True)
    assert row["failed_activities"] == [names.ALERT_PATH], row["errors"]
    assert row["errors"][0]["type"] == "AlertPathFailed" and "RedisDown" in row["errors"][0]["message"], row["errors"]
    assert row["redis_down_required"] and row["time_to_alert_s"] is None, row
