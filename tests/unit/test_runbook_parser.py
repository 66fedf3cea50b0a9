"""The runbook parser: the real runbook, odd markdown, and properties over arbitrary text (classifier: its own file)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.runbook.model import CommandClass as K
from checks.runbook.parser import SHELL_LANGS, RunbookParseError, parse, parse_file
from fixtures.core.runbook_source import RUNBOOK_PATH

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def runbook():
    return parse_file(RUNBOOK_PATH)


def test_alert_metadata_and_title_keep_the_mojibake(runbook) -> None:
    assert runbook.alert == {
        "Alert Name": "RedisDown",
        "Severity": "Critical",
        "Component": "redis",
        "Service": "redis-master",
    }
    assert runbook.title.endswith("Runbook: Redis Service Down") and runbook.title != "Runbook: Redis Service Down"


def test_every_command_keeps_its_line_number(runbook) -> None:
    lines = RUNBOOK_PATH.read_text(encoding="utf-8").split("\n")
    for cmd in runbook.commands:
        assert cmd.text.split()[0] in lines[cmd.line - 1], (cmd.line, cmd.text)


def test_sections_of_the_runbook_are_found(runbook) -> None:
    diagnosis = runbook.under("Diagnosis")
    assert [c.line for c in diagnosis][:2] == [25, 26]
    assert [i.title for i in runbook.issues] == [
        "Pod OOMKilled (Out of Memory)",
        "Persistent Volume Issues",
        "Configuration Error",
        "Node Issues",
        "Image Pull Error",
        "Network Policy Blocking",
    ]
    assert runbook.issues[0].cause == "Redis exceeded memory limits"
    steps = [s.title for s in runbook.sections if s.title.startswith("Step ")]
    assert steps[2:] == [
        "Step 3: Force Redis Restart",
        "Step 4: Rollout Restart StatefulSet",
        "Step 5: Force Flux Reconciliation",
        "Step 6: Emergency Recovery - Reinstall Redis",
    ]
    assert len(runbook.under("Verification")) == 16
    assert len(runbook.under("Quick Commands")) == 8
    assert len(runbook.yaml_blocks) == 5


def test_expectations_and_expected_output_attach_to_their_command(runbook) -> None:
    by_line = {c.line: c for c in runbook.commands}
    assert by_line[262].expectation == "Should return: PONG"
    assert by_line[254].expectation == "Should show: Running and 1/1 READY"
    assert by_line[25].expected_output.startswith("NAME             READY   STATUS")
    assert by_line[59].trailing == "If pod restarted"


def test_classes_of_the_runbook_commands(runbook) -> None:
    by_line = {c.line: c for c in runbook.commands}
    assert by_line[65].classes == (K.NEEDS_ADDON, K.READ_ONLY)  # kubectl top
    assert by_line[99].primary_class == K.INTERACTIVE  # kubectl edit
    assert by_line[160].placeholders == ("node-name",)
    assert by_line[192].placeholders == ("policy-name",)
    assert by_line[246].primary_class == K.LONG_RUNNING  # watch
    assert by_line[283].primary_class == K.LONG_RUNNING  # redis-cli --latency
    assert by_line[314].primary_class == K.LONG_RUNNING  # port-forward
    assert by_line[180].primary_class == K.INTERACTIVE  # kubectl run -it
    assert by_line[369].primary_class == K.MUTATING  # redis-cli --rdb with $(date)
    assert by_line[66].primary_class == K.READ_ONLY  # describe node $(kubectl get pod ...)


def test_unclosed_fence_and_windows_line_endings_parse() -> None:
    text = "# T\r\n## Diagnosis\r\n```bash\r\nkubectl get pods -n redis\r\n"
    runbook = parse(text)
    assert [(c.line, c.text) for c in runbook.commands] == [(4, "kubectl get pods -n redis")]


def test_continuation_lines_make_one_command() -> None:
    runbook = parse("```bash\nkubectl get pods \\\n  -n redis\n# a comment\n```\n")
    assert [(c.text, c.lines) for c in runbook.commands] == [("kubectl get pods -n redis", [2, 3])]


def test_missing_file_is_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(RunbookParseError, match="does not exist: pass --runbook PATH"):
        parse_file(tmp_path / "nope.md")


# ---------------------------------------------------------------- properties

SAFE_COMMANDS = st.sampled_from(
    [
        "kubectl get pods -n redis",
        "kubectl delete pod -n redis x",
        "flux get helmreleases -n redis",
        "kubectl exec -n redis redis-master-0 -- redis-cli ping",
        "watch kubectl get pods",
    ]
)
BASH_LINE = st.one_of(
    SAFE_COMMANDS,
    st.builds(lambda t: "# " + t, st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)),
    st.just(""),
)
MARKDOWN_LINE = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.builds(lambda n, t: "#" * n + " " + t, st.integers(1, 6), st.text(max_size=20)),
    st.sampled_from(["```bash", "```", "```yaml", "~~~", "**Expected Output:**", "**Cause:** x"]),
)


@settings(max_examples=200)
@given(st.lists(MARKDOWN_LINE, max_size=40))
def test_arbitrary_markdown_never_crashes_the_parser(lines: list[str]) -> None:
    # A command the classifier does not know is classified UNKNOWN and reported, never raised.
    runbook = parse("\n".join(lines))
    assert all(cmd.classes for cmd in runbook.commands)


@settings(max_examples=200)
@given(st.lists(st.tuples(st.text(max_size=20), st.lists(BASH_LINE, max_size=8)), max_size=6))
def test_every_bash_line_is_a_command_or_a_comment_and_line_numbers_point_at_it(
    blocks: list[tuple[str, list[str]]],
) -> None:
    text_lines: list[str] = []
    for prose, body in blocks:
        one_line = prose.replace("\n", " ").replace("\r", " ")
        text_lines += [one_line.replace("`", "").replace("~", "").replace("#", ""), "```bash", *body, "```"]
    runbook = parse("\n".join(text_lines))
    accounted = {n for c in runbook.commands for n in c.lines}
    accounted |= {c.line for b in runbook.blocks for c in b.comments}
    for block in runbook.blocks:
        assert block.lang in SHELL_LANGS
        for code in block.lines:
            if code.text.strip():
                assert code.line in accounted, code
                assert text_lines[code.line - 1] == code.text
    for cmd in runbook.commands:
        assert text_lines[cmd.line - 1].strip() == cmd.text
