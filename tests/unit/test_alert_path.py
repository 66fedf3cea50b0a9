"""The alert path's pure parts: the clients' longest outage, when RedisDown is required, what the journal and the
report say of it, and the target's setting."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from chaos import activity_names, journal, pager
from chaos.target import BadTarget, Target
from fixtures.monitoring import stack
from fixtures.monitoring.alert_timing import AlertPath
from fixtures.report.sections import paged_text
from fixtures.report.timeline import from_journal

pytestmark = pytest.mark.unit

DATA = Path(__file__).resolve().parents[1] / "data" / "report" / "chaos" / "20261126T040557Z"


def test_the_longest_outage_is_the_longest_run_of_zero_samples_without_a_gap() -> None:
    points = [(0, 1), (5, 0), (10, 0), (15, 1), (20, 0), (25, 0), (30, 0), (35, 0), (40, 1)]
    assert pager.longest_outage([(float(t), float(v)) for t, v in points], 5.0) == pager.Outage(20.0, 15.0)


def test_a_missing_sample_breaks_the_outage_and_one_zero_sample_is_no_length() -> None:
    points = [(0.0, 0.0), (5.0, 0.0), (20.0, 0.0), (25.0, 0.0), (30.0, 0.0)]  # 10 and 15: no sample
    assert pager.longest_outage(points, 5.0) == pager.Outage(20.0, 10.0)
    assert pager.longest_outage([(7.0, 0.0)], 5.0) == pager.Outage(7.0, 0.0)
    assert pager.longest_outage([(0.0, 1.0)], 5.0) == pager.Outage(None, 0.0)


def test_the_journal_says_why_redis_down_was_required_or_not() -> None:
    path = AlertPath(["RedisDown"], 41.2, 9.5, redis_down_fired_at=141.2, redis_down_resolved_at=309.5)
    required = pager.fields(path, pager.Outage(100.0, 75.0), True, verified_at=300.0)
    assert required["redis_down_judgement"].startswith("required: every client reported Redis down for 75.0 s")
    assert (required["time_to_alert_s"], required["alert_resolved_after_s"]) == (41.2, 9.5)
    assert required["alert_resolution"] is None
    silent = pager.fields(AlertPath([], None, None), pager.Outage(100.0, 20.0), False, verified_at=None)
    assert (
        silent["redis_down_judgement"].startswith("not required: ")
        and "at most 20.0 s" in silent["redis_down_judgement"]
    )
    assert silent["alert_resolution"] == "not measured: recovery was not verified"


def test_the_summary_row_and_the_page_carry_the_alert_path(tmp_path: Path) -> None:
    source = json.loads((DATA / "oom.json").read_text())
    measured = pager.fields(
        AlertPath(["RedisDown"], 45.0, 8.0, redis_down_fired_at=None, redis_down_resolved_at=None),
        pager.Outage(1.0, 64.0),
        True,
        verified_at=1.0,
    )
    source["chaostoolkit_journal"]["run"].append(
        {"activity": {"name": activity_names.ALERT_PATH}, "status": "succeeded", "output": measured}
    )
    row = journal.summary_row("oom", source["chaostoolkit_journal"], 1.0)
    assert row["alert_path"] == "measured" and row["time_to_alert_s"] == 45.0 and row["alerts_fired"] == ["RedisDown"]
    assert paged_text(row) == "after 45.0 s (required); resolved 8.0 s after verified"
    assert paged_text({"alert_path": "not measured: the alert path is off"}) == "not measured: the alert path is off"


def test_the_timeline_places_the_page_and_its_resolution(tmp_path: Path) -> None:
    shutil.copy(DATA / "oom.json", tmp_path / "oom.json")
    data = json.loads((tmp_path / "oom.json").read_text())
    origin = from_journal(tmp_path / "oom.json").origin
    data["summary"].update(redis_down_fired_at=origin + 40, redis_down_resolved_at=origin + 90, time_to_alert_s=40)
    (tmp_path / "oom.json").write_text(json.dumps(data))
    events = {e.key: e for e in from_journal(tmp_path / "oom.json").events}
    assert events["alert-fired"].at == pytest.approx(origin + 40) and "40 s after" in events["alert-fired"].title
    assert events["alert-resolved"].at == pytest.approx(origin + 90)


def test_an_unknown_alert_path_setting_is_one_clear_error() -> None:
    with pytest.raises(BadTarget, match=r"alert_path 'sometimes': choose one of required, if-present, off"):
        Target(Path("k"), None, Path("r"), alert_path="sometimes")
    assert Target.from_configuration({"alert_path": "off"}).alert_path == "off"
    assert Target.from_configuration({}).alert_path == "if-present"


def test_the_mutation_rules_file_lacks_only_the_rule_left_out() -> None:
    def alerts(text: str) -> list[str]:
        return [r["alert"] for g in yaml.safe_load(text)["groups"] for r in g["rules"]]

    full, cut = alerts(stack.RULES.read_text()), alerts(stack.rules_without("RedisDown"))
    assert "RedisDown" in full and cut == [a for a in full if a != "RedisDown"]


def test_a_failed_alert_probe_without_output_says_why_in_the_row() -> None:
    source = json.loads((DATA / "oom.json").read_text())["chaostoolkit_journal"]
    source["run"].append(
        {
            "activity": {"name": activity_names.ALERT_PATH},
            "status": "failed",
            "exception": ["chaos.errors.AlertPathUnmeasured: the alert path became unreadable during the run: 503\n"],
        }
    )
    row = journal.summary_row("oom", source, 1.0)
    assert row["alert_path"] == (
        "not measured: AlertPathUnmeasured: the alert path became unreadable during the run: 503"
    )


def test_no_series_or_a_long_gap_leaves_the_outage_unmeasured_not_zero() -> None:
    step = pager.SCRAPE_S
    assert pager.uncovered([], 0, 300) == "no series in Prometheus for the window"
    full = [(t * step, 1.0) for t in range(61)]
    assert pager.uncovered(full, 0, 300) is None
    gap = [p for p in full if not 100 <= p[0] <= 180]
    assert "none for 90 s (from 95 s" in (pager.uncovered(gap, 0, 300) or "")
    late = [p for p in full if p[0] >= 120]
    assert "from 0 s into the window" in (pager.uncovered(late, 0, 300) or "")
