"""Fixtures of the chaos experiments: the permit, running and journaling an experiment, stopping on Ctrl-C."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from chaos import activity_names as names
from chaos import chaos_logger, errors, journal, records, runner, toolkit
from chaos.modes import MODES
from chaos.safety import Permit
from chaos.target import Target
from fixtures.core.cells import ClusterLock
from fixtures.core.options import CHAOS_RUN_ID, REPORTS, cell_contexts, worker_input
from fixtures.report import run_info
from fixtures.sut.profiles import PRECONDITIONS, Profile

log = chaos_logger(__name__)


@pytest.fixture(scope="session")
def chaos_permit(permit: Permit, redis_system: Any) -> Permit:
    """The permit, once Redis is installed and whatever a killed run left is undone (by redis_system)."""
    return permit


@pytest.fixture(scope="session")
def chaos_run_dir(request: pytest.FixtureRequest) -> Iterator[Path]:
    """This session's journal folder under --chaos-journals (default reports/chaos)."""
    base = request.config.getoption("chaos_journals")
    given = request.config.getoption("chaos_run_name")
    run_id = worker_input(request.config).get(CHAOS_RUN_ID) or given or journal.run_id()  # one folder for every cell
    run_dir = (Path(base) if base else REPORTS / "chaos") / run_id
    yield run_dir
    if worker_input(request.config):
        return  # a pytest-xdist worker: the controller renders the summaries once every cell has written its journals
    for folder in (run_dir, journal.mutation_dir(run_dir)):
        if folder.exists():
            print(f"\nchaos journal: {journal.render_summary(folder)}")


@pytest.fixture
def run_chaos(
    chaos_permit: Permit,
    target: Target,
    chaos_run_dir: Path,
    profile: Profile,
    record_property: Callable[[str, object], None],
    cluster_lock: ClusterLock,
    request: pytest.FixtureRequest,
) -> Iterator[Callable[..., dict[str, Any]]]:
    """Run one experiment file through chaoslib against the target; journal it. After Ctrl-C the experiment's
    rollback has run (or its record is kept, if interrupted again) and the session stops: no next fault."""
    interrupted: list[str] = []

    def run(
        mode: str, name: str | None = None, alert_failure_expected: bool = False, **overrides: str
    ) -> dict[str, Any]:
        shares = MODES[mode].shares
        if shares and request.node.get_closest_marker("alone") is None:
            pytest.fail(f"{mode} changes {shares}: mark its test @pytest.mark.alone", pytrace=False)
        what = f"{name or mode} in ns {target.names.namespace}" + (f" (changes {shares})" if shares else "")
        try:
            with cluster_lock.hold(exclusive=shares is not None, what=what) as waited:
                started = time.monotonic()
                result = toolkit.run(mode, target, **overrides)
        except KeyboardInterrupt:
            interrupted.append(mode)
            raise
        row = journal.summary_row(name or mode, result, time.monotonic() - started)
        row["profile"] = profile.name
        # With --cell-context every cluster is a cell and keeps the system's names: its context tells them apart.
        row["cell"] = (
            f"{target.context}/{target.names.namespace}" if cell_contexts(request.config) else target.names.namespace
        )
        row["context"] = target.context
        row.update(run_info.session_facts(request.config.invocation_params.args, request.config.getoption("game_day")))
        row["waited_for_other_cells_s"] = round(waited, 1)
        row["lacking_preconditions"] = [
            {"key": key, "what": PRECONDITIONS[key].what, "why": PRECONDITIONS[key].why}
            for key in lacking_on(profile, mode)
        ]
        folder = journal.mutation_dir(chaos_run_dir) if request.node.get_closest_marker("mutation") else chaos_run_dir
        path = journal.write(folder, name or mode, result, row)
        for key, value in junit_properties(row, path).items():  # a CI server's test view shows these
            record_property(f"{name or mode}.{key}", value)
        if result.get("status") == "aborted" and result.get("refused"):
            pytest.fail(result["refused"], pytrace=False)
        paged = [e for e in row["errors"] if e["type"] in ("AlertPathFailed", "AlertPathUnmeasured")]
        if paged and not alert_failure_expected:  # whatever else the test expects of the run, the page must behave
            pytest.fail(f"{name or mode}: {paged[0]['type']}: {paged[0]['message']}", pytrace=False)
        if result.get("status") == "interrupted":
            interrupted.append(mode)
            # Chaos Toolkit caught the Ctrl-C and ran the rollback; stop the session so no further fault is injected.
            raise KeyboardInterrupt(f"chaos run interrupted during {name or mode}; its rollback ran")
        return row

    yield run
    if interrupted:
        return  # an interrupted rollback keeps its record for the next run: do not fight the user's Ctrl-C
    for mode, record in records.pending(chaos_permit.cluster, chaos_permit.target.names.namespace).items():
        log.info(f"UNDO again {mode}: its record is still pending after the experiment")
        with cluster_lock.hold(exclusive=MODES[mode].shares is not None, what=f"undoing {mode} again"):
            runner.undo_record(chaos_permit, mode, record)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest experiments first (a mutation run waits out its whole budget, the Ctrl-C test runs two sessions,
    the config examples several experiments), so that cells end together instead of one running the tail alone.
    Deterministic: every pytest-xdist worker must collect the same order."""
    items.sort(key=_expected_length_rank)


def _expected_length_rank(item: pytest.Item) -> int:
    name = getattr(item, "originalname", item.name)
    long_first = (
        "test_experiment_fails_without_the_runbooks_recovery",
        "test_ctrl_c_rolls_back_the_current_experiment_and_injects_nothing_after",
        "test_ctrl_c_under_cells_rolls_back_every_cell_and_injects_nothing_after",
        "test_any_invalid_config_is_detected_and_recovered",
        "test_an_experiment_that_keeps_redis_down_fails_without_the_redisdown_rule",
        "test_missing_image_tag_recovers_after_image_restored",
    )
    return long_first.index(name) if name in long_first else len(long_first)


def junit_properties(row: dict[str, Any], path: Path) -> dict[str, object]:
    labels = [step["label"] for step in row.get("steps") or []]
    return {
        "verdict": row["verdict"],
        "missing": "; ".join(row["missing"]),
        "steps": ", ".join(f"{label} {labels.count(label)}" for label in dict.fromkeys(labels)),
        "profile": row["profile"],
        "time_to_detect_s": row["time_to_detect_s"],
        "time_to_recover_s": row["time_to_recover_s"],
        "fault_to_verified_s": row["fault_to_verified_s"],
        "client_outage_s": json.dumps(row["client_outage_s"]),
        "keys_lost": row["keys_lost"],
        "time_to_alert_s": row.get("time_to_alert_s"),
        "alert_resolved_after_s": row.get("alert_resolved_after_s"),
        "alerts_fired": ", ".join(row.get("alerts_fired") or []),
        "journal": str(path),
    }


def assert_outcome_on(profile: Profile, row: dict[str, Any]) -> None:
    """On a profile with every precondition the mode declares, it recovers. On one lacking some, it must not
    recover (else the declaration is wrong), and the row says what was missing and what failed."""
    lacking = lacking_on(profile, row["mode"])
    if not lacking:
        assert_recovered(row)
        return
    assert row["verdict"] == "not recovered", (
        f"{row['mode']} recovered on profile {profile.name} without {', '.join(lacking)}: "
        "the mode's declared precondition is not needed; correct its `needs`"
    )
    first = row["errors"][0] if row["errors"] else {"activity": "", "type": ""}
    assert first["activity"] in RECOVERY_ACTIVITIES and first["type"] in ("RecoveryFailed", "NotRecovered"), (
        f"{row['mode']} on profile {profile.name} failed before recovery could be judged: {first}"
    )


RECOVERY_ACTIVITIES = (names.RECOVER, names.VERIFY)


def lacking_on(profile: Profile, mode_label: str) -> list[str]:
    mode = MODES[mode_label.split("[", 1)[0]]
    return [key for key in mode.needs if not profile.has(PRECONDITIONS[key])]


def raise_failure(row: dict[str, Any]) -> None:
    """Re-raise the suite's own error behind the first failed activity (so an xfail can name it), else fail."""
    if row["status"] == "completed" and not row["failed_activities"]:
        return
    for error in row["errors"]:
        cls = getattr(errors, error["type"], None)
        if isinstance(cls, type) and issubclass(cls, errors.ChaosError):
            raise cls(f"{row['mode']}: {error['activity']}: {error['message']}")
    raise AssertionError(f"{row['mode']}: {row['status']}, failed: {row['failed_activities']}; notes: {row['notes']}")


def assert_recovered(row: dict[str, Any]) -> None:
    """Every phase succeeded, the time is within the runbook's escalation threshold."""
    raise_failure(row)
    assert row["within_escalation"], f"{row['mode']}: not restored within the runbook's 15 minutes"


def assert_not_recovered(row: dict[str, Any]) -> None:
    """The fault was injected and shown, and verification was still failing at its budget: nothing else failed."""
    assert row["without_recovery"], f"{row['mode']}: not a mutation run"
    types = [e["type"] for e in row["errors"]]
    assert row["failed_activities"] == [names.VERIFY] and types == ["NotRecovered"], (
        f"{row['mode']} without recovery: expected only verification to fail (NotRecovered), got "
        f"{row['failed_activities']} {row['errors']}"
    )
