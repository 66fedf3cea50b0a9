"""The redis-cli rules: its options (some write, some never end), then the one Redis command it sends, named
by its first word (and sub-command); without a command it is the interactive prompt.
"""

from __future__ import annotations

from checks.runbook.classify.lexer import Word
from checks.runbook.classify.options import static
from checks.runbook.classify.tables_redis import (
    REDIS_CONTAINERS,
    REDIS_ENDLESS,
    REDIS_ENDLESS_OPTIONS,
    REDIS_FLAG_OPTIONS,
    REDIS_READ,
    REDIS_VALUED_OPTIONS,
    REDIS_WRITE,
    REDIS_WRITE_OPTIONS,
)
from checks.runbook.model import CommandClass as K


def redis_cli(args: list[Word]) -> list[K]:
    endless, i = False, 0
    while i < len(args) and args[i].text.startswith("-"):
        option = args[i]
        if option.text in REDIS_WRITE_OPTIONS:
            return [K.MUTATING]
        if option.dynamic:
            return [K.UNKNOWN]
        if option.text in ("--version", "-v"):
            return [K.READ_ONLY]
        if option.text in REDIS_VALUED_OPTIONS:
            if not static(args[i + 1 : i + 2]):
                return [K.UNKNOWN]
            i += 2
            continue
        if option.text not in REDIS_FLAG_OPTIONS | REDIS_ENDLESS_OPTIONS:
            return [K.UNKNOWN]
        endless |= option.text in REDIS_ENDLESS_OPTIONS
        i += 1
    if endless:
        return [K.LONG_RUNNING, K.READ_ONLY]
    if i >= len(args):
        return [K.INTERACTIVE]  # the redis-cli prompt, which would read commands from stdin
    return _redis_command(args[i:])


def _redis_command(words: list[Word]) -> list[K]:
    """One Redis command: its name (and sub-command) decide; the arguments after them are keys and values."""
    if words[0].dynamic:
        return [K.UNKNOWN]
    name = words[0].text.lower()
    if name in REDIS_ENDLESS:
        return [K.LONG_RUNNING, K.READ_ONLY]
    if name in REDIS_CONTAINERS:
        if len(words) < 2 or words[1].dynamic:
            return [K.UNKNOWN]
        name = f"{name} {words[1].text.lower()}"
    if name in REDIS_WRITE:
        return [K.MUTATING]
    if name in REDIS_READ:
        return [K.READ_ONLY]
    return [K.UNKNOWN]
