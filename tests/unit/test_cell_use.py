"""Each cell's use over a chaos run and the run's critical path (fixtures/report/cell_use.py), from journals."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fixtures.report import cell_use

pytestmark = pytest.mark.unit

T0 = 1_800_000_000.0


def journal(folder: Path, name: str, cell: str | None, start: float, end: float, waited: float = 0.0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    summary = {"mode": name, "waited_for_other_cells_s": waited, **({"cell": cell} if cell else {})}
    toolkit = {
        "start": datetime.fromtimestamp(T0 + start, UTC).isoformat(),
        "end": datetime.fromtimestamp(T0 + end, UTC).isoformat(),
    }
    (folder / f"{name}.json").write_text(json.dumps({"summary": summary, "chaostoolkit_journal": toolkit}))


def run_with_two_cells(tmp_path: Path) -> Path:
    run = tmp_path / "chaos" / "20261203T070000Z"
    journal(run, "node", "redis", 0, 100)  # alone, before the cells
    journal(run, "oom", "redis", 130, 190, waited=30)
    journal(run, "bad-config", "redis-cell1", 100, 400)
    journal(tmp_path / "chaos" / "20261203T070000Z-mutation", "step3[without-recovery]", "redis", 200, 500)
    (run / "summary.json").write_text("[]")
    (run / "broken.json").write_text("{not json")
    return run


def test_each_cell_is_busy_waiting_or_idle_over_the_runs_span(tmp_path: Path) -> None:
    run = run_with_two_cells(tmp_path)
    [(name, folders)] = cell_use.runs_and_folders([run, run.with_name(run.name + "-mutation")])
    assert name == run.name and [f.name for f in folders] == [run.name, run.name + "-mutation"]
    uses, span = cell_use.cells(cell_use.read_experiments(folders))
    assert span == pytest.approx(500)
    first, second = uses
    assert (first.cell, [e.name for e in first.experiments]) == ("redis", ["node", "oom", "step3[without-recovery]"])
    assert first.busy_s == pytest.approx(460) and first.waited_s == 30
    assert (second.cell, second.busy_s) == ("redis-cell1", pytest.approx(300))
    html = cell_use.section_html(name, folders)
    assert 'data-cells="measured"' in html and html.count('class="cell-row"') == 2
    assert "<td>redis</td><td>3</td><td>460 s (92 %)</td><td>30 s</td><td>10 s</td>" in html
    assert "<td>redis-cell1</td><td>1</td><td>300 s (60 %)</td><td>0 s</td><td>200 s</td>" in html
    assert "Critical path: cell redis, ending last: node 100 s, oom 60 s, step3[without-recovery] 300 s." in html


def test_the_critical_path_is_the_cell_that_ended_last(tmp_path: Path) -> None:
    run = tmp_path / "run"
    journal(run, "oom", "redis", 0, 300)
    journal(run, "step6", "redis-cell2", 50, 320)
    md = "\n".join(cell_use.section_markdown("run", [run]))
    assert "Critical path: cell redis-cell2, ending last: step6 270 s." in md
    assert "| redis | 1 | 300 s (94 %) | 0 s | 20 s |" in md


def test_a_journal_without_a_cell_is_counted_as_not_recorded(tmp_path: Path) -> None:
    run = tmp_path / "run"
    journal(run, "oom", None, 0, 60)
    uses, _ = cell_use.cells(cell_use.read_experiments([run]))
    assert [u.cell for u in uses] == ["not recorded"]


def test_no_journal_is_not_measured_never_an_idle_cell(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "oom.json").write_text(json.dumps({"summary": {"mode": "oom"}, "chaostoolkit_journal": {}}))
    html = cell_use.section_html("run", [run])
    assert 'data-cells="missing"' in html and "not measured: no journal with a start and an end" in html
    assert "<table" not in html
    assert cell_use.section_markdown("run", [run])[-1].startswith("not measured")


def test_a_mutation_run_without_its_run_stands_alone(tmp_path: Path) -> None:
    mutation = tmp_path / "r-mutation"
    journal(mutation, "step3[without-recovery]", "redis", 0, 10)
    assert cell_use.runs_and_folders([mutation]) == [("r-mutation", [mutation])]
