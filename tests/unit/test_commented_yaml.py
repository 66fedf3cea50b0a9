"""The YAML a runbook writes as comments under a command, read as the runbook says it today."""

from __future__ import annotations

from pathlib import Path

import pytest

from chaos.modes.oom import values_patch
from checks.runbook.commented_yaml import NoCommentedYaml, commented_yaml
from checks.runbook.parser import parse, parse_file

pytestmark = pytest.mark.unit

RUNBOOK = Path(__file__).resolve().parents[2] / "runbooks" / "redis-down.md"


def test_the_oom_update_block_of_the_runbook() -> None:
    book = parse_file(RUNBOOK)
    edit = next(c for c in book.commands if c.text.startswith("kubectl edit helmrelease"))
    block = commented_yaml(book.lines, edit.line, "# Update:")
    assert block.values == {"resources": {"limits": {"memory": "512Mi"}, "requests": {"memory": "256Mi"}}}
    assert book.lines[block.marker_line - 1].strip() == "# Update:"
    assert "256Mi" in book.lines[block.last_line - 1]


def test_edited_values_are_read_as_edited() -> None:
    lines = ["kubectl edit x", "# Update:", "#   master:", "#     resources:", "#       limits: {memory: 1Gi}", ""]
    assert commented_yaml(lines, 1, "# Update:").values == {"master": {"resources": {"limits": {"memory": "1Gi"}}}}


@pytest.mark.parametrize(
    "lines",
    [["kubectl edit x", "# Change:", "#   a: 1"], ["kubectl edit x", "# Update:", ""], ["x", "# Update:", "#   - a"]],
    ids=["no marker", "empty block", "not a mapping"],
)
def test_a_missing_or_empty_block_is_an_error_naming_the_marker(lines: list[str]) -> None:
    with pytest.raises(NoCommentedYaml, match="Update:"):
        commented_yaml(lines, 1, "# Update:")


def test_the_oom_fix_patches_the_runbooks_values_and_names_its_correction() -> None:
    book = parse_file(RUNBOOK)
    edit = next(c for c in book.commands if c.text.startswith("kubectl edit helmrelease"))
    patch, corrections = values_patch(commented_yaml(book.lines, edit.line, "# Update:"))
    resources = {"limits": {"memory": "512Mi"}, "requests": {"memory": "256Mi"}}
    assert patch == {"spec": {"values": {"master": {"resources": resources}}}}
    assert len(corrections) == 1 and "top-level `resources:`" in corrections[0] and "under `master:`" in corrections[0]


def test_edited_runbook_values_are_the_values_the_oom_fix_applies() -> None:
    text = RUNBOOK.read_text().replace("memory: 512Mi  # Increase as needed", "memory: 40Mi  # Increase as needed")
    book = parse(text)
    edit = next(c for c in book.commands if c.text.startswith("kubectl edit helmrelease"))
    patch, _ = values_patch(commented_yaml(book.lines, edit.line, "# Update:"))
    assert patch["spec"]["values"]["master"]["resources"]["limits"]["memory"] == "40Mi"


def test_an_update_block_already_under_master_is_applied_as_written_without_correction() -> None:
    lines = ["kubectl edit x", "# Update:", "#   master:", "#     resources:", "#       limits: {memory: 1Gi}", ""]
    patch, corrections = values_patch(commented_yaml(lines, 1, "# Update:"))
    assert patch == {"spec": {"values": {"master": {"resources": {"limits": {"memory": "1Gi"}}}}}}
    assert corrections == []
