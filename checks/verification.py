"""The runbook's Verification section as checks: each reads the cluster and returns what it measured.

Checks only read: API gets and lists, `pods/exec` for redis-cli, nc, curl and df, and
`pods/portforward` for the sentinel keys. Nothing here creates, patches or deletes an object.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from kubernetes.client.exceptions import ApiException

from fixtures import budgets
from fixtures.kube import Cluster
from fixtures.names import Client, RunbookNames
from fixtures.runbook_source import RunbookLineMissing, first_line_containing
from fixtures.system import client_metrics, exec_in_client

VERIFICATION = "## Verification"


class CheckError(Exception):
    """A check could not run at all (missing object, failed exec); the message says what to do."""


@dataclass
class CheckResult:
    """One check's outcome: what it proves, what it measured, and the runbook line it implements."""

    check: str
    ok: bool
    value: str
    runbook_line: int
    detail: str = ""

    def as_row(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "result": "PASS" if self.ok else "FAIL",
            "value": self.value,
            "runbook_line": self.runbook_line,
            "detail": self.detail,
        }


def runbook_line(*fragments: str) -> int:
    """The line of the runbook's Verification section a check implements: the first fragment found wins.

    Checks pass a name-specific fragment first and a generic one after it, so that names changed with
    options (--client, --redis-pod) still map to the runbook's step instead of failing the check.
    """
    for fragment in fragments:
        with contextlib.suppress(RunbookLineMissing):
            return first_line_containing(fragment, after=VERIFICATION)[0]
    return 0


def require_target(cluster: Cluster, names: RunbookNames) -> None:
    """Fail fast, in one line, when the namespace or pod the checks read does not exist."""
    try:
        cluster.core.read_namespace(names.namespace)
    except ApiException as exc:
        if exc.status == 404:
            raise CheckError(
                f"namespace {names.namespace!r} not found in context {cluster.context!r}: "
                "pass --redis-namespace NAME or choose the right --context"
            ) from None
        raise CheckError(f"reading namespace {names.namespace!r} failed: HTTP {exc.status} {exc.reason}") from None
    try:
        cluster.core.read_namespaced_pod(names.pod, names.namespace)
    except ApiException as exc:
        if exc.status == 404:
            raise CheckError(
                f"pod {names.pod!r} not found in namespace {names.namespace!r}: Redis is not running there "
                "(see the runbook's Diagnosis), or pass --redis-pod NAME"
            ) from None
        raise CheckError(f"reading pod {names.pod!r} failed: HTTP {exc.status} {exc.reason}") from None


def exec_in(cluster: Cluster, namespace: str, target: str, command: list[str]) -> str:
    """Run a command in a pod (or deployment/NAME); its stdout, or CheckError naming the target."""
    proc = cluster.kubectl("exec", "-n", namespace, target, "--", *command, timeout=budgets.EXEC_TIMEOUT_S)
    if proc.returncode != 0:
        reason = (proc.stderr.strip() or proc.stdout.strip() or f"exit {proc.returncode}").splitlines()[-1]
        raise CheckError(f"`{' '.join(command)}` in {target} (ns {namespace}) failed: {reason}")
    return proc.stdout


def redis_cli(cluster: Cluster, names: RunbookNames, *args: str) -> str:
    return exec_in(cluster, names.namespace, names.pod, ["redis-cli", *args]).strip()


def info_section(cluster: Cluster, names: RunbookNames, section: str) -> dict[str, str]:
    """INFO <section> as raw strings (not coerced: ids and versions stay text)."""
    fields: dict[str, str] = {}
    for line in redis_cli(cluster, names, "info", section).splitlines():
        key, sep, value = line.strip().partition(":")
        if sep:
            fields[key] = value
    return fields


def config_get(cluster: Cluster, names: RunbookNames, parameter: str) -> str:
    lines = redis_cli(cluster, names, "config", "get", parameter).splitlines()
    return lines[1].strip() if len(lines) > 1 else ""


# ---------------------------------------------------------------- 1. pod


def pod_running_and_ready(cluster: Cluster, names: RunbookNames) -> CheckResult:
    pod = cluster.core.read_namespaced_pod(names.pod, names.namespace)
    statuses = pod.status.container_statuses or []
    ready = sum(1 for s in statuses if s.ready)
    value = f"{pod.status.phase} {ready}/{len(pod.spec.containers)}"
    ok = pod.status.phase == "Running" and ready == len(pod.spec.containers)
    return CheckResult("pod running and ready", ok, value, runbook_line("Should show: Running and 1/1 READY"))


def statefulset_replicas_ready(cluster: Cluster, names: RunbookNames) -> CheckResult:
    sts = cluster.apps.read_namespaced_stateful_set(names.statefulset, names.namespace)
    ready, wanted = sts.status.ready_replicas or 0, sts.spec.replicas or 0
    return CheckResult(
        "statefulset replicas ready",
        wanted > 0 and ready == wanted,
        f"{ready}/{wanted}",
        runbook_line(f"kubectl get pod -n redis {names.pod}", "kubectl get pod -n"),
    )


# ---------------------------------------------------------------- 2. connectivity


def responds_to_ping(cluster: Cluster, names: RunbookNames) -> CheckResult:
    answer = redis_cli(cluster, names, "ping")
    return CheckResult("responds to PING", answer == "PONG", answer, runbook_line("Should return: PONG"))


def reports_expected_version(cluster: Cluster, names: RunbookNames, expected_prefix: str) -> CheckResult:
    version = info_section(cluster, names, "server").get("redis_version", "")
    return CheckResult(
        "INFO server answers with expected version",
        version.startswith(expected_prefix),
        version or "no redis_version",
        runbook_line("redis-cli info server"),
        "" if version.startswith(expected_prefix) else f"expected a version starting {expected_prefix!r}",
    )


# ---------------------------------------------------------------- 3. clients


def client_reaches_service(cluster: Cluster, names: RunbookNames, client: Client) -> CheckResult:
    command = f"nc -zv {names.service_host} {names.port}"
    proc = exec_in_client(cluster, client, "sh", "-c", command, timeout=budgets.EXEC_TIMEOUT_S)
    said = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
    return CheckResult(
        f"{client.deployment} reaches redis over TCP",
        proc.returncode == 0,
        said[-1][:60] if said else f"exit {proc.returncode}",
        runbook_line(f"kubectl exec -n {client.namespace} deployment/{client.deployment}", "nc -zv"),
    )


# ---------------------------------------------------------------- 4. performance


def latency_within_budget(cluster: Cluster, names: RunbookNames) -> CheckResult:
    # The runbook's `redis-cli --latency` never ends; a fixed sample of PINGs gives a p99 instead.
    out = redis_cli_benchmark(cluster, names)
    ok = out <= budgets.LATENCY_P99_MS
    return CheckResult(
        "latency p99 within budget",
        ok,
        f"p99 {out:.3f} ms (budget {budgets.LATENCY_P99_MS} ms)",
        runbook_line("redis-cli --latency"),
        "" if ok else "Redis answers slowly: see the runbook's Performance Tips",
    )


def redis_cli_benchmark(cluster: Cluster, names: RunbookNames) -> float:
    """p99 latency in ms of LATENCY_SAMPLES sequential PINGs, measured inside the Redis pod."""
    out = exec_in(
        cluster,
        names.namespace,
        names.pod,
        ["redis-benchmark", "-t", "ping", "-n", str(budgets.LATENCY_SAMPLES), "-c", "1", "--csv"],
    )
    lines = [line.replace('"', "").split(",") for line in out.strip().splitlines()]
    header, rows = lines[0], lines[1:]
    p99 = header.index("p99_latency_ms")
    return max(float(row[p99]) for row in rows)


def memory_within_limits(cluster: Cluster, names: RunbookNames) -> CheckResult:
    used = int(info_section(cluster, names, "memory")["used_memory"])
    maxmemory = int(config_get(cluster, names, "maxmemory") or 0)
    pod = cluster.core.read_namespaced_pod(names.pod, names.namespace)
    limit = _bytes((pod.spec.containers[0].resources.limits or {}).get("memory", "0"))
    problems = []
    if maxmemory and used > budgets.MEMORY_OF_MAXMEMORY * maxmemory:
        problems.append(f"above {budgets.MEMORY_OF_MAXMEMORY:.0%} of maxmemory")
    if limit and used > budgets.MEMORY_OF_LIMIT * limit:
        problems.append(f"above {budgets.MEMORY_OF_LIMIT:.0%} of the container limit")
    if not maxmemory:
        problems.append("maxmemory is 0 (unbounded): Redis can grow into the container limit and be OOMKilled")
    value = f"{used / 2**20:.1f}Mi of maxmemory {maxmemory / 2**20:.0f}Mi, limit {limit / 2**20:.0f}Mi"
    return CheckResult(
        "memory below maxmemory and limit",
        not problems,
        value,
        runbook_line("redis-cli info memory"),
        "; ".join(problems),
    )


def _bytes(quantity: str) -> int:
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "K": 10**3, "M": 10**6, "G": 10**9}
    for suffix, factor in units.items():
        if quantity.endswith(suffix):
            return int(float(quantity[: -len(suffix)]) * factor)
    return int(quantity or 0)


def clients_connected(cluster: Cluster, names: RunbookNames) -> CheckResult:
    listed = redis_cli(cluster, names, "client", "list")
    connected = {
        field.split("=", 1)[1]
        for line in listed.splitlines()
        for field in line.split()
        if field.startswith("name=") and field != "name="
    }
    wanted = {c.deployment for c in names.clients}
    missing = sorted(wanted - connected)
    return CheckResult(
        "both applications connected",
        not missing,
        f"{len(listed.splitlines())} connections; named: {', '.join(sorted(connected)) or 'none'}",
        runbook_line("redis-cli client list"),
        f"not connected: {', '.join(missing)}" if missing else "",
    )


# ---------------------------------------------------------------- 5. persistence


def persistence_enabled(cluster: Cluster, names: RunbookNames) -> CheckResult:
    appendonly = config_get(cluster, names, "appendonly")
    save = config_get(cluster, names, "save")
    ok = appendonly == "yes" and bool(save)
    return CheckResult(
        "AOF and RDB save policy enabled",
        ok,
        f"appendonly={appendonly} save={save!r}",
        runbook_line("redis-cli config get appendonly"),
    )


def lastsave_recent(cluster: Cluster, names: RunbookNames) -> CheckResult:
    lastsave = int(redis_cli(cluster, names, "lastsave"))
    now = int(redis_cli(cluster, names, "time").splitlines()[0])
    age = now - lastsave
    status = info_section(cluster, names, "persistence")
    failing = [k for k in ("rdb_last_bgsave_status", "aof_last_write_status") if status.get(k, "ok") != "ok"]
    ok = age <= budgets.LASTSAVE_MAX_AGE_S and not failing
    return CheckResult(
        "last save recent and persistence healthy",
        ok,
        f"LASTSAVE {age}s ago (budget {budgets.LASTSAVE_MAX_AGE_S}s)",
        runbook_line("redis-cli lastsave"),
        ", ".join(f"{k}={status[k]}" for k in failing),
    )


def persistence_files_present(cluster: Cluster, names: RunbookNames) -> CheckResult:
    listing = exec_in(
        cluster, names.namespace, names.pod, ["ls", "-1", names.data_dir, f"{names.data_dir}/appendonlydir"]
    )
    has_manifest = ".manifest" in listing
    has_rdb = "dump.rdb" in listing
    return CheckResult(
        "AOF/RDB files present in /data",
        has_manifest,
        f"AOF manifest {'yes' if has_manifest else 'no'}, dump.rdb {'yes' if has_rdb else 'not yet'}",
        runbook_line("ls -lh /data/"),
        "" if has_manifest else f"no AOF manifest in {names.data_dir}/appendonlydir",
    )


def data_volume_has_room(cluster: Cluster, names: RunbookNames) -> CheckResult:
    out = exec_in(cluster, names.namespace, names.pod, ["df", "-P", "-k", names.data_dir]).splitlines()[-1].split()
    size_k, avail_k = int(out[1]), int(out[3])
    free = avail_k / size_k if size_k else 0.0
    return CheckResult(
        "/data has free space",
        free >= budgets.DATA_FREE_FRACTION,
        f"{free:.0%} free ({avail_k / 2**20:.1f}Gi)",
        runbook_line("ls -lh /data/"),
        "" if free >= budgets.DATA_FREE_FRACTION else "the runbook: clean old RDB/AOF files or increase PVC size",
    )


# ---------------------------------------------------------------- 6. applications


def client_reports_reachable(cluster: Cluster, client: Client) -> CheckResult:
    samples = client_metrics(cluster, client)
    up = samples.get(f'redis_up{{app="{client.deployment}"}}')
    return CheckResult(
        f"{client.deployment} reports redis reachable",
        up == 1.0,
        f"redis_up={up}",
        runbook_line("curl http://localhost:8080/metrics"),
    )


def redis_ready_since(cluster: Cluster, names: RunbookNames) -> datetime:
    """When the Redis pod last became Ready, plus the grace clients get to reconnect."""
    pod = cluster.core.read_namespaced_pod(names.pod, names.namespace)
    ready = next((c for c in pod.status.conditions or [] if c.type == "Ready"), None)
    if ready is None or ready.status != "True" or ready.last_transition_time is None:
        raise CheckError(f"pod {names.pod} is not Ready, so there is no recovery time to read client logs from")
    return ready.last_transition_time + timedelta(seconds=budgets.CLIENT_RECONNECT_GRACE_S)


def logs_window(cluster: Cluster, names: RunbookNames, since: str) -> tuple[str, str]:
    """(kubectl logs flag, human description) for --clients-clean-since."""
    if since == "redis-ready":
        start = redis_ready_since(cluster, names)
        return f"--since-time={start.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}", f"since {start:%H:%M:%S}Z"
    if since[:1].isdigit() and since[-1] in "smh":
        return f"--since={since}", f"in the last {since}"
    return f"--since-time={since}", f"since {since}"


def client_logs_clean(cluster: Cluster, names: RunbookNames, client: Client, since: str) -> CheckResult:
    window, described = logs_window(cluster, names, since)
    if window.startswith("--since-time=") and since == "redis-ready":
        start = datetime.strptime(window.split("=", 1)[1], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if start > datetime.now(UTC):
            described += " (still in the reconnect grace: no window yet)"
    proc = cluster.kubectl(
        "logs", "-n", client.namespace, "-l", client.label, window, "--tail=-1", timeout=budgets.EXEC_TIMEOUT_S
    )
    if proc.returncode != 0:
        raise CheckError(f"kubectl logs -n {client.namespace} -l {client.label} failed: {proc.stderr.strip()}")
    errors = [line for line in proc.stdout.splitlines() if "redis" in line.lower() and "ERROR" in line]
    return CheckResult(
        f"{client.deployment} logs free of redis errors",
        not errors,
        f"{len(errors)} redis errors {described}",
        runbook_line(f"kubectl logs -n {client.namespace} -l {client.label}", "kubectl logs -n"),
        errors[-1][:200] if errors else "",
    )
