"""`python -m checks runbook check|list [--runbook PATH] [--kubeconfig PATH] [--context NAME] [--system NAME]`.

`check` runs the runbook's read-only commands and name checks against the cluster (as `pytest -m
runbook` does, without pytest), prints the command table and the runbook findings, and exits 1 on any
command problem (a finding, defect or failure, or a command not proven read-only or not run though it is;
the rule pytest and the reports use: `checks.runbook.outcome.is_problem`) or missing name. The runbook's
namespaces are mapped to the target's (--system, --redis-namespace, --client). `list` parses and classifies
only, with no cluster.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from checks.runbook import drift
from checks.runbook.classify.lexer import UnknownCommand
from checks.runbook.executor import Executor
from checks.runbook.outcome import Outcome
from checks.runbook.parser import RunbookParseError, parse_file
from fixtures.core.cli_logging import configure_cli_logging
from fixtures.core.kube import Cluster, ClusterUnreachable, default_kubeconfig
from fixtures.core.names import DEFAULT_SYSTEM, SYSTEMS, RunbookNames, with_overrides
from fixtures.core.options import REPORTS
from fixtures.core.runbook_source import RUNBOOK_PATH


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m checks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("area", choices=["runbook"])
    parser.add_argument("action", choices=["check", "list"])
    parser.add_argument("--runbook", type=Path, default=RUNBOOK_PATH, help="runbook markdown (default: %(default)s)")
    parser.add_argument(
        "--kubeconfig", type=Path, default=None, help="kubeconfig (default: $KUBECONFIG or the local cluster's)"
    )
    parser.add_argument("--context", default=None, help="kubeconfig context (default: its current one)")
    parser.add_argument("--reports", type=Path, default=REPORTS, help="where the tables go (default: %(default)s)")
    parser.add_argument(
        "--system",
        choices=sorted(SYSTEMS),
        default=DEFAULT_SYSTEM,
        help="the system whose names the runbook's are mapped to (default: %(default)s)",
    )
    parser.add_argument("--redis-namespace", default=None, help="Redis's namespace (default: the --system's)")
    parser.add_argument(
        "--client",
        action="append",
        default=[],
        metavar="NAMESPACE/DEPLOYMENT",
        help="a client application (repeatable; default: the --system's)",
    )
    args = parser.parse_args(argv)
    configure_cli_logging()
    try:
        runbook = parse_file(args.runbook)
        target = target_names(args.system, args.redis_namespace, args.client)
    except (RunbookParseError, UnknownCommand, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    empty = drift.no_commands_problem(runbook)
    if args.action == "list":
        for cmd in runbook.commands:
            print(f"{cmd.line:>4}  {cmd.primary_class.value:<36}  {cmd.text}")
        print(empty or f"{len(runbook.commands)} commands")
        return 1 if empty else 0
    if empty:
        print(f"error: {empty}", file=sys.stderr)
        return 1
    try:
        cluster = Cluster.connect(args.kubeconfig or default_kubeconfig(), args.context)
    except ClusterUnreachable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    executor = Executor(cluster, target)
    try:
        rows = drift.run_read_only(runbook, executor)
    finally:
        executor.close()
    names = drift.check_names(runbook, cluster, target)
    table, data = drift.write_report(rows, names, args.reports)
    print(table.read_text())
    bad_rows = [r for r in rows if r.problem]
    bad_names = [n for n in names if not n.exists]
    found = drift.findings(rows, names)
    for r in bad_rows:
        if r.outcome not in drift.FINDING_OUTCOMES:  # findings are listed below, with what was observed
            print(f"line {r.line}: {r.outcome}: {r.reason or r.ran}", file=sys.stderr)  # not run: `ran` says why
    if found:
        print(f"runbook findings ({len(found)}):")
    for f in found:
        print(f"  line {f.line}: {f.outcome}: {f.observed}")
    ran = sum(1 for r in rows if r.outcome != Outcome.NOT_RUN)
    print(
        f"{len(rows)} commands ({ran} run, {len(rows) - ran} not run), {len(names)} names; "
        f"{len(bad_rows)} command problems, {len(bad_names)} missing names, {len(found)} findings; report: {data}"
    )
    return 1 if bad_rows or bad_names else 0


def target_names(system: str, redis_namespace: str | None, clients: list[str]) -> RunbookNames:
    """The --system's names with --redis-namespace and --client applied; a known client keeps its Service."""
    return with_overrides(SYSTEMS[system], {"namespace": redis_namespace}, clients, "--client")


if __name__ == "__main__":
    sys.exit(main())
