"""The classifier's entry point: `classify` gives the classes of one documented command line, deciding class
first, and the `<name>` placeholders in it, which the executor fills with live names before running.
"""

from __future__ import annotations

import re

from checks.runbook.classify.commands import classify_text
from checks.runbook.model import CommandClass as K

PLACEHOLDER = re.compile(r"<([A-Za-z][A-Za-z0-9_-]*)>")
PLACEHOLDER_VALUE = "__PLACEHOLDER__"


def classify(text: str) -> tuple[tuple[K, ...], tuple[str, ...]]:
    """(classes, placeholders) of one command line; the first class is the one that decides handling."""
    placeholders = tuple(dict.fromkeys(PLACEHOLDER.findall(text)))
    # The executor fills `<name>` with a live name before running, so it is a plain word here, not `<`.
    classes = classify_text(PLACEHOLDER.sub(PLACEHOLDER_VALUE, text))
    if placeholders:
        classes.append(K.PLACEHOLDER)
    return _ordered(classes), placeholders


def _ordered(classes: list[K]) -> tuple[K, ...]:
    # The deciding class first: a write outranks a read, and how it runs outranks what it does.
    # An unknown part outranks the read parts: the command is not proven read-only.
    priority = [K.INTERACTIVE, K.LONG_RUNNING, K.MUTATING, K.UNKNOWN, K.PLACEHOLDER, K.NEEDS_ADDON, K.READ_ONLY]
    unique = set(classes) or {K.UNKNOWN}
    return tuple(k for k in priority if k in unique)
