"""The flux and helm rules: the first positional word is the verb, looked up in their read and write tables."""

from __future__ import annotations

from checks.runbook.classify.options import first_positional
from checks.runbook.classify.tables_kube import (
    FLUX_FLAGS,
    FLUX_READ,
    FLUX_VALUED,
    FLUX_WRITE,
    HELM_FLAGS,
    HELM_READ,
    HELM_VALUED,
    HELM_WRITE,
)
from checks.runbook.model import CommandClass as K


def _by_verb(texts: list[str], valued: set[str], flags: set[str], read: set[str], write: set[str]) -> list[K]:
    verb_at = first_positional(texts, valued, flags)
    verb = texts[verb_at] if verb_at is not None else ""
    return [K.READ_ONLY] if verb in read else [K.MUTATING] if verb in write else [K.UNKNOWN]


def flux(texts: list[str]) -> list[K]:
    return _by_verb(texts, FLUX_VALUED, FLUX_FLAGS, FLUX_READ, FLUX_WRITE)


def helm(texts: list[str]) -> list[K]:
    return _by_verb(texts, HELM_VALUED, HELM_FLAGS, HELM_READ, HELM_WRITE)
