"""`python -m chaos compare`: two runs' verdicts mode by mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chaos import compare
from chaos.__main__ import main

pytestmark = pytest.mark.unit


def _run(folder: Path, rows: list[dict]) -> Path:
    folder.mkdir()
    for row in rows:
        (folder / f"{row['mode']}.json").write_text(json.dumps({"summary": row, "chaostoolkit_journal": {}}))
    (folder / "summary.json").write_text("[]")  # the rendered summary is not a journal
    return folder


def _row(mode: str, verdict: str = "runbook sufficient", missing: tuple[str, ...] = (), cell: str = "redis") -> dict:
    return {"mode": mode, "verdict": verdict, "missing": list(missing), "cell": cell, "fault_to_verified_s": 12.0}


def test_same_verdicts_agree_and_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    serial = _run(tmp_path / "serial", [_row("oom"), _row("network-policy")])
    cells = _run(tmp_path / "cells", [_row("oom", cell="redis-cell2"), _row("network-policy", cell="redis-cell1")])
    assert main(["compare", str(serial), str(cells)]) == 0
    out = capsys.readouterr().out
    assert "2 of 2 modes run in both give the same verdict." in out
    assert "| oom | runbook sufficient | runbook sufficient | yes | 12.0 / 12.0 | redis / redis-cell2 |" in out


def test_a_different_verdict_or_missing_fix_disagrees_and_exits_1(tmp_path: Path, capsys) -> None:
    missing = ("a fix: nothing restores a pullable image",)
    serial = _run(tmp_path / "serial", [_row("oom"), _row("image-pull", "runbook insufficient", missing)])
    cells = _run(tmp_path / "cells", [_row("oom", "not recovered"), _row("image-pull", "runbook insufficient")])
    assert main(["compare", str(serial), str(cells)]) == 1
    out = capsys.readouterr().out
    assert "0 of 2 modes run in both give the same verdict." in out
    assert out.count("**no**") == 2


def test_a_mode_in_one_run_only_is_listed_not_counted(tmp_path: Path) -> None:
    a = compare.rows_of(_run(tmp_path / "a", [_row("oom"), _row("node", "not recovered")]))
    b = compare.rows_of(_run(tmp_path / "b", [_row("oom"), _row("disk-full")]))
    text = compare.render("a", "b", a, b)
    assert "1 of 1 modes run in both" in text
    assert "Only in a (not compared): node." in text and "Only in b (not compared): disk-full." in text


def test_a_folder_without_journals_is_one_line_exit_2(tmp_path: Path, capsys) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["compare", str(tmp_path / "empty"), str(tmp_path / "absent")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "no chaos journals" in err and "reports/chaos" in err
