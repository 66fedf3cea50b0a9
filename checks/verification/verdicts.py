"""Pure verdicts of the persistence and memory checks: from the values read out of Redis (CONFIG appendonly and
save, INFO persistence, the LASTSAVE age, the data directory's listing, used memory against maxmemory or the
container limit) to a Measured with the value shown and why it failed.
"""

from __future__ import annotations

from checks.verification.results import Measured
from fixtures.core import budgets


def persistence_enabled_verdict(appendonly: str, save: str) -> Measured:
    """AOF or RDB (a `save` policy) must be on."""
    aof, rdb = appendonly == "yes", bool(save.strip())
    value = f"AOF {'on' if aof else 'off'} (appendonly={appendonly}), RDB " + (
        f"on (save {save!r})" if rdb else "off (save '')"
    )
    return Measured(aof or rdb, value, "" if aof or rdb else "neither AOF nor RDB is on: a restart loses every key")


def persistence_health_verdict(appendonly: str, save: str, info: dict[str, str], lastsave_age: int) -> Measured:
    """The enabled kinds are healthy: AOF write and rewrite ok; RDB bgsave ok and LASTSAVE within the budget."""
    aof, rdb = appendonly == "yes", bool(save.strip())
    if not (aof or rdb):
        return Measured(False, "no persistence on", "neither AOF nor RDB is on")
    statuses = [k for k, on in (("aof_last_write_status", aof), ("aof_last_bgrewrite_status", aof)) if on]
    statuses += ["rdb_last_bgsave_status"] if rdb else []
    failing = [f"{k}={info.get(k, 'missing')}" for k in statuses if info.get(k) != "ok"]
    parts = ["AOF write/rewrite " + ("ok" if aof and not any(f.startswith("aof") for f in failing) else "FAILING")]
    parts = parts if aof else ["AOF off"]
    if rdb:
        parts.append(f"LASTSAVE {lastsave_age}s ago (budget {budgets.LASTSAVE_MAX_AGE_S}s)")
        if lastsave_age > budgets.LASTSAVE_MAX_AGE_S:
            failing.append(f"last RDB save {lastsave_age}s ago, over the {budgets.LASTSAVE_MAX_AGE_S}s budget")
    else:
        parts.append("RDB off (save ''): LASTSAVE age not judged")
    return Measured(not failing, "; ".join(parts), ", ".join(failing))


def persistence_files_verdict(
    appendonly: str, save: str, listing: list[str], aof_listing: list[str], dbfilename: str, appenddirname: str
) -> Measured:
    """The files of what is enabled exist: the AOF manifest in `appenddirname`, the RDB file when `save` is set."""
    aof, rdb = appendonly == "yes", bool(save.strip())
    has_manifest = any(name.endswith(".manifest") for name in aof_listing)
    has_rdb = dbfilename in listing
    problems = []
    if aof and not has_manifest:
        problems.append(f"AOF is on but {appenddirname}/ has no manifest")
    if rdb and not aof and not has_rdb:
        problems.append(f"RDB is on but there is no {dbfilename}")
    if not (aof or rdb):
        problems.append("neither AOF nor RDB is on")
    aof_file = f"AOF manifest {'yes' if has_manifest else 'no'}" + ("" if aof else " (AOF off)")
    rdb_file = f"{dbfilename} {'yes' if has_rdb else 'no'}" + ("" if rdb else " (RDB off)")
    value = f"{aof_file}, {rdb_file}"
    return Measured(not problems, value, "; ".join(problems))


def latency_verdict(low: int, high: int, avg: float, samples: int) -> Measured:
    """The runbook's `redis-cli --latency` window judged by its average; the worst sample shown beside it."""
    ok = avg <= budgets.LATENCY_AVG_MS
    value = (
        f"avg {avg:.2f} ms over {samples} PINGs in {budgets.LATENCY_WINDOW_S} s (min {low}, max {high} ms; "
        f"budget avg {budgets.LATENCY_AVG_MS} ms)"
    )
    return Measured(ok, value, "" if ok else "Redis answers slowly: see the runbook's Performance Tips")


def memory_verdict(used: int, maxmemory: int, limit: int) -> Measured:
    """Judged against maxmemory when set, else against the container limit; neither bounds Redis: FAIL."""
    mi = 2**20
    if maxmemory:
        ok = used <= budgets.MEMORY_OF_MAXMEMORY * maxmemory
        value = f"used {used / mi:.1f}Mi of maxmemory {maxmemory / mi:.0f}Mi (budget {budgets.MEMORY_OF_MAXMEMORY:.0%})"
        problems = [] if ok else [f"above {budgets.MEMORY_OF_MAXMEMORY:.0%} of maxmemory"]
        if limit and maxmemory > limit:
            problems.append(f"maxmemory above the container limit {limit / mi:.0f}Mi: the kernel kills Redis first")
        return Measured(not problems, value, "; ".join(problems))
    if limit:
        ok = used <= budgets.MEMORY_OF_LIMIT * limit
        value = (
            f"used {used / mi:.1f}Mi; maxmemory 0: judged against limit {limit / mi:.0f}Mi "
            f"(budget {budgets.MEMORY_OF_LIMIT:.0%})"
        )
        return Measured(ok, value, "" if ok else f"above {budgets.MEMORY_OF_LIMIT:.0%} of the container limit")
    return Measured(
        False,
        f"used {used / mi:.1f}Mi; maxmemory 0 and no memory limit",
        "nothing bounds Redis's memory: set maxmemory or a container memory limit",
    )


def replication_verdict(info: dict[str, str]) -> Measured:
    """INFO replication of the Redis the runbook treats as the master: role:master, or FAIL with its master and link."""
    role = info.get("role")
    if role is None:
        return Measured(False, "INFO replication has no role", "cannot tell whether Redis accepts writes")
    if role == "master":
        return Measured(True, f"role:master, {info.get('connected_slaves', '?')} replicas connected")
    master = f"{info.get('master_host', '?')}:{info.get('master_port', '?')}"
    value = f"role:{role} of {master}, master_link_status:{info.get('master_link_status', '?')}"
    return Measured(False, value, "a replica refuses the clients' writes (READONLY): `replicaof no one` ends it")
