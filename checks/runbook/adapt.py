"""A documented command's text made to fit the target: the record of each change (`Adaptation`), the runbook's
namespaces mapped to the target's, and the command a `watch` repeats. Pure functions of the text and the two name
sets; the executor applies them and keeps the record next to what ran.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from fixtures.core.names import RunbookNames


@dataclass
class Adaptation:
    """One recorded change between the runbook's text and what ran."""

    what: str
    original: str
    replacement: str


def watched_command(text: str) -> str:
    """`watch [-n N] [-d] CMD...` -> CMD...: only watch's own leading options are dropped."""
    words = shlex.split(text)[1:]
    while words and words[0].startswith("-"):
        option = words.pop(0)
        if option in ("-n", "--interval") and words:
            words.pop(0)
    return shlex.join(words)


# ---------------------------------------------------------------- names of the target


NAMESPACE_FLAG = re.compile(r"(?<![\w-])(-n|--namespace)(=|[ \t]+)([a-z0-9][a-z0-9-]*)(?![\w.-])")
SERVICE_HOST = re.compile(r"(?<![\w.-])([a-z0-9][a-z0-9-]*)\.([a-z0-9][a-z0-9-]*)(?=\.svc(?![\w-]))")


def namespace_mapping(source: RunbookNames, target: RunbookNames) -> dict[str, str]:
    """Runbook namespace -> target namespace: Redis's by role, each client's by the deployment it holds."""
    mapping = {source.namespace: target.namespace}
    where = {client.deployment: client.namespace for client in target.clients}
    for client in source.clients:
        if client.deployment in where:
            mapping.setdefault(client.namespace, where[client.deployment])
    return {old: new for old, new in mapping.items() if old != new}


def map_names(text: str, source: RunbookNames, target: RunbookNames) -> tuple[str, list[Adaptation]]:
    """The runbook's namespaces in `-n X`, `--namespace[=]X` and `SVC.X.svc` hosts replaced by the target's."""
    mapping = namespace_mapping(source, target)
    if not mapping:
        return text, []
    changes: dict[tuple[str, str], None] = {}  # ordered and distinct

    def flag(match: re.Match[str]) -> str:
        option, separator, namespace = match.groups()
        if namespace not in mapping:
            return match.group(0)
        changes[(match.group(0), f"{option}{separator}{mapping[namespace]}")] = None
        return f"{option}{separator}{mapping[namespace]}"

    def host(match: re.Match[str]) -> str:
        service, namespace = match.groups()
        if namespace not in mapping:
            return match.group(0)
        if namespace == source.namespace and service == source.service:
            service = target.service
        changes[(f"{match.group(0)}.svc", f"{service}.{mapping[namespace]}.svc")] = None
        return f"{service}.{mapping[namespace]}"

    mapped = SERVICE_HOST.sub(host, NAMESPACE_FLAG.sub(flag, text))
    return mapped, [Adaptation("names mapped to the target", old, new) for old, new in changes]


def namespace_of(text: str) -> str | None:
    """The first `-n`/`--namespace` value in a command, if any."""
    match = NAMESPACE_FLAG.search(text)
    return match.group(3) if match else None
