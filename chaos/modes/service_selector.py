"""Diagnosis step 2's case: Service redis-master selects no pod. A hand edit changed one value of its selector, so the
pod stays Ready while the Service has no endpoints and every client is refused; nothing in the pod's status or logs
says why. The runbook's `kubectl get endpoints -n redis redis-master` shows it, and Step 5's forced reconcile puts
the chart's Service back."""

from __future__ import annotations

from typing import Any

from chaos import levers
from chaos.context import Context
from chaos.failure_mode import FailureMode
from fixtures.core import budgets
from fixtures.core.waits import Seen, wait_for

TYPO = "-typo"  # appended to one selector value: a label no pod carries


def ready_addresses(endpoints: Any) -> int:
    return sum(len(subset.addresses or []) for subset in endpoints.subsets or [])


def table_cell(table: str, row: str, column: int) -> str | None:
    """The `column`th word of the row of a `kubectl get` table whose first word is `row`."""
    for line in table.strip().splitlines()[1:]:
        words = line.split()
        if words and words[0] == row and len(words) > column:
            return words[column]
    return None


class ServiceSelector(FailureMode):
    name = "service-selector"
    title = "Service selects no pod (no endpoints while the pod is Ready)"
    runbook_section = "Step 5"

    def snapshot(self, ctx: Context) -> dict[str, Any]:
        service = ctx.cluster.core.read_namespaced_service(ctx.names.service, ctx.names.namespace)
        return {"selector": dict(service.spec.selector or {})}

    def inject(self, ctx: Context) -> dict[str, Any]:
        # A value the chart sets (the first key), changed: a field Helm and Flux's drift detection own.
        key = sorted(ctx.record["selector"])[0]
        value = ctx.record["selector"][key] + TYPO
        op = {"op": "replace", "path": f"/spec/selector/{key.replace('~', '~0').replace('/', '~1')}", "value": value}
        levers.json_patch(ctx, "service", ctx.names.service, [op])
        # No watched object shows the fault (effect is None): it is in effect once the endpoints are empty.
        wait_for(
            lambda: self._addresses(ctx, want=0),
            timeout=budgets.CHAOS_DETECT_S,
            what=f"endpoints/{ctx.names.service} with no address",
        )
        return {"selector": {key: value}}

    def symptom(self, ctx: Context) -> Seen:
        endpoints_cmd = ctx.command("kubectl get endpoints -n redis redis-master", after="Diagnosis")
        endpoints = table_cell(ctx.run(endpoints_cmd).stdout, ctx.names.service, 1)
        pods_cmd = ctx.command("kubectl get pods -n redis", after="Diagnosis")
        ready = table_cell(ctx.run(pods_cmd).stdout, ctx.names.pod, 1) or "?/?"
        pod_ready = ready.split("/")[0] == ready.split("/")[-1] != "0"
        return Seen(
            endpoints == "<none>" and pod_ready,
            f"line {endpoints_cmd.line}: endpoints {endpoints}; line {pods_cmd.line}: pod READY {ready}",
        )

    def recover(self, ctx: Context) -> None:
        ctx.run_step(self.runbook_section)

    def undo(self, ctx: Context, record: dict[str, Any]) -> None:
        service = ctx.cluster.core.read_namespaced_service(ctx.names.service, ctx.names.namespace)
        if dict(service.spec.selector or {}) != record["selector"]:
            levers.json_patch(
                ctx,
                "service",
                ctx.names.service,
                [{"op": "replace", "path": "/spec/selector", "value": record["selector"]}],
            )
        wait_for(
            lambda: self._addresses(ctx, want=1),
            timeout=budgets.CHAOS_POD_READY_S,
            what=f"endpoints/{ctx.names.service} with a ready address",
        )

    @staticmethod
    def _addresses(ctx: Context, want: int) -> Seen:
        endpoints = ctx.cluster.core.read_namespaced_endpoints(ctx.names.service, ctx.names.namespace)
        count = ready_addresses(endpoints)
        return Seen(count >= want if want else count == 0, f"{count} ready address(es)")
