"""report.html from real run artifacts (tests/data/report: journals copied from runs of this suite)."""

from __future__ import annotations

import json
import shutil
import struct
import zlib
from pathlib import Path

import pytest

from fixtures.report import render as report
from fixtures.report import run_info
from fixtures.report.sections import findings
from fixtures.report.timeline import from_journal
from tests.report.page_check import png_stats, problems, read_dom

pytestmark = pytest.mark.unit

DATA = Path(__file__).resolve().parents[1] / "data" / "report"
RUNBOOK_RUN = DATA / "chaos" / "20261126T040557Z"


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    shutil.copytree(DATA, tmp_path / "reports", ignore=shutil.ignore_patterns("interrupted"))
    return tmp_path / "reports"


def test_timeline_uses_the_journal_times_in_the_order_they_happened() -> None:
    t = from_journal(RUNBOOK_RUN / "oom.json")
    keys = [e.key for e in t.events]
    assert keys[:3] == ["inject", "fault-in-effect", "symptom-shown"] and keys[-2:] == ["verified", "undo"]
    assert [e.label for e in t.events if e.key == "step"] == ["runbook"] * 4
    assert [e.line for e in t.events if e.key == "step"] == [93, 96, 99, 108]
    assert t.origin == pytest.approx(1795665966.742)  # the watch's fault_in_effect_at
    times = [e.at for e in t.events if e.at is not None]
    assert times == sorted(times)
    assert t.outage_s == {"agent-bruno": 12.6, "homepage-api": 12.8} and t.outage_window is not None


def test_an_interrupted_journal_says_which_events_have_no_timestamp() -> None:
    t = from_journal(DATA / "interrupted" / "oom.json")
    unplaced = {e.key: e.source for e in t.unplaced}
    assert unplaced["fault-in-effect"].startswith("no timestamp")
    assert unplaced["verified"] == "no timestamp: verify phase not reached"


def test_a_file_that_is_not_a_journal_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("[]")
    with pytest.raises(ValueError, match=r"x\.json: not a chaos journal"):
        from_journal(path)


def test_the_page_has_a_row_and_an_ordered_to_scale_timeline_for_every_mode(reports: Path) -> None:
    _, page = report.write(reports)
    html = page.read_text()
    runs = report.newest_chaos_runs(reports)
    modes = [(r.name, row["mode"]) for r in runs.values() for row in json.loads((r / "summary.json").read_text())]
    assert len(modes) == 5
    assert problems(read_dom(html), modes) == []
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "<script" not in html
    assert 'href="chaos/20261126T053626Z/step3-force-restart%5Bwithout-recovery%5D.json"' in html


def test_findings_name_the_runbook_line_and_what_was_observed(reports: Path) -> None:
    rows = {
        kind: json.loads((run / "summary.json").read_text()) for kind, run in report.newest_chaos_runs(reports).items()
    }
    found = findings(reports, rows)
    kinds = [f.kind for f in found]
    assert kinds.count("runbook finding") == 16  # the Bitnami-shaped system's, as the gate wrote them
    precondition = next(f for f in found if f.kind == "hidden precondition")
    assert (precondition.command, precondition.line) == ("parallel-pods", 108)
    lever = next(f for f in found if f.kind == "missing command")
    assert "StorageClass" in lever.observed and lever.line is None
    assert not [f for f in found if "without-recovery" in f.source]


def test_problems_catch_events_out_of_order_off_scale_and_a_missing_row(reports: Path) -> None:
    _, page = report.write(reports)
    html = page.read_text()
    key = ("20261126T040557Z", "oom")
    swapped = html.replace(
        'data-event="verified" data-order="7" data-t="', 'data-event="verified" data-order="7" data-t="-'
    )
    assert any("verified at -" in p for p in problems(read_dom(swapped), [key]))
    no_row = html.replace('data-run="20261126T040557Z" data-verdict', 'data-run="other" data-verdict')
    assert "20261126T040557Z/oom: no summary table row" in problems(read_dom(no_row), [key])


def test_without_chaos_artifacts_the_page_says_so(tmp_path: Path) -> None:
    _, page = report.write(tmp_path)
    assert 'data-missing="chaos"' in page.read_text() and 'data-run-info="missing"' in page.read_text()


def _png(width: int, height: int, rgb: bytes) -> bytes:
    raw = b"".join(b"\x00" + rgb * width for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def test_png_stats_tell_a_blank_page_from_a_drawn_one() -> None:
    assert png_stats(_png(4, 3, b"\xff\xff\xff")) == png_stats(_png(4, 3, b"\xff\xff\xff"))
    blank = png_stats(_png(4, 3, b"\xff\xff\xff"))
    assert (blank.width, blank.height, blank.colours, blank.non_white) == (4, 3, 1, 0.0)
    assert png_stats(_png(2, 2, b"\x10\x20\x30")).non_white == 1.0
    with pytest.raises(ValueError, match="not a PNG file"):
        png_stats(b"GIF89a")


def test_run_info_keeps_one_entry_per_pytest_argument_list(tmp_path: Path) -> None:
    path = tmp_path / "run-info.json"
    for args, context in ((["-m", "chaos"], "a"), (["-m", "verify"], "b"), (["-m", "chaos"], "c")):
        run_info.record(path, {"args": " ".join(args), "context": context})
    assert [s["context"] for s in json.loads(path.read_text())["sessions"]] == ["b", "c"]
