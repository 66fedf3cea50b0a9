"""The shell lexer: splits a command line into words and operators as bash does before it expands anything
(quoting, escapes, comments, redirections with their stream digits), and marks a word `dynamic` when bash
computes part of it only when it runs (a variable, a substitution, a glob or a brace expansion).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Longest first, so `&&` is not read as two `&` and `2>&1` keeps its `>&`.
OPERATORS = (
    "<<<",
    "<<-",
    "&>>",
    "&&",
    "||",
    ";;",
    "|&",
    "<<",
    ">>",
    ">|",
    "<>",
    ">&",
    "<&",
    "&>",
    ";",
    "&",
    "|",
    "(",
    ")",
    ">",
    "<",
)
REDIRECTS = {"<<<", "<<-", "&>>", "<<", ">>", ">|", "<>", ">&", "<&", "&>", ">", "<"}
INPUT_REDIRECTS = {"<", "<<", "<<-", "<<<", "<&"}
PIPES = {"|", "|&"}
HARMLESS_TARGETS = {"/dev/null", "/dev/stdout", "/dev/stderr"}
# Unquoted globs and brace expansions: bash turns them into words the text does not show.
EXPANDS = re.compile(r"[*?]|\[[^\]]*\]|\{[^{}]*(,|\.\.)[^{}]*\}")


class UnknownCommand(Exception):
    """Text the classifier cannot read as shell (an unclosed quote); classified UNKNOWN, never raised out."""


@dataclass(frozen=True)
class Word:
    """A shell word after quote removal; `dynamic` when bash computes part of it only when it runs."""

    text: str
    dynamic: bool = False


Token = Word | str  # a word, or an operator


class _Lexer:
    """Split shell text into words and operators, as bash does before it expands anything."""

    def __init__(self, text: str) -> None:
        self.text, self.i, self.tokens = text, 0, []
        self._new_word()

    def _new_word(self) -> None:
        self.chars: list[str] = []
        self.view: list[str] = []  # the unquoted characters, "\0" for quoted ones: where globs can be
        self.dynamic = self.quoted = self.started = False

    def run(self) -> list[Token]:
        while self.i < len(self.text):
            self._step(self.text[self.i])
        self._finish_word()
        return self.tokens

    def _add(self, text: str, quoted: bool) -> None:
        self.chars.append(text)
        self.view.append("\0" * len(text) if quoted else text)
        self.quoted |= quoted
        self.started = True

    def _step(self, ch: str) -> None:
        if ch in " \t":
            self._finish_word()
            self.i += 1
        elif ch == "\n":
            self._finish_word()
            self.tokens.append(";")
            self.i += 1
        elif ch == "#" and not self.started:
            end = self.text.find("\n", self.i)
            self.i = len(self.text) if end < 0 else end
        elif ch == "\\":
            if self.text[self.i + 1 : self.i + 2] != "\n":
                self._add(self.text[self.i + 1 : self.i + 2], quoted=True)
            self.i += 2
        elif ch == "'":
            end = self.text.find("'", self.i + 1)
            if end < 0:
                raise UnknownCommand(f"unclosed ' in {self.text!r}")
            self._add(self.text[self.i + 1 : end], quoted=True)
            self.i = end + 1
        elif ch == '"':
            self._double_quoted()
        elif ch == "$":
            self.dynamic = True
            self._add("$", quoted=False)
            self.i += 1
        elif operator := next((op for op in OPERATORS if self.text.startswith(op, self.i)), None):
            self._operator(operator)
        else:
            self._add(ch, quoted=False)
            self.i += 1

    def _double_quoted(self) -> None:
        i = self.i + 1
        while i < len(self.text) and self.text[i] != '"':
            if self.text[i] == "\\" and self.text[i + 1 : i + 2] in ("$", "`", '"', "\\", "\n"):
                self._add(self.text[i + 1], quoted=True)
                i += 2
                continue
            self.dynamic |= self.text[i] == "$"
            self._add(self.text[i], quoted=True)
            i += 1
        if i >= len(self.text):
            raise UnknownCommand(f'unclosed " in {self.text!r}')
        self._add("", quoted=True)  # "" is a word of its own
        self.i = i + 1

    def _operator(self, operator: str) -> None:
        is_fd = operator in REDIRECTS and not self.quoted and "".join(self.chars).isdigit()
        if is_fd:  # `2>`: the digits name the stream redirected, they are not an argument
            self._new_word()
        else:
            self._finish_word()
        self.tokens.append(operator)
        self.i += len(operator)

    def _finish_word(self) -> None:
        if self.started:
            dynamic = self.dynamic or bool(EXPANDS.search("".join(self.view)))
            self.tokens.append(Word("".join(self.chars), dynamic))
        self._new_word()


def lex(text: str) -> list[Token]:
    return _Lexer(text).run()
