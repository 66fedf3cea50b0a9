"""When a fault is in effect: the first API state that shows it, seen by a watch started before the injection.

Time to detect is measured from here to the moment the runbook's diagnosis shows the symptom, so it
is the runbook's diagnosis latency, not the injection's duration.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chaos.context import Context
from fixtures.core.kube import watch_object
from fixtures.core.pods import describe
from fixtures.core.waits import WaitTimeout


@dataclass(frozen=True)
class Effect:
    """The API object whose state shows the fault, and the test that says it does."""

    kind: str  # pod | pvc | node | statefulset | networkpolicy
    name: str
    what: str  # the state, in words, for the journal: "pod/redis-master-0 lastState OOMKilled"
    test: Callable[[Any], bool]


def _lister(ctx: Context, kind: str) -> tuple[Callable[..., Any], dict[str, str]]:
    namespaced = {"namespace": ctx.names.namespace}
    listers = {
        "pod": (ctx.cluster.core.list_namespaced_pod, namespaced),
        "pvc": (ctx.cluster.core.list_namespaced_persistent_volume_claim, namespaced),
        "node": (ctx.cluster.core.list_node, {}),
        "statefulset": (ctx.cluster.apps.list_namespaced_stateful_set, namespaced),
        "networkpolicy": (ctx.cluster.networking.list_namespaced_network_policy, namespaced),
    }
    return listers[kind]


class EffectWatch:
    """Watches for `effect` in a background thread from before the injection; `seen_at` is wall-clock time."""

    def __init__(self, ctx: Context, effect: Effect, timeout: float) -> None:
        self.effect = effect
        self.seen_at: float | None = None
        self.state = "not seen yet"
        list_fn, kwargs = _lister(ctx, effect.kind)
        self._thread = threading.Thread(
            target=self._watch, args=(list_fn, kwargs, timeout), name=f"effect-{effect.kind}", daemon=True
        )
        self._thread.start()

    def _watch(self, list_fn: Callable[..., Any], kwargs: dict[str, str], timeout: float) -> None:
        def seen(obj: Any) -> tuple[bool, str]:
            shown = self.effect.test(obj)
            return shown, describe(obj) if self.effect.kind == "pod" else f"{self.effect.kind} {self.effect.name}"

        try:
            watch_object(list_fn, self.effect.name, seen, timeout=timeout, what=self.effect.what, **kwargs)
        except WaitTimeout as exc:
            self.state = str(exc)
            return
        except Exception as exc:  # the watch is a measurement: its failure is reported, never fatal
            self.state = f"watch failed: {type(exc).__name__}: {exc}"[:300]
            return
        self.seen_at = time.time()
        self.state = f"seen: {self.effect.what}"

    def result(self, wait: float) -> float | None:
        """When the effect was first seen (waiting up to `wait` seconds more for the watch to report it)."""
        self._thread.join(timeout=wait)
        return self.seen_at


def restarts(pod: Any) -> int:
    return sum(s.restart_count for s in pod.status.container_statuses or [])


def exited_with(pod: Any, test: Callable[[Any], bool]) -> bool:
    """Whether a container's current or last termination passes `test`."""
    for status in pod.status.container_statuses or []:
        for state in (status.state, status.last_state):
            if state is not None and state.terminated is not None and test(state.terminated):
                return True
    return False


def new_pod_state(ctx: Context, what: str, test: Callable[[Any], bool]) -> Effect:
    """`test` on the Redis pod, counted only on a pod or a restart newer than the one running now (a pod's
    last state outlives the fault that caused it)."""
    try:
        pod = ctx.cluster.core.read_namespaced_pod(ctx.names.pod, ctx.names.namespace)
        uid, before = pod.metadata.uid, restarts(pod)
    except Exception:
        uid, before = None, 0

    def shown(p: Any) -> bool:
        return (p.metadata.uid != uid or restarts(p) > before) and test(p)

    return Effect("pod", ctx.names.pod, f"pod/{ctx.names.pod}: {what}", shown)
