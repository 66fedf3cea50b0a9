"""report.html from real run artifacts (tests/data/report: journals copied from runs of this suite)."""

from __future__ import annotations

import json
import re
import shutil
import struct
import zlib
from dataclasses import replace
from pathlib import Path

import pytest

from fixtures.report import render as report
from fixtures.report import run_info
from fixtures.report.drawing import mode_section
from fixtures.report.sections import findings
from fixtures.report.timeline import Event, from_journal
from tests.report.page_check import png_stats, problems, read_dom

pytestmark = pytest.mark.unit

DATA = Path(__file__).resolve().parents[1] / "data" / "report"
RUNBOOK_RUN = DATA / "chaos" / "20261126T040557Z"
OOM = ("20261126T040557Z", "oom")


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


def _redrawn(html: str, event: str, x: float, t: float | None = None) -> str:
    """The page with the first `event` of oom's timeline drawn at x (and, given t, at that time); data-x untouched."""
    start = html.index(f'<section class="mode" data-mode="{OOM[1]}" data-run="{OOM[0]}"')
    group = re.compile(rf'<g class="event" data-event="{event}".*?</g>').search(html, start)
    assert group is not None, f"no {event} in oom's timeline"
    moved = re.sub(r'(<circle cx|<rect x)="[^"]*"', rf'\g<1>="{x}"', group.group(), count=1)
    if t is not None:
        moved = re.sub(r'data-t="[^"]*"', f'data-t="{t}"', moved, count=1)
    return html[: group.start()] + moved + html[group.end() :]


def test_problems_catch_events_out_of_order_off_scale_and_a_missing_row(reports: Path) -> None:
    _, page = report.write(reports)
    html = page.read_text()
    swapped = html.replace(
        'data-event="verified" data-order="7" data-t="', 'data-event="verified" data-order="7" data-t="-'
    )
    assert any("verified at -" in p for p in problems(read_dom(swapped), [OOM]))
    axis = read_dom(html).axes["20261126T040557Z/oom"]
    # The marks move; their data-x stays where the renderer put it, so only the drawn position gives them away.
    left_of_axis = problems(read_dom(_redrawn(html, "step", axis.x1 - 40)), [OOM])
    assert left_of_axis == ["20261126T040557Z/oom: step at t=1.973s drawn at x=390, not 566.7"]
    right_of_axis = problems(read_dom(_redrawn(html, "verified", axis.x2 + 40)), [OOM])
    assert right_of_axis == ["20261126T040557Z/oom: verified at t=27.143s drawn at x=1250, not 934.7"]
    late = axis.t1 + 60
    after_the_axis = problems(read_dom(_redrawn(html, "verified", axis.x(late), late)), [OOM])
    assert after_the_axis == [
        f"20261126T040557Z/oom: verified at t={late:g}s is off the axis ({axis.t0:g}s to {axis.t1:g}s)"
    ]
    no_row = html.replace('data-run="20261126T040557Z" data-verdict', 'data-run="other" data-verdict')
    assert "20261126T040557Z/oom: no summary table row" in problems(read_dom(no_row), [OOM])


def test_an_event_long_before_or_after_the_rest_widens_the_axis_to_hold_it() -> None:
    t = from_journal(RUNBOOK_RUN / "oom.json")
    assert t.origin is not None
    early = Event("alert-fired", "RedisDown paged", t.origin - 600, "test: before the fault")
    late = Event("alert-resolved", "RedisDown resolved", t.origin + 3000, "test: after the rest")
    page = read_dom(mode_section(OOM[0], replace(t, events=[early, *t.events, late])))
    axis, marks = page.axes["20261126T040557Z/oom"], page.timelines["20261126T040557Z/oom"]
    assert axis.t0 <= -600 and axis.t1 >= 3000
    assert [m.attrs["data-event"] for m in marks if m.x == axis.x1] == ["alert-fired"]
    assert all(m.x is not None and axis.x1 <= m.x <= axis.x2 for m in marks)
    assert problems(page, [OOM]) == ["20261126T040557Z/oom: no summary table row"]  # the section alone has no table


def test_without_chaos_artifacts_the_page_says_so(tmp_path: Path) -> None:
    _, page = report.write(tmp_path)
    assert 'data-missing="chaos"' in page.read_text() and 'data-run-info="missing"' in page.read_text()


WHITE, INK, RED = b"\xff\xff\xff", b"\x10\x20\x30", b"\xdc\x26\x26"


def _png(rows: list[bytes]) -> bytes:
    """An 8-bit RGB PNG of these rows of pixels (3 bytes each), unfiltered."""
    width, height = len(rows[0]) // 3, len(rows)
    raw = b"".join(b"\x00" + row for row in rows)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def test_png_stats_tell_a_blank_page_from_a_drawn_one() -> None:
    blank = png_stats(_png([WHITE * 4] * 3))
    assert (blank.width, blank.height, blank.colours, blank.non_white) == (4, 3, 1, 0.0)
    drawn = png_stats(_png([WHITE * 4, WHITE + INK * 2 + RED, WHITE * 4]))
    assert (drawn.width, drawn.height, drawn.colours, drawn.non_white) == (4, 3, 3, 0.25)
    assert png_stats(_png([INK * 2] * 2)).non_white == 1.0
    with pytest.raises(ValueError, match="not a PNG file"):
        png_stats(b"GIF89a")


def test_run_info_keeps_one_entry_per_pytest_argument_list(tmp_path: Path) -> None:
    path = tmp_path / "run-info.json"
    for args, context in ((["-m", "chaos"], "a"), (["-m", "verify"], "b"), (["-m", "chaos"], "c")):
        run_info.record(path, {"args": " ".join(args), "context": context})
    assert [s["context"] for s in json.loads(path.read_text())["sessions"]] == ["b", "c"]
