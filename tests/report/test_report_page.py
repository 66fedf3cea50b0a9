"""report.html rendered from this run's artifacts in reports/, checked in headless Chromium (Debian's package)."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from fixtures.core.options import REPORTS
from fixtures.report import render as report
from tests.report.page_check import measured_widths, png_stats, problems, read_dom, with_width_probe

pytestmark = pytest.mark.report

WINDOW = "1400,3000"
BROWSER_TIMEOUT_S = 120


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium; --no-sandbox because the suite runs as root, a fresh profile so runs do not collide."""
    binary = shutil.which("chromium")
    if binary is None:
        pytest.fail("no chromium on PATH: install Debian's chromium package (scripts/setup.sh does)", pytrace=False)
    argv = [binary, "--headless", "--disable-gpu", "--no-sandbox", f"--user-data-dir={profile}", *args]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=BROWSER_TIMEOUT_S)
    if proc.returncode != 0:
        pytest.fail(f"chromium exited {proc.returncode}: {proc.stderr.strip().splitlines()[-1:]}", pytrace=False)
    return proc


def test_report_page_shows_every_mode_in_a_real_browser(
    tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    runs = report.newest_chaos_runs(REPORTS)
    if not runs:
        pytest.fail(
            f"no chaos artifacts in {REPORTS / 'chaos'}: run the chaos tests first (pytest -m chaos)", pytrace=False
        )
    started = time.monotonic()
    _, page = report.write(REPORTS)
    rendered = time.monotonic()
    dom = chromium(tmp_path / "dom", "--dump-dom", page.as_uri()).stdout
    screenshot = REPORTS / "report.png"
    screenshot.unlink(missing_ok=True)
    chromium(tmp_path / "shot", f"--screenshot={screenshot}", f"--window-size={WINDOW}", page.as_uri())
    browsed = time.monotonic()
    record_property("render_s", round(rendered - started, 2))
    record_property("browser_s", round(browsed - rendered, 2))
    record_property("screenshot", str(screenshot))

    modes = [(run.name, row["mode"]) for run in runs.values() for row in json.loads((run / "summary.json").read_text())]
    assert modes, f"the newest chaos summaries ({', '.join(r.name for r in runs.values())}) list no mode"
    found = problems(read_dom(dom), modes)
    assert not found, "report.html as Chromium rendered it:\n" + "\n".join(found)

    probed = tmp_path / "report-width-probe.html"
    probed.write_text(with_width_probe(page.read_text(encoding="utf-8")), encoding="utf-8")
    widths = measured_widths(
        chromium(tmp_path / "width", f"--window-size={WINDOW}", "--dump-dom", probed.as_uri()).stdout
    )
    assert widths, "the width probe did not run in Chromium"
    wide = [f"{name or 'table'} ends at {right}px" for name, right in widths["tables"] if right > widths["window"]]
    assert widths["page"] <= widths["window"] and not wide, (
        f"report.html is {widths['page']}px wide in a {widths['window']}px window (the screenshot cuts it): "
        + ", ".join(wide)
    )

    stats = png_stats(screenshot.read_bytes())
    assert (stats.width, stats.height) == (1400, 3000), f"screenshot is {stats.width}x{stats.height}"
    assert stats.colours >= 20 and stats.non_white >= 0.05, (
        f"{screenshot} looks blank: {stats.colours} colours, {stats.non_white:.1%} non-white pixels"
    )
