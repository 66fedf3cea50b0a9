"""Helpers that read a program's arguments: where the first positional word is after the options, the letters
of a `-abc` cluster up to the one that takes a value, and whether any word is computed when the command runs.
"""

from __future__ import annotations

from checks.runbook.classify.lexer import Word


def static(words: list[Word]) -> bool:
    # An unquoted computed word can split into several: an option's value could become a command.
    return not any(w.dynamic for w in words)


def first_positional(texts: list[str], valued: set[str], flags: set[str]) -> int | None:
    """Index of the first word that is not an option; None if an option of unknown arity comes first."""
    i = 0
    while i < len(texts):
        text = texts[i]
        if text == "--":
            return None
        if not text.startswith("-") or text == "-":
            return i
        if text in valued:
            i += 2
        elif "=" in text or text in flags:
            i += 1
        else:
            return None
    return None


def short_letters(word: str, valued: str) -> tuple[str, bool]:
    """Letters of a `-abc` cluster up to the first that takes a value; True if that value is the next word."""
    letters = ""
    for j, letter in enumerate(word[1:], start=1):
        letters += letter
        if letter in valued:
            return letters, j == len(word) - 1
    return letters, False


def is_short_cluster(text: str) -> bool:
    return text.startswith("-") and not text.startswith("--") and len(text) > 1
