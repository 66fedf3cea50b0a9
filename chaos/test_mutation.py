"""`pytest -m mutation`: every experiment fails when the runbook's recovery is left out, the alert path's
judgement fails when the rule it names is left out, and the OOM fix fails when the runbook's values no longer fix.

A mutation run injects the fault and waits for the runbook's diagnosis exactly as the experiment does,
then skips the whole recovery procedure (runbook commands, prose and levers) and waits for the
verification checks for CHAOS_UNAIDED_S. Each must end not recovered: otherwise Redis heals itself
(the liveness probe, Flux's own interval) and the experiment could not tell a working runbook from
a missing one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chaos import activity_names as names
from chaos.conftest import RECOVERY_ACTIVITIES, assert_not_recovered
from chaos.modes import MODES
from chaos.safety import Permit
from chaos.target import Target
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


def test_the_memory_fix_applies_the_runbooks_values_and_fails_when_they_no_longer_fix(
    run_chaos, target: Target, tmp_path: Path
) -> None:
    """The OOM fix's values are the runbook's (its `# Update:` block), not the suite's: with the limit there edited
    below what the fault's data needs (40Mi for ~90Mi of keys), the run applies 40Mi and Redis does not recover."""
    text = target.runbook.read_text()
    for written in ("memory: 512Mi  # Increase as needed", "memory: 256Mi"):
        assert text.count(written) == 1, f"the runbook's Update block no longer says {written!r}"
    edited = tmp_path / "redis-down.md"
    edited.write_text(
        text.replace("memory: 512Mi  # Increase as needed", "memory: 40Mi  # Increase as needed").replace(
            "memory: 256Mi", "memory: 32Mi"
        )
    )
    row = run_chaos("oom", name="oom[runbook-limit-40Mi]", runbook=str(edited))
    fix = next(s for s in row["steps"] if (s.get("runbook") or "").startswith("kubectl edit helmrelease"))
    assert '"memory": "40Mi"' in fix["ran"] and '"memory": "32Mi"' in fix["ran"], fix["ran"]
    assert row["verdict"] == "not recovered", row["verdict"]
    first = row["errors"][0] if row["errors"] else {"activity": "", "type": ""}
    assert first["activity"] in RECOVERY_ACTIVITIES and first["type"] in ("RecoveryFailed", "NotRecovered"), first
