"""The alerts the runbook names: the one it starts at (its header) and those its "Related Alerts" section lists."""

from __future__ import annotations

import re

from checks.runbook.model import Runbook

RELATED_ALERTS = "related alerts"
# An alert name as the runbook writes one: a backticked CamelCase word (`RedisHighMemory`).
ALERT_NAME = re.compile(r"`([A-Z][A-Za-z0-9]+)`")
# Header fields that become the alert's labels; Prometheus convention lowercases severity values.
LABEL_FIELDS = ("Severity", "Component", "Service")


def runbook_alert_names(runbook: Runbook) -> list[str]:
    """The alert the runbook starts at (its header's Alert Name), then each one its "Related Alerts" section lists."""
    names = [runbook.alert["Alert Name"]] if runbook.alert.get("Alert Name") else []
    for i, section in enumerate(runbook.sections):
        if section.title.strip().lower() != RELATED_ALERTS:
            continue
        end = next(
            (later.line for later in runbook.sections[i + 1 :] if later.level <= section.level),
            len(runbook.lines) + 1,
        )
        for text in runbook.lines[section.line : end - 1]:
            names += [name for name in ALERT_NAME.findall(text) if name not in names]
    return names


def runbook_alert_labels(runbook: Runbook) -> dict[str, str]:
    """The labels the runbook's header gives its alert: {"severity": "critical", "component": ..., "service": ...}."""
    labels = {field.lower(): runbook.alert[field] for field in LABEL_FIELDS if field in runbook.alert}
    if "severity" in labels:
        labels["severity"] = labels["severity"].lower()
    return labels
