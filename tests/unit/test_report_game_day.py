"""The report shows one game day's chaos runs (issue 22): runs are tied by the game-day id the main job and the test
command set, and a run of another session (another id, or none) is named, never silently mixed in or dropped."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import pytest

from chaos import journal
from fixtures.report import render as report
from fixtures.report import run_info
from tests.report.page_check import read_dom

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "report"
JOURNAL = DATA / "chaos" / "20261126T040557Z" / "oom.json"  # a real journal, copied once per fake experiment
GAME_DAY_MODES = (
    "bad-config",
    "disk-full",
    "image-pull",
    "network-policy",
    "node",
    "oom",
    "pvc-loss",
    "service-selector",
    "step3-force-restart",
    "step4-rollout-restart",
    "step5-flux-reconcile",
    "step6-reinstall",
    "oom-loop",
)
GAME_DAY = "20261201T090000Z"
GAME_DAY_ARGS = "-n 3 -m chaos and not alone -k not under_cells --chaos-run-name 20261201T090000Z"
AD_HOC_ARGS = "-m chaos -k oom_killed"


def _at(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def fake_run(
    reports: Path,
    name: str,
    modes: tuple[str, ...],
    *,
    game_day: str | None,
    args: str,
    profile: str = "runbook",
    mutation: bool = False,
    started: str | None = None,
) -> Path:
    """A run folder as a chaos session writes it: one journal per mode (a real one, renamed, with this session's
    facts and times a minute apart from `started`), summary.json and summary.md rendered by chaos.journal."""
    folder = reports / "chaos" / name
    folder.mkdir(parents=True)
    start = _at(started or name.removesuffix("-mutation"))
    for i, mode in enumerate(modes):
        document = json.loads(JOURNAL.read_text())
        label = f"{mode}[without-recovery]" if mutation else mode
        document["summary"].update(mode=label, profile=profile, without_recovery=mutation, pytest_args=args)
        if game_day is not None:
            document["summary"]["game_day"] = game_day
        begun = start + timedelta(minutes=i)
        document["chaostoolkit_journal"]["start"] = begun.isoformat()
        document["chaostoolkit_journal"]["end"] = (begun + timedelta(seconds=50)).isoformat()
        (folder / f"{label}.json").write_text(json.dumps(document))
    journal.render_summary(folder)
    return folder


def full_game_day(reports: Path, game_day: str = GAME_DAY) -> None:
    """What `bash scripts/test.sh` leaves: the runbook profile's 13 experiments, their mutation runs in the sibling
    folder, and the stock profile's run in a folder of its own (no --chaos-run-name), all with one game-day id."""
    fake_run(reports, game_day, GAME_DAY_MODES, game_day=game_day, args=GAME_DAY_ARGS)
    fake_run(reports, f"{game_day}-mutation", ("oom",), game_day=game_day, args=GAME_DAY_ARGS, mutation=True)
    stock = (_at(game_day) + timedelta(minutes=30)).strftime("%Y%m%dT%H%M%SZ")
    fake_run(
        reports, stock, ("oom", "step6-reinstall"), game_day=game_day, args="-m chaos --profile stock", profile="stock"
    )


def sessions_line(html: str) -> str:
    """The text of the page's one line about which sessions its chaos runs come from."""
    match = re.search(r'<p class="[^"]*\bsessions\b[^"]*"[^>]*>(.*?)</p>', html, re.S)
    assert match, "report.html has no line saying which sessions its chaos runs come from"
    return unescape(re.sub(r"<[^>]+>", "", match.group(1)))


def kind_rows(html: str) -> dict[str, set[tuple[str, str]]]:
    """The summary tables' (run, mode) rows by kind."""
    found: dict[str, set[tuple[str, str]]] = {}
    for table in re.finditer(r'<table class="summary" data-run="[^"]*" data-kind="([^"]*)">(.*?)</table>', html, re.S):
        found[unescape(table.group(1))] = read_dom(table.group(2)).rows
    return found


def test_a_later_single_mode_run_leaves_the_game_day_whole_and_is_named_as_left_out(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    full_game_day(reports)
    fake_run(reports, "20261201T110000Z", ("oom",), game_day=None, args=AD_HOC_ARGS)
    md, page = report.write(reports)
    html = page.read_text()
    rows = kind_rows(html)
    assert rows["profile runbook"] == {(GAME_DAY, mode) for mode in GAME_DAY_MODES}
    assert rows["profile stock"] == {("20261201T093000Z", "oom"), ("20261201T093000Z", "step6-reinstall")}
    assert rows["mutation: the runbook's recovery left out (each must end not recovered)"] == {
        (f"{GAME_DAY}-mutation", "oom[without-recovery]")
    }
    line = sessions_line(html)
    assert f"game day {GAME_DAY}" in line
    assert "left out: reports/chaos/20261201T110000Z (pytest -m chaos -k oom_killed at 2026-12-01 11:00Z" in line
    assert "another session" in line and 'data-run="20261201T110000Z"' not in html
    assert line in md.read_text()


def test_the_game_day_option_shows_an_older_game_day_and_names_the_newer_one_left_out(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    full_game_day(reports)
    full_game_day(reports, "20261202T090000Z")
    assert report.main(["--reports", str(reports), "--game-day", GAME_DAY]) == 0
    html = (reports / "report.html").read_text()
    assert {run for run, _ in kind_rows(html)["profile runbook"]} == {GAME_DAY}
    line = sessions_line(html)
    for newer in ("20261202T090000Z", "20261202T090000Z-mutation", "20261202T093000Z"):
        assert f"reports/chaos/{newer} (" in line
    assert "game day 20261202T090000Z" in line


def test_by_default_the_newest_game_day_is_shown(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    full_game_day(reports)
    full_game_day(reports, "20261202T090000Z")
    html = report.write(reports)[1].read_text()
    assert {run for run, _ in kind_rows(html)["profile runbook"]} == {"20261202T090000Z"}
    assert "left out" not in sessions_line(html)  # the older game day is older: nothing newer was left out


def test_an_unknown_game_day_is_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reports = tmp_path / "reports"
    full_game_day(reports)
    assert report.main(["--reports", str(reports), "--game-day", "20991231T000000Z"]) == 1
    err = capsys.readouterr().err
    assert "no chaos run of game day 20991231T000000Z" in err and GAME_DAY in err


def test_a_run_of_another_session_in_the_game_days_folder_is_named(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    full_game_day(reports)
    # `pytest -m chaos -k oom_killed --chaos-run-name <the game day's run>` afterwards: it writes into that folder
    fake_run(reports, "tmp", ("oom",), game_day=None, args=AD_HOC_ARGS, started="20261201T110000Z")
    shutil.copy(reports / "chaos" / "tmp" / "oom.json", reports / "chaos" / GAME_DAY / "oom.json")
    shutil.rmtree(reports / "chaos" / "tmp")
    journal.render_summary(reports / "chaos" / GAME_DAY)
    line = sessions_line(report.write(reports)[1].read_text())
    assert f"reports/chaos/{GAME_DAY} also holds oom of another session (pytest -m chaos -k oom_killed" in line


def test_runs_without_a_game_day_id_are_the_newest_of_each_kind_and_said_to_be_separate_sessions(
    tmp_path: Path,
) -> None:
    shutil.copytree(DATA, tmp_path / "reports", ignore=shutil.ignore_patterns("interrupted"))
    html = report.write(tmp_path / "reports")[1].read_text()
    assert {run for rows in kind_rows(html).values() for run, _ in rows} == {
        "20261126T040557Z",
        "20261126T043210Z",
        "20261126T053626Z",
    }
    line = sessions_line(html)
    assert "no game-day id" in line
    for run in ("20261126T040557Z", "20261126T043210Z", "20261126T053626Z"):
        assert f"reports/chaos/{run} (" in line


def test_a_chaos_row_records_the_game_day_and_the_pytest_arguments() -> None:
    assert run_info.session_facts(["-m", "chaos", "-k", "oom_killed"], GAME_DAY) == {
        "game_day": GAME_DAY,
        "pytest_args": AD_HOC_ARGS,
    }
    assert run_info.session_facts([], None)["game_day"] is None


@pytest.mark.parametrize("script", ["main.sh", "test.sh"])
def test_the_game_day_scripts_give_every_chaos_stage_one_game_day_id(script: str) -> None:
    text = (REPO / "scripts" / script).read_text()
    defined = text.find("run=$(date")
    assert defined != -1, f"scripts/{script} defines no game-day id"
    stages = [
        m for m in re.finditer(r"^stage(_background)? (chaos|mutation|stock)\b.*?(?=^stage|\Z)", text, re.M | re.S)
    ]
    assert len(stages) >= 4, [m.group(0)[:40] for m in stages]
    for stage in stages:
        assert defined < stage.start(), f"{stage.group(0)[:40]!r} starts before the game day's id is set"
        assert '--game-day "$run"' in stage.group(0), f"{stage.group(0)[:60]!r} records no game day"
