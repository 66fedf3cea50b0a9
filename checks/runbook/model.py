"""The runbook as data: sections, code blocks, commands and expectations, each with its line number."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class CommandClass(StrEnum):
    """What running a documented command means, which decides whether and how the suite runs it."""

    READ_ONLY = "read-only diagnosis"
    MUTATING = "mutating fix"
    UNKNOWN = "unknown: not run"  # the classifier cannot prove it read-only: never run, reported
    INTERACTIVE = "interactive"
    LONG_RUNNING = "long-running"
    PLACEHOLDER = "needs a placeholder"
    NEEDS_ADDON = "needs something the cluster may lack"


# What the drift gate runs against the healthy system. Any other class sets a command aside (a fix, an interactive
# form, a placeholder with no live value) or says the classifier could not prove it harmless (UNKNOWN).
RUNNABLE = frozenset({CommandClass.READ_ONLY, CommandClass.NEEDS_ADDON, CommandClass.LONG_RUNNING})


@dataclass
class Section:
    """A markdown heading and where it is."""

    level: int
    title: str
    line: int
    parent: Section | None = field(default=None, repr=False)

    @property
    def path(self) -> list[str]:
        node, titles = self, []
        while node is not None:
            titles.append(node.title)
            node = node.parent
        return list(reversed(titles))


@dataclass
class CodeLine:
    """One line inside a fenced block."""

    line: int
    text: str


@dataclass
class CodeBlock:
    """A fenced block: its language tag, first content line, lines, and the section it is in."""

    lang: str
    line: int
    lines: list[CodeLine]
    section: Section | None
    comments: list[CodeLine] = field(default_factory=list, repr=False)  # shell blocks: the `#` lines

    @property
    def text(self) -> str:
        return "\n".join(c.text for c in self.lines)


@dataclass
class Command:
    """A shell command from a bash block, with the comments around it that give it meaning."""

    text: str
    line: int
    block: CodeBlock = field(repr=False)
    comment: str = ""  # the comment line(s) just above it
    trailing: str = ""  # an inline `# ...` after the command
    expectation: str | None = None  # "# Should return: PONG" / "# Should show: ..." right below it
    expected_output: str | None = None  # an "Expected Output" block that follows the command's block
    classes: tuple[CommandClass, ...] = ()
    placeholders: tuple[str, ...] = ()
    lines: list[int] = field(default_factory=list)  # every source line it spans (continuations)

    @property
    def section_path(self) -> list[str]:
        return self.block.section.path if self.block.section else []

    @property
    def primary_class(self) -> CommandClass:
        return self.classes[0] if self.classes else CommandClass.READ_ONLY


@dataclass
class Issue:
    """An "Issue: ..." subsection of Step 2: its cause and the fix commands."""

    title: str
    line: int
    cause: str
    commands: list[Command]


@dataclass
class Runbook:
    """The parsed runbook."""

    path: str
    title: str
    alert: dict[str, str]
    sections: list[Section]
    blocks: list[CodeBlock]
    commands: list[Command]
    issues: list[Issue]
    lines: list[str] = field(default_factory=list, repr=False)  # the source text, line n at index n - 1

    def line_containing(self, phrase: str) -> tuple[int, str] | None:
        """(line number, text) of the first source line containing `phrase`, e.g. prose that names an action."""
        for number, text in enumerate(self.lines, start=1):
            if phrase in text:
                return number, text.strip()
        return None

    def under(self, *titles: str) -> list[Command]:
        """Commands whose section path contains headings starting with each of `titles`, in order."""
        found = []
        for cmd in self.commands:
            path = cmd.section_path
            i = 0
            for title in path:
                if i < len(titles) and _title_matches(title, titles[i]):
                    i += 1
            if i == len(titles):
                found.append(cmd)
        return found

    @property
    def yaml_blocks(self) -> list[CodeBlock]:
        return [b for b in self.blocks if b.lang in ("yaml", "yml")]


def _title_matches(title: str, start: str) -> bool:
    return title.lower().startswith(start.lower()) or start.lower() in title.lower()
