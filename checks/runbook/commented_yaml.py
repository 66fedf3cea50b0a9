"""YAML a runbook gives as comments under a command, e.g. the OOM fix's `# Update:` block under `kubectl edit`:

    kubectl edit helmrelease redis -n redis
    # Update:
    #   resources:
    #     limits:
    #       memory: 512Mi  # Increase as needed

The values a fix applies are read from there, as the runbook says them today.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

import yaml


class NoCommentedYaml(ValueError):
    """The runbook has no such block (or it is not a YAML mapping); the message says which line was looked for."""


@dataclass(frozen=True)
class CommentedYaml:
    marker_line: int  # the line of the marker (`# Update:`), 1-based
    last_line: int  # the block's last line
    values: dict[str, Any]


def commented_yaml(lines: list[str], after: int, marker: str) -> CommentedYaml:
    """The mapping written as comments right under the first `marker` line after line `after` (1-based)."""
    start = next((n for n in range(after + 1, len(lines) + 1) if lines[n - 1].strip() == marker), None)
    if start is None:
        raise NoCommentedYaml(f"no {marker!r} comment after line {after}")
    body = []
    for line in lines[start:]:
        stripped = line.strip()
        if not stripped.startswith("#") or not stripped[1:].strip():
            break
        body.append(stripped[1:])
    try:
        values = yaml.safe_load(textwrap.dedent("\n".join(body))) if body else None
    except yaml.YAMLError as exc:
        raise NoCommentedYaml(f"the block under {marker!r} (line {start}) is not YAML: {exc}") from None
    if not isinstance(values, dict):
        raise NoCommentedYaml(f"the block under {marker!r} (line {start}) holds no YAML mapping")
    return CommentedYaml(start, start + len(body), values)
