"""What the runbook classifier's tests share: the adversarial runbook and its three harmless checks, the prefix
of a command run in the Redis pod, and the questions asked of a command (its classes; whether the gate runs it).
"""

from __future__ import annotations

from pathlib import Path

from checks.runbook import drift
from checks.runbook.classify.entry import classify
from checks.runbook.model import CommandClass as K
from checks.runbook.parser import parse_file
from fixtures.core.runbook_source import RUNBOOK_PATH

ADVERSARIAL_PATH = Path(__file__).resolve().parents[1] / "data" / "adversarial-runbook.md"
HARMLESS = [
    "kubectl get pods -n redis",
    "kubectl exec -n redis redis-master-0 -- redis-cli ping",
    "kubectl exec -n redis redis-master-0 -- ls -lh /data/",
]
EXEC = "kubectl exec -n redis redis-master-0 --"


def runnable(text: str) -> bool:
    return set(classify(text)[0]) <= drift.RUNNABLE


def classes(text: str) -> tuple[K, ...]:
    return classify(text)[0]


def real_runnable() -> list[str]:
    return [c.text for c in parse_file(RUNBOOK_PATH).commands if set(c.classes) <= drift.RUNNABLE]
