"""Command substitutions: the pattern that finds them, the word that stands for their output, what a
substitution adds to the command around it (it runs too), and whether its output can only be names or
fields of cluster objects (`kubectl get -o name`, a jsonpath of field paths), which count as plain arguments.
"""

from __future__ import annotations

import re

from checks.runbook.classify.lexer import UnknownCommand, Word, lex
from checks.runbook.classify.options import first_positional
from checks.runbook.classify.tables_kube import KUBECTL_FLAGS, KUBECTL_VALUED
from checks.runbook.model import CommandClass as K

# `$(...)`, process substitution `<(...)`/`>(...)` and backticks; innermost first, since [^()] excludes nesting.
SUBSTITUTION = re.compile(r"\$\(([^()]*)\)|[<>]\(([^()]*)\)|`([^`]*)`")
# What a substitution leaves in the text: its output, which bash computes when the command runs.
SUBSTITUTED = "$__SUBSTITUTED__"
# The output of `kubectl get -o name` or of a jsonpath of field paths only: names and fields of cluster
# objects, which a runbook cannot choose without a write first, so they count as plain arguments
# (`kubectl describe node $(kubectl get pod ... -o jsonpath='{.spec.nodeName}')`). Any other output
# can print text of the runbook's choosing (`-o jsonpath='-delete'`, `{"-delete"}`, go-template).
CLUSTER_VALUE = "__CLUSTER_VALUE__"
JSONPATH_FIELDS = re.compile(r"(\{\.[A-Za-z0-9_.\[\]*-]*\})+")

RUNS_WHILE_READING = (K.READ_ONLY, K.NEEDS_ADDON, K.PLACEHOLDER)


def substitution_effect(inner: list[K]) -> list[K]:
    """What a substitution adds to the command around it: it runs too, so it must be read-only itself."""
    if K.MUTATING in inner:
        return [K.MUTATING]
    if K.UNKNOWN in inner:
        return [K.UNKNOWN]
    if not set(inner) <= set(RUNS_WHILE_READING):
        return [K.MUTATING]  # interactive or endless: not something that may run unattended inside another
    return [K.NEEDS_ADDON] if K.NEEDS_ADDON in inner else []


def reads_cluster_state(inner: str, inner_classes: list[K]) -> bool:
    if set(inner_classes) != {K.READ_ONLY}:
        return False
    try:
        tokens = lex(inner)
    except UnknownCommand:
        return False
    if not tokens or not all(isinstance(t, Word) and not t.dynamic for t in tokens):
        return False
    texts = [t.text for t in tokens if isinstance(t, Word)]
    verb_at = first_positional(texts[1:], KUBECTL_VALUED, KUBECTL_FLAGS)
    is_get = texts[0] == "kubectl" and verb_at is not None and texts[1 + verb_at] == "get"
    return is_get and _prints_only_cluster_values(texts)


def _prints_only_cluster_values(texts: list[str]) -> bool:
    formats = [texts[i + 1] for i, t in enumerate(texts[:-1]) if t in ("-o", "--output")]
    formats += [t.split("=", 1)[1] for t in texts if t.startswith(("-o=", "--output="))]
    formats += [t[2:] for t in texts if t.startswith("-o") and len(t) > 2 and not t.startswith("-o=")]
    return len(formats) == 1 and (
        formats[0] == "name"
        or (formats[0].startswith("jsonpath=") and bool(JSONPATH_FIELDS.fullmatch(formats[0][len("jsonpath=") :])))
    )
