"""`pytest -m chaos`: each failure mode the runbook documents, injected for real and recovered by the runbook.

Each test runs chaos/experiments/<mode>.json through Chaos Toolkit: steady state, sentinel keys,
inject, detect (the runbook's diagnosis must show the symptom), recover (the runbook's procedure, each
step labelled runbook, runbook-prose or lever), verify (the runbook's checks pass, no sentinel key
lost), then undo. Journals go to reports/chaos/. With `--profile stock` (Flux's and the chart's
defaults), a mode that declares a precondition the profile lacks must end not recovered instead.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from chaos import activity_names as names
from chaos.conftest import assert_outcome_on
from fixtures.core.kube import Cluster
from fixtures.sut.profiles import Profile

pytestmark = pytest.mark.chaos


def test_oom_killed_pod_recovers_after_limit_raised(run_chaos, profile: Profile) -> None:
    assert_outcome_on(profile, run_chaos("oom"))


@pytest.mark.alone
def test_full_data_disk_recovers_after_old_backups_cleaned(run_chaos, profile: Profile) -> None:
    assert_outcome_on(profile, run_chaos("disk-full"))


@pytest.mark.alone
def test_disk_full_of_the_prevention_sections_own_backups_recovers_after_old_backups_cleaned(
    run_chaos, profile: Profile
) -> None:
    assert_outcome_on(profile, run_chaos("disk-full-backups"))


@pytest.mark.alone
def test_lost_claim_recovers_once_storage_class_restored_and_loss_is_measured(run_chaos, profile: Profile) -> None:
    row = run_chaos("pvc-loss")
    assert_outcome_on(profile, row)
    # The claim's volume was deleted with it: every sentinel key on it is gone, as the runbook's Step 6
    # warning foresees; the loss is measured and reported, not hidden.
    assert row["keys_lost"] == row["keys_written"]


def test_bad_config_directive_recovers_by_flux_suspend_resume(run_chaos, profile: Profile) -> None:
    assert_outcome_on(profile, run_chaos("bad-config"))


def test_missing_image_tag_recovers_after_image_restored(run_chaos, profile: Profile) -> None:
    assert_outcome_on(profile, run_chaos("image-pull"))


def test_blocking_network_policy_recovers_after_policy_deleted(run_chaos, profile: Profile) -> None:
    assert_outcome_on(profile, run_chaos("network-policy"))


@pytest.mark.alone
def test_not_ready_node_by_cordon_and_reschedule_measured_and_data_kept(
    run_chaos, profile: Profile, cluster: Cluster
) -> None:
    """The runbook's cordon and delete, run as written on a NotReady node; whatever it does is measured.

    One node: there is no healthy node to go to (NoHealthyNode). Two or more: Redis recovers on another node,
    or the recovery fails naming what kept the pod off the healthy nodes (that is the runbook's finding); either
    way the undo restarts the kubelet and no sentinel key may be missing once the node is back.
    """
    nodes = len(cluster.core.list_node().items)
    row = run_chaos("node")
    first = row["errors"][0] if row["errors"] else {"activity": "", "type": "", "message": ""}
    if nodes == 1:
        assert (first["activity"], first["type"]) == (names.RECOVER, "NoHealthyNode"), first
    elif row["verdict"] != "not recovered":
        assert_outcome_on(profile, row)
    else:
        assert (first["activity"], first["type"]) == (names.RECOVER, "RecoveryFailed"), first
        assert "not Ready on a healthy node" in first["message"], first["message"]
        assert any(note.startswith("finding: ") for note in row["notes"]), row["notes"]
    assert row["keys_lost_after_restore"] == 0 or row["keys_lost"] == 0, row


def test_pod_dropping_redis_traffic_recovers_by_step3_force_restart(run_chaos, profile: Profile) -> None:
    assert_outcome_on(profile, run_chaos("step3-force-restart"))


def test_pod_dropping_redis_traffic_recovers_by_step4_rollout_restart(run_chaos, profile: Profile) -> None:
    assert_outcome_on(profile, run_chaos("step4-rollout-restart"))


def test_scaled_down_redis_recovers_by_step5_flux_reconcile(run_chaos, profile: Profile) -> None:
    assert_outcome_on(profile, run_chaos("step5-flux-reconcile"))


def test_service_selecting_no_pod_is_diagnosed_by_endpoints_and_recovered_by_forced_reconcile(
    run_chaos, profile: Profile
) -> None:
    assert_outcome_on(profile, run_chaos("service-selector"))


def test_broken_statefulset_recovers_by_step6_reinstall_keeping_claim_and_data(run_chaos, profile: Profile) -> None:
    assert_outcome_on(profile, run_chaos("step6-reinstall"))


UNKNOWN_DIRECTIVE = st.from_regex(r"[a-z]{5,10}-[a-z]{4,8}", fullmatch=True).map(lambda d: f"x{d} yes")
BAD_VALUE = st.tuples(
    st.sampled_from(["maxmemory-policy", "appendonly", "appendfsync", "loglevel"]),
    st.from_regex(r"[a-z]{3,8}ish", fullmatch=True),
).map(" ".join)
BAD_NUMBER = st.tuples(
    st.sampled_from(["maxmemory", "port", "databases", "timeout", "tcp-backlog"]),
    st.sampled_from(["lots", "-5", "1.5.2", "99999999999999999999999"]),
).map(" ".join)
WRONG_ARITY = st.sampled_from(["save 900", "maxmemory", "bind", "rename-command CONFIG"])


def test_any_invalid_config_is_detected_and_recovered(
    run_chaos, profile: Profile, request: pytest.FixtureRequest
) -> None:
    # Each example is a whole experiment (about a minute): CI keeps the count small (--config-examples).
    @settings(
        max_examples=request.config.getoption("config_examples"),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.explicit, Phase.generate),  # no shrinking: every attempt is a whole experiment
    )
    @given(directive=st.one_of(UNKNOWN_DIRECTIVE, BAD_VALUE, BAD_NUMBER, WRONG_ARITY))
    def recovers(directive: str) -> None:
        assert_outcome_on(profile, run_chaos("bad-config", name=f"bad-config[{directive}]", parameter=directive))

    recovers()
