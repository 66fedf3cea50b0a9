"""The check functions, in the order of the runbook's Verification section (1. pod, 2. connectivity, 3. clients,
4. performance, 5. persistence, 6. applications) plus the suite's sentinel keys. Each takes the cluster, the names
(and a client where it checks one) and optionally the runbook, measures, and returns a CheckResult with the runbook
line it implements. Which of them run is up to the callers (checks/test_verify.py, chaos/runner.py).
"""

from __future__ import annotations

import json
from typing import Any

from kubernetes.client.exceptions import ApiException

from checks.runbook.model import Runbook
from checks.verification.expectations import (
    default_runbook,
    expectation_value,
    expected_pod_state,
    port_forward_port,
    runbook_line,
    verification_command,
)
from checks.verification.logs import RECENT, logs_window, recent_window, wait_until_judgeable
from checks.verification.parsing import (
    connections_by_pod,
    latency_window,
    logged_at,
    parse_client_list,
    quantity_bytes,
    redis_error_lines,
    split_at,
)
from checks.verification.pods import RedisPod, running_client_pods
from checks.verification.results import CheckError, CheckResult, Measured, NotCheckable, judged
from checks.verification.verdicts import (
    latency_verdict,
    memory_verdict,
    persistence_enabled_verdict,
    persistence_files_verdict,
    persistence_health_verdict,
    replication_verdict,
)
from fixtures.core import budgets, prom_text
from fixtures.core.kube import Cluster
from fixtures.core.names import Client, RunbookNames
from fixtures.core.redis_cli import last_words, missing_tool
from fixtures.sut import sentinel

# ---------------------------------------------------------------- 1. pod


def pod_running_and_ready(cluster: Cluster, names: RunbookNames, runbook: Runbook | None = None) -> CheckResult:
    book = runbook or default_runbook()
    expected = expected_pod_state(book, names.pod)

    def measure() -> Measured:
        redis = RedisPod(cluster, names)
        if redis.pod is None:
            return Measured(False, redis.absent, f"the runbook expects {expected.status} and {expected.ready} READY")
        statuses = redis.pod.status.container_statuses or []
        ready = f"{sum(1 for s in statuses if s.ready)}/{len(redis.pod.spec.containers)}"
        ok = redis.pod.status.phase == expected.status and ready == expected.ready
        return Measured(
            ok,
            f"{redis.pod.status.phase} {ready}",
            "" if ok else f"the runbook expects {expected.status} and {expected.ready} READY (line {expected.line})",
        )

    return judged("pod running and ready", expected.line, measure)


def not_oom_killed(cluster: Cluster, names: RunbookNames, runbook: Runbook | None = None) -> CheckResult:
    """The Redis container's last termination was not OOMKilled: a pod the kernel killed for memory and the kubelet
    restarted is Running and Ready again, yet nothing is fixed (the runbook's fix gives it a new pod)."""
    line = runbook_line("lastState.terminated.reason", runbook=runbook, after="## Diagnosis")

    def measure() -> Measured:
        redis = RedisPod(cluster, names)
        if redis.pod is None:
            return Measured(False, redis.absent)
        container = redis.container.name
        status = next((s for s in redis.pod.status.container_statuses or [] if s.name == container), None)
        if status is None:
            return Measured(False, f"container {container} has no status yet")
        terminated = status.last_state.terminated if status.last_state else None
        reason = terminated.reason if terminated else "none"
        value = f"last terminated: {reason}, {status.restart_count} restarts"
        oom = reason == "OOMKilled"
        return Measured(not oom, value, "the runbook's 'Issue: Pod OOMKilled': raise the memory limit" if oom else "")

    return judged("redis container not OOMKilled", line, measure)


def statefulset_replicas_ready(cluster: Cluster, names: RunbookNames, runbook: Runbook | None = None) -> CheckResult:
    line = runbook_line(f"kubectl get pod -n redis {names.pod}", "kubectl get pod -n", runbook=runbook)

    def measure() -> Measured:
        try:
            sts = cluster.apps.read_namespaced_stateful_set(names.statefulset, names.namespace)
        except ApiException as exc:
            if exc.status == 404:
                return Measured(False, f"StatefulSet {names.statefulset} absent")
            raise
        ready, wanted = sts.status.ready_replicas or 0, sts.spec.replicas or 0
        value = f"StatefulSet {names.statefulset} {ready}/{wanted} replicas"
        return Measured(wanted > 0 and ready == wanted, value, "scaled to 0" if not wanted else "")

    return judged("statefulset replicas ready", line, measure)


# ---------------------------------------------------------------- 2. connectivity


def responds_to_ping(cluster: Cluster, names: RunbookNames, runbook: Runbook | None = None) -> CheckResult:
    book = runbook or default_runbook()
    command = verification_command(book, "redis-cli ping")
    expected = expectation_value(command, book)

    def measure() -> Measured:
        answer = RedisPod(cluster, names).cli("ping", purpose="PING")
        return Measured(answer == expected, answer, "" if answer == expected else f"the runbook expects {expected}")

    return judged("responds to PING", command.line, measure)


def redis_is_master(cluster: Cluster, names: RunbookNames, runbook: Runbook | None = None) -> CheckResult:
    """The Redis the runbook calls the master answers as one: a replica (a failed failover leaves a master a replica
    of nothing) answers PING and every read, and refuses the clients' writes."""

    def measure() -> Measured:
        return replication_verdict(RedisPod(cluster, names).info("replication"))

    return judged("redis is a master (accepts writes)", runbook_line("redis-cli info server", runbook=runbook), measure)


def reports_expected_version(
    cluster: Cluster, names: RunbookNames, expected_prefix: str | None, runbook: Runbook | None = None
) -> CheckResult:
    """`expected_prefix` None: no version to compare with yet (a chaos run's steady state, before it reads the
    version the system ran before the fault)."""

    def measure() -> Measured:
        if expected_prefix is None:
            raise NotCheckable("no version to compare with: the version read before the fault is the reference")
        version = RedisPod(cluster, names).info("server").get("redis_version", "")
        ok = version.startswith(expected_prefix)
        return Measured(
            ok, version or "no redis_version", "" if ok else f"expected a version starting {expected_prefix!r}"
        )

    return judged(
        "INFO server answers with expected version", runbook_line("redis-cli info server", runbook=runbook), measure
    )


# ---------------------------------------------------------------- 3. clients


def _one_client_pod(cluster: Cluster, client: Client) -> Any:
    pods = running_client_pods(cluster, client)
    if not pods:
        raise CheckError(f"no Running pod of deployment/{client.deployment} in ns {client.namespace}")
    return pods[0]


def client_reaches_service(
    cluster: Cluster, names: RunbookNames, client: Client, runbook: Runbook | None = None
) -> CheckResult:
    line = runbook_line(
        f"kubectl exec -n {client.namespace} deployment/{client.deployment}",
        f"deployment/{client.deployment} -- sh -c 'nc -zv",
        "nc -zv",
        runbook=runbook,
    )

    def measure() -> Measured:
        pod = _one_client_pod(cluster, client).metadata.name
        command = f"nc -zv -w 3 {names.service_host} {names.port}"
        proc = cluster.exec(client.namespace, pod, ["sh", "-c", command], timeout=budgets.EXEC_TIMEOUT_S)
        lacking = missing_tool(proc.stderr) if proc.returncode != 0 else None
        if lacking:
            raise NotCheckable(f"{pod} cannot run `sh -c '{command}'` ({lacking})")
        return Measured(proc.returncode == 0, f"{pod}: {last_words(proc)[:80]}")

    return judged(f"{client.deployment} reaches redis over TCP", line, measure)


# ---------------------------------------------------------------- 4. performance


def latency_within_budget(cluster: Cluster, names: RunbookNames, runbook: Runbook | None = None) -> CheckResult:
    # The runbook's `redis-cli --latency` never ends; --raw -i bounds it to one window. Not redis-benchmark: its
    # back-to-back PINGs spend the CPU limit of the container it runs in and measure their own throttling.
    def measure() -> Measured:
        window = ["--latency", "-h", "localhost", "-p", "6379", "--raw", "-i", str(budgets.LATENCY_WINDOW_S)]
        raw = RedisPod(cluster, names).cli(*window, purpose="redis-cli --latency")
        return latency_verdict(*latency_window(raw))

    return judged("latency within budget", runbook_line("redis-cli --latency", runbook=runbook), measure)


def memory_within_limits(cluster: Cluster, names: RunbookNames, runbook: Runbook | None = None) -> CheckResult:
    def measure() -> Measured:
        redis = RedisPod(cluster, names)
        used = redis.info("memory").get("used_memory")
        if not used:  # read as 0 it would pass against any bound
            raise CheckError("INFO memory has no used_memory")
        maxmemory = int(redis.config("maxmemory") or 0)
        limit = quantity_bytes((redis.container.resources.limits or {}).get("memory", "0"))
        return memory_verdict(int(used), maxmemory, limit)

    return judged("memory within maxmemory or limit", runbook_line("redis-cli info memory", runbook=runbook), measure)


def clients_connected(cluster: Cluster, names: RunbookNames, runbook: Runbook | None = None) -> CheckResult:
    def measure() -> Measured:
        if not names.clients:
            raise CheckError("no client configured: nothing to count")
        entries = parse_client_list(RedisPod(cluster, names).cli("client", "list", purpose="CLIENT LIST"))
        seen, missing = [], []
        for client in names.clients:
            pods = running_client_pods(cluster, client)
            ips = {p.status.pod_ip: p.metadata.name for p in pods if p.status.pod_ip}
            connected = {pod: conns for pod, conns in connections_by_pod(entries, ips).items() if conns}
            if not connected:
                missing.append(f"{client.deployment} ({len(pods)} Running pods, none connected)")
            for pod, conns in connected.items():
                named = sorted({c["name"] for c in conns if c.get("name")})
                seen.append(f"{pod} x{len(conns)}" + (f" name={','.join(named)}" if named else ""))
        value = f"{len(entries)} connections; from " + ("; ".join(seen) or "no client pod")
        if missing:
            value = f"not connected: {', '.join(missing)}; {value}"
        return Measured(not missing, value, f"not connected: {', '.join(missing)}" if missing else "")

    return judged("both applications connected", runbook_line("redis-cli client list", runbook=runbook), measure)


# ---------------------------------------------------------------- 5. persistence


def persistence_enabled(cluster: Cluster, names: RunbookNames, runbook: Runbook | None = None) -> CheckResult:
    def measure() -> Measured:
        redis = RedisPod(cluster, names)
        config = redis.configs("appendonly", "save")
        return persistence_enabled_verdict(config.get("appendonly", ""), config.get("save", ""))

    line = runbook_line("redis-cli config get appendonly", runbook=runbook)
    return judged("AOF or RDB persistence enabled", line, measure)


def lastsave_recent(cluster: Cluster, names: RunbookNames, runbook: Runbook | None = None) -> CheckResult:
    def measure() -> Measured:
        redis = RedisPod(cluster, names)
        lastsave = int(redis.cli("lastsave", purpose="LASTSAVE"))
        now = int(redis.cli("time", purpose="TIME").splitlines()[0])
        config = redis.configs("appendonly", "save")
        appendonly, save = config.get("appendonly", ""), config.get("save", "")
        return persistence_health_verdict(appendonly, save, redis.info("persistence"), now - lastsave)

    return judged("persistence healthy", runbook_line("redis-cli lastsave", runbook=runbook), measure)


def persistence_files_present(cluster: Cluster, names: RunbookNames, runbook: Runbook | None = None) -> CheckResult:
    def measure() -> Measured:
        redis = RedisPod(cluster, names)
        config = redis.configs("appendonly", "save", "dir", "dbfilename", "appenddirname")
        appendonly, save = config.get("appendonly", ""), config.get("save", "")
        data_dir, dbfilename = config.get("dir") or names.data_dir, config.get("dbfilename", "dump.rdb")
        appenddirname = config.get("appenddirname") or "appendonlydir"
        listing = redis.exec(["ls", "-1A", data_dir], purpose=f"ls {data_dir}").split()
        aof_listing = (
            redis.exec(["ls", "-1A", f"{data_dir}/{appenddirname}"], purpose=f"ls {appenddirname}").split()
            if appenddirname in listing
            else []
        )
        verdict = persistence_files_verdict(appendonly, save, listing, aof_listing, dbfilename, appenddirname)
        return verdict._replace(value=f"{data_dir}: {verdict.value}")

    return judged("persistence files present", runbook_line("ls -lh /data/", runbook=runbook), measure)


def data_volume_has_room(cluster: Cluster, names: RunbookNames, runbook: Runbook | None = None) -> CheckResult:
    def measure() -> Measured:
        out = RedisPod(cluster, names).exec(["df", "-P", "-k", names.data_dir], purpose=f"df {names.data_dir}")
        fields = out.splitlines()[-1].split()
        size_k, avail_k = int(fields[1]), int(fields[3])
        free = avail_k / size_k if size_k else 0.0
        ok = free >= budgets.DATA_FREE_FRACTION
        detail = "" if ok else "the runbook: clean old RDB/AOF files or increase PVC size"
        return Measured(ok, f"{free:.0%} free ({avail_k / 2**20:.1f}Gi)", detail)

    return judged(f"{names.data_dir} has free space", runbook_line("ls -lh /data/", runbook=runbook), measure)


def sentinel_keys_intact(cluster: Cluster, names: RunbookNames, runbook: Runbook | None = None) -> CheckResult:
    """Every sentinel set the suite wrote is still whole, read with redis-cli inside the Redis pod (its own auth)."""

    def measure() -> Measured:
        redis = RedisPod(cluster, names)
        pattern = f"{sentinel.PREFIX}:*:manifest"
        manifests = sorted(redis.cli("--scan", "--pattern", pattern, purpose="SCAN sentinel manifests").split())
        if not manifests:
            seeded = _seeded_set(cluster, names)
            if seeded:
                return Measured(False, f"no sentinel set in Redis: the suite seeded {seeded} here", "every key lost")
            raise NotCheckable(
                "no sentinel set in Redis: the suite seeds one where it installs Redis; elsewhere nothing was "
                "written to read back"
            )
        reports = []
        for key in manifests:
            set_id = key.split(":")[2]
            raw = redis.cli("get", key, purpose=f"GET {key}")
            count = json.loads(raw)["count"] if raw else 0
            keys = [sentinel.key_of(set_id, i) for i in range(count)]
            # One line per key, an empty one for a missing key: kept raw so leading and trailing misses count.
            out = redis.cli("mget", *keys, purpose=f"MGET set {set_id}", raw=True) if keys else ""
            values = out.removesuffix("\n").split("\n") if keys else []
            reports.append(sentinel.judge(set_id, raw or None, [v or None for v in values]))
        total = sentinel.combine(reports)
        value = f"{total.keys - total.lost} of {total.keys} keys in {total.sets} sets (redis-cli in the pod)"
        return Measured(total.intact, value, total.detail)

    return judged("sentinel keys intact", runbook_line("Verify Data Persistence", runbook=runbook), measure)


def _seeded_set(cluster: Cluster, names: RunbookNames) -> str:
    """The set the suite seeded in this Redis's namespace, as `set 'ID' (N keys)` ("" where it seeded none)."""
    try:
        namespace = cluster.core.read_namespace(names.namespace)
    except ApiException as exc:
        if exc.status in (403, 404):  # not allowed to read it, or gone: nothing says the suite seeded a set here
            return ""
        raise
    marker = (namespace.metadata.annotations or {}).get(sentinel.SEEDED_ANNOTATION, "")
    set_id, _, count = marker.partition(":")
    return f"set {set_id!r} ({count} keys, namespace annotation {sentinel.SEEDED_ANNOTATION})" if set_id else ""


# ---------------------------------------------------------------- 6. applications


def client_reports_reachable(cluster: Cluster, client: Client, runbook: Runbook | None = None) -> CheckResult:
    """redis_up from the client's /metrics, read through the API server's pod proxy (no tool needed in the image)."""
    book = runbook or default_runbook()
    command = verification_command(book, "kubectl port-forward")
    port = port_forward_port(command)

    def measure() -> Measured:
        found = _one_client_pod(cluster, client)
        pod = found.metadata.name
        declared = _declared_ports(found)
        if port not in declared:
            said = f"declares ports {', '.join(map(str, sorted(declared)))}" if declared else "declares no port"
            raise NotCheckable(f"{pod} {said}, not {port}: it serves no metrics the runbook's port-forward reads")
        try:
            text = cluster.core.connect_get_namespaced_pod_proxy_with_path(
                f"{pod}:{port}", client.namespace, "metrics", _request_timeout=budgets.EXEC_TIMEOUT_S
            )
        except ApiException as exc:
            reason = f"HTTP {exc.status} {exc.reason}"
            raise CheckError(f"{pod}:{port}/metrics via the API server's pod proxy: {reason}") from None
        up = prom_text.values(text, "redis_up")
        ok = bool(up) and all(value == 1.0 for value in up)
        shown = ",".join(f"{value:g}" for value in up) or "absent"
        return Measured(ok, f"redis_up={shown} ({pod}:{port}/metrics via API pod proxy)")

    return judged(f"{client.deployment} reports redis reachable", command.line, measure)


def _declared_ports(pod: Any) -> set[int]:
    """The container ports a pod declares (what it says it serves)."""
    return {p.container_port for c in pod.spec.containers for p in c.ports or []}


def client_logs_clean(
    cluster: Cluster, names: RunbookNames, client: Client, since: str, runbook: Runbook | None = None
) -> CheckResult:
    line = runbook_line(
        f"kubectl logs -n {client.namespace} -l {client.label}",
        f"-l {client.label} ",
        "kubectl logs -n",
        runbook=runbook,
    )

    def measure() -> Measured:
        if since == RECENT:
            return _recent_logs_clean(cluster, names, client)
        window, described, judgeable = logs_window(cluster, names, client, since)
        _one_client_pod(cluster, client)  # no pod logs nothing: that is no evidence of health
        waited = wait_until_judgeable(judgeable, f"{client.deployment}'s log window lasting a few client rounds")
        if waited:
            described += f", after waiting {waited:.0f}s for the window to begin and last"
        proc = cluster.kubectl(
            "logs", "-n", client.namespace, "-l", client.label, window, "--tail=-1", "--prefix",
            timeout=budgets.EXEC_TIMEOUT_S,
        )  # fmt: skip
        if proc.returncode != 0:
            raise CheckError(f"kubectl logs -n {client.namespace} -l {client.label}: {proc.stderr.strip()[:160]}")
        lines = proc.stdout.splitlines()
        errors = redis_error_lines(proc.stdout)
        value = f"{len(errors)} redis errors in {len(lines)} lines, {described}"
        return Measured(not errors, value, errors[-1][:200] if errors else "")

    return judged(f"{client.deployment} logs free of redis errors", line, measure)


def _recent_logs_clean(cluster: Cluster, names: RunbookNames, client: Client) -> Measured:
    """No Redis error in the recent window; the errors before it are reported as the incident's history."""
    start, described, judgeable = recent_window(cluster, names, client)
    _one_client_pod(cluster, client)  # no pod logs nothing: that is no evidence of health
    waited = wait_until_judgeable(judgeable, f"{client.deployment}'s log window lasting a few client rounds")
    if waited:
        described += f", after waiting {waited:.0f}s for the window to last"
    proc = cluster.kubectl(
        "logs", "-n", client.namespace, "-l", client.label, "--timestamps", "--prefix",
        f"--tail={budgets.CLIENT_LOG_HISTORY_LINES}", timeout=budgets.EXEC_TIMEOUT_S,
    )  # fmt: skip
    if proc.returncode != 0:
        raise CheckError(f"kubectl logs -n {client.namespace} -l {client.label}: {proc.stderr.strip()[:160]}")
    recent, before = split_at(proc.stdout, start)
    errors, earlier = redis_error_lines("\n".join(recent)), redis_error_lines("\n".join(before))
    history = (
        f"; before it {len(earlier)} redis errors, the last at {logged_at(earlier[-1])}"
        if earlier
        else f"; none before it in the last {budgets.CLIENT_LOG_HISTORY_LINES} lines"
    )
    value = f"{len(errors)} redis errors in {len(recent)} lines, {described}{history}"
    return Measured(not errors, value, errors[-1][:200] if errors else "")
