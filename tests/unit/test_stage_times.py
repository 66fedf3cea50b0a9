"""reports/stages.tsv (scripts/stages.sh) and the report's "Where the time went" section from it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fixtures.report import render as report
from fixtures.report import stage_times
from fixtures.report.stage_times import Stage

pytestmark = pytest.mark.unit

DATA = Path(__file__).resolve().parents[1] / "data" / "report"
HEADER = "stage\tseconds\tstatus\n"
NO_JOB: dict[str, str] = {}  # no STAGES_JOB_STARTED: these tests do not depend on the job running them


def write(reports: Path, rows: str) -> Path:
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "stages.tsv").write_text(HEADER + rows)
    return reports


def test_parse_reads_every_row_in_order() -> None:
    text = HEADER + "tests\t1083.4\tpassed\nkind\t690\tfailed\n\nstock\t0\tskipped\n"
    assert stage_times.parse(text) == [
        Stage("tests", 1083.4, "passed"),
        Stage("kind", 690.0, "failed"),
        Stage("stock", 0.0, "skipped"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "line 1 is not the header"),
        ("name\tseconds\tstatus\n", "line 1 is not the header"),
        (HEADER + "tests\t12\n", "line 2: 2 fields, not 3"),
        (HEADER + "tests\t12\tpassed\nkind\tsoon\tpassed\n", "line 3: seconds 'soon' is not a number"),
        (HEADER + "tests\t12\tok\n", "line 2: status 'ok' is none of passed, failed, interrupted, skipped"),
        (HEADER + "tests\t-1\tpassed\n", "line 2: negative seconds"),
    ],
)
def test_parse_names_the_bad_line(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        stage_times.parse(text)


def test_parse_reads_what_the_job_waited_on_and_files_without_it() -> None:
    text = "stage\tseconds\tstatus\twaited\ntests\t300\tpassed\t300\nkind\t700\tpassed\t12.5\n"
    assert stage_times.parse(text) == [Stage("tests", 300.0, "passed", 300.0), Stage("kind", 700.0, "passed", 12.5)]
    assert stage_times.parse(HEADER + "tests\t300\tpassed\n")[0].waited is None
    with pytest.raises(ValueError, match="line 2: negative waited '-3'"):
        stage_times.parse("stage\tseconds\tstatus\twaited\ntests\t300\tpassed\t-3\n")
    with pytest.raises(ValueError, match="line 2: 3 fields, not 4"):
        stage_times.parse("stage\tseconds\tstatus\twaited\ntests\t300\tpassed\n")


def test_the_critical_path_lists_the_stages_waited_on_in_order(tmp_path: Path) -> None:
    rows = "tests\t300\tpassed\t300\nkind\t700\tpassed\t0\nbitnami\t500\tpassed\t0\ncells\t600\tpassed\t600\n"
    reports = tmp_path / "r"
    reports.mkdir()
    (reports / "stages.tsv").write_text("stage\tseconds\tstatus\twaited\n" + rows + "stock\t0\tskipped\t0\n")
    assert [s.name for s in stage_times.critical_path(stage_times.read(reports) or [])] == ["tests", "cells"]
    html = stage_times.section_html(reports, 1000.0, NO_JOB)
    assert "Critical path (the stages the job waited on" in html
    assert "tests 5m 00s, cells 10m 00s; set-up, cluster up and the gaps between stages 1m 40s." in html
    assert "<td>11m 40s</td><td>passed</td><td>70 %</td><td>0m 00s</td>" in html  # kind, beside, not waited on
    md = "\n".join(stage_times.section_markdown(reports, 1000.0, NO_JOB))
    assert "| **kind** (longest) | 11m 40s | passed | 70 % | 0m 00s |" in md


def test_an_older_file_says_the_critical_path_was_not_recorded(tmp_path: Path) -> None:
    reports = write(tmp_path, "tests\t300\tpassed\n")
    html = stage_times.section_html(reports, 400.0, NO_JOB)
    assert "Critical path: not recorded" in html and "<td>not recorded</td>" in html


def test_job_seconds_prefers_the_given_wall_time_then_the_job_start() -> None:
    assert stage_times.job_seconds(600.0, {"STAGES_JOB_STARTED": "100"}, now=1000.0) == 600.0
    assert stage_times.job_seconds(None, {"STAGES_JOB_STARTED": "100"}, now=1000.0) == 900.0
    assert stage_times.job_seconds(None, {}, now=1000.0) is None
    assert stage_times.job_seconds(None, {"STAGES_JOB_STARTED": "soon"}, now=1000.0) is None
    assert stage_times.job_seconds(None, {"STAGES_JOB_STARTED": "2000"}, now=1000.0) is None


def test_mmss_matches_the_scripts_table() -> None:
    shown = [stage_times.mmss(s) for s in (0, 0.4, 59.6, 61, 3723)]
    assert shown == ["0m 00s", "0m 00s", "1m 00s", "1m 01s", "62m 03s"]


def test_a_missing_file_says_not_measured_never_a_blank(tmp_path: Path) -> None:
    html = stage_times.section_html(tmp_path, 600.0, NO_JOB)
    assert 'data-stages="missing"' in html and "not measured: no reports/stages.tsv" in html
    assert "<table" not in html
    md = stage_times.section_markdown(tmp_path, 600.0, NO_JOB)
    assert md[1] == "## Where the time went" and md[-1].startswith("not measured: no reports/stages.tsv")


def test_an_unreadable_or_empty_file_says_not_measured(tmp_path: Path) -> None:
    (tmp_path / "stages.tsv").write_text("stage,seconds,status\n")
    assert "not measured: reports/stages.tsv is unreadable" in stage_times.section_html(tmp_path, None, NO_JOB)
    write(tmp_path, "")
    assert "not measured: reports/stages.tsv lists no stage yet" in stage_times.section_html(tmp_path, None, NO_JOB)


def test_the_section_gives_each_stage_its_share_and_marks_the_longest(tmp_path: Path) -> None:
    reports = write(tmp_path, "tests\t1080\tpassed\nbitnami\t420\tfailed\nkind\t690\tpassed\nreport-page\t1\tpassed\n")
    html = stage_times.section_html(reports, 3600.0, NO_JOB)
    assert html.count('class="stage-row') == 4
    assert '<tr class="stage-row status-passed longest" data-stage="tests"' in html
    assert html.count("data-longest") == 1 and "tests (longest)" in html
    assert "<td>18m 00s</td><td>passed</td><td>30 %</td>" in html
    assert "<td>7m 00s</td><td>failed</td><td>12 %</td>" in html
    assert "<td>0m 01s</td><td>passed</td><td>&lt;1 %</td>" in html
    assert "up to this report: 60m 00s" in html and "Interrupted" not in html
    md = stage_times.section_markdown(reports, 3600.0, NO_JOB)
    assert "| **tests** (longest) | 18m 00s | passed | 30 % | not recorded |" in md
    assert "| kind | 11m 30s | passed | 19 % | not recorded |" in md


def test_an_interrupted_job_shows_the_interrupted_and_the_skipped_stages(tmp_path: Path) -> None:
    rows = "tests\t300\tpassed\nbitnami\t95.5\tinterrupted\nstock\t0\tskipped\nmutation\t0\tskipped\n"
    reports = write(tmp_path, rows)
    html = stage_times.section_html(reports, 400.0, NO_JOB)
    assert 'data-stage="bitnami" data-status="interrupted"' in html
    assert "<td>1m 36s</td><td>interrupted</td><td>24 %</td>" in html
    assert html.count('data-status="skipped"') == 2
    assert "<td>stock</td><td>not run</td><td>skipped</td><td>not run</td>" in html
    assert "Interrupted during bitnami; skipped: stock, mutation." in html
    md = "\n".join(stage_times.section_markdown(reports, 400.0, NO_JOB))
    assert "| stock | not run | skipped | not run |" in md and "Interrupted during bitnami" in md


def test_without_the_job_wall_time_there_are_no_shares(tmp_path: Path) -> None:
    reports = write(tmp_path, "tests\t300\tpassed\n")
    html = stage_times.section_html(reports, None, NO_JOB)
    assert "<td>5m 00s</td><td>passed</td><td>n/a</td>" in html and "was not given" in html
    started = {"STAGES_JOB_STARTED": "0"}  # the job started at the epoch: its wall time is huge, not unknown
    assert "was not given" not in stage_times.section_html(reports, None, started)


def test_both_report_files_carry_the_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STAGES_JOB_STARTED", raising=False)
    reports = tmp_path / "reports"
    shutil.copytree(DATA, reports, ignore=shutil.ignore_patterns("interrupted"))
    md, page = report.write(reports, 600.0)
    assert "not measured: no reports/stages.tsv" in page.read_text() and "## Where the time went" in md.read_text()
    write(reports, "tests\t300\tpassed\nkind\t0\tskipped\n")
    md, page = report.write(reports, 600.0)
    assert 'data-stage="tests"' in page.read_text() and 'data-stage="kind" data-status="skipped"' in page.read_text()
    assert "| **tests** (longest) | 5m 00s | passed | 50 % |" in md.read_text()
