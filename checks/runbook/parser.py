"""Markdown runbook -> model (checks.runbook.model). Tolerant: any text parses, nothing is dropped silently."""

from __future__ import annotations

import re
from pathlib import Path

from checks.runbook.classify.entry import classify
from checks.runbook.model import CodeBlock, CodeLine, Command, Issue, Runbook, Section

SHELL_LANGS = {"bash", "sh", "shell", "zsh", "console"}
HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t#]*$")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*([^`\s]*)")
EXPECTATION = re.compile(r"^#\s*(Should (?:return|show)):\s*(.*)$", re.IGNORECASE)
ALERT_FIELD = re.compile(r"^\*\*(.+?):\*\*\s*(.*?)\s*$")
CAUSE = re.compile(r"^\*\*Cause:\*\*\s*(.*?)\s*$")


class RunbookParseError(Exception):
    """The runbook file cannot be read as a runbook (missing, not text, no title)."""


def parse_file(path: Path) -> Runbook:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RunbookParseError(f"runbook {path} does not exist: pass --runbook PATH to a markdown file") from None
    except UnicodeDecodeError as exc:
        raise RunbookParseError(f"runbook {path} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return parse(text, str(path))


def parse(text: str, path: str = "<string>") -> Runbook:
    """Parse markdown `text`; never raises on odd content (unclosed fences, stray headings, binary-ish text)."""
    sections: list[Section] = []
    blocks: list[CodeBlock] = []
    stack: list[Section] = []
    fence: tuple[str, str, int, list[CodeLine]] | None = None  # (marker, lang, first line, lines)
    prose: list[tuple[int, str, Section | None]] = []
    # Lines end at \n only: str.splitlines() would also split at form feeds and other separators.
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if fence is not None:
            marker, lang, start, lines = fence
            stripped = line.strip()
            if stripped.startswith(marker[0] * len(marker)) and set(stripped) <= {marker[0]}:
                blocks.append(CodeBlock(lang, start, lines, stack[-1] if stack else None))
                fence = None
            else:
                lines.append(CodeLine(number, line))
            continue
        opened = FENCE.match(line)
        if opened:
            fence = (opened.group(1), opened.group(2).lower(), number + 1, [])
            continue
        heading = HEADING.match(line)
        if heading:
            level = len(heading.group(1))
            while stack and stack[-1].level >= level:
                stack.pop()
            section = Section(level, heading.group(2).strip(), number, stack[-1] if stack else None)
            sections.append(section)
            stack.append(section)
            continue
        prose.append((number, line, stack[-1] if stack else None))
    if fence is not None:  # an unclosed fence runs to the end of the file, as renderers show it
        marker, lang, start, lines = fence
        blocks.append(CodeBlock(lang, start, lines, stack[-1] if stack else None))

    commands = [cmd for block in blocks if block.lang in SHELL_LANGS for cmd in commands_of(block)]
    _attach_expected_outputs(blocks, prose, commands)
    title = next((s.title for s in sections if s.level == 1), "")
    issues = _issues(sections, prose, commands)
    return Runbook(path, title, _alert_fields(prose), sections, blocks, commands, issues, text.split("\n"))


def commands_of(block: CodeBlock) -> list[Command]:
    """Commands in a shell block: continuation lines joined, comments attached, expectations read."""
    commands: list[Command] = []
    pending_comment: list[str] = []
    current: list[CodeLine] = []
    for code in block.lines:
        text = code.text.strip()
        if current:
            current.append(code)
            if not text.endswith("\\"):
                commands.append(_command(current, block, pending_comment))
                pending_comment, current = [], []
            continue
        if not text:
            pending_comment = []
            continue
        if text.startswith("#"):
            expectation = EXPECTATION.match(text)
            if expectation and commands and not pending_comment and commands[-1].expectation is None:
                commands[-1].expectation = f"{expectation.group(1)}: {expectation.group(2).strip()}"
            else:
                pending_comment.append(text.lstrip("#").strip())
            block.comments.append(code)
            continue
        current = [code]
        if not text.endswith("\\"):
            commands.append(_command(current, block, pending_comment))
            pending_comment, current = [], []
    if current:  # a trailing backslash on the last line
        commands.append(_command(current, block, pending_comment))
    return commands


def _command(lines: list[CodeLine], block: CodeBlock, comment: list[str]) -> Command:
    joined = " ".join(line.text.strip().removesuffix("\\").strip() for line in lines)
    text, trailing = split_trailing_comment(joined)
    classes, placeholders = classify(text)
    return Command(
        text,
        lines[0].line,
        block,
        " ".join(comment),
        trailing,
        classes=classes,
        placeholders=placeholders,
        lines=[line.line for line in lines],
    )


def split_trailing_comment(text: str) -> tuple[str, str]:
    """Split `cmd  # note` at the first unquoted ` #`; `#` inside quotes or words stays."""
    quote = ""
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and i > 0 and text[i - 1] in " \t":
            return text[:i].rstrip(), text[i + 1 :].strip()
    return text, ""


def _attach_expected_outputs(
    blocks: list[CodeBlock], prose: list[tuple[int, str, Section | None]], commands: list[Command]
) -> None:
    """An untagged block right after a line saying "Expected Output" belongs to the command just before."""
    for block in blocks:
        if block.lang:
            continue
        label = [text for number, text, _ in prose if number < block.line - 1 and number >= block.line - 3]
        if not any("expected output" in text.lower() for text in label):
            continue
        before = [c for c in commands if c.line < block.line and c.block.section is block.section]
        if before:
            # The block shows one command's table: the first command of the nearest shell block.
            nearest = before[-1].block
            next(c for c in before if c.block is nearest).expected_output = block.text


def _alert_fields(prose: list[tuple[int, str, Section | None]]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for _, text, section in prose:
        if section is None or "alert" not in section.title.lower():
            continue
        match = ALERT_FIELD.match(text.strip())
        if match:
            fields[match.group(1).strip()] = match.group(2).strip().strip("`")
    return fields


def _issues(
    sections: list[Section], prose: list[tuple[int, str, Section | None]], commands: list[Command]
) -> list[Issue]:
    issues = []
    for section in sections:
        if not section.title.lower().startswith("issue:"):
            continue
        cause = next((m.group(1) for _, t, s in prose if s is section and (m := CAUSE.match(t.strip()))), "")
        cmds = [c for c in commands if c.block.section is section]
        issues.append(Issue(section.title.split(":", 1)[1].strip(), section.line, cause, cmds))
    return issues
