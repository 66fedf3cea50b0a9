"""`python -m checks runbook check|list [--runbook PATH] [--kubeconfig PATH] [--context NAME]`.

`check` runs the runbook's read-only commands and name checks against the cluster (as `pytest -m
runbook` does, without pytest), prints the command table and exits 1 on any defect or failure.
`list` parses and classifies only, with no cluster.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from checks.runbook import drift
from checks.runbook.classify import UnknownCommand
from checks.runbook.executor import Executor, Outcome
from checks.runbook.model import CommandClass as K
from checks.runbook.parser import RunbookParseError, parse_file
from fixtures.kube import Cluster, ClusterUnreachable, default_kubeconfig
from fixtures.options import REPORTS
from fixtures.runbook_source import RUNBOOK_PATH


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
    args = parser.parse_args(argv)
    try:
        runbook = parse_file(args.runbook)
    except (RunbookParseError, UnknownCommand) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.action == "list":
        for cmd in runbook.commands:
            print(f"{cmd.line:>4}  {cmd.primary_class.value:<36}  {cmd.text}")
        print(f"{len(runbook.commands)} commands")
        return 0
    try:
        cluster = Cluster.connect(args.kubeconfig or default_kubeconfig(), args.context)
    except ClusterUnreachable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    executor = Executor(cluster, log=print)
    try:
        rows = drift.run_read_only(runbook, executor)
    finally:
        executor.close()
    names = drift.check_names(runbook, cluster)
    table, data = drift.write_report(rows, names, args.reports)
    print(table.read_text())
    # A command the classifier cannot prove read-only is not run, and is a problem of the runbook (or the gate).
    unknown = {c.line for c in runbook.commands if K.UNKNOWN in c.classes}
    bad_rows = [r for r in rows if r.outcome not in (Outcome.PASSED, Outcome.NOT_RUN) or r.line in unknown]
    bad_names = [n for n in names if not n.exists]
    for r in bad_rows:
        print(f"line {r.line}: {r.outcome}: {r.reason or r.ran}", file=sys.stderr)  # not run: `ran` says why
    for n in bad_names:
        print(f"line {n.line}: {n.kind} {n.name!r} not found (nearest: {n.nearest})", file=sys.stderr)
    ran = sum(1 for r in rows if r.outcome != Outcome.NOT_RUN)
    print(
        f"{len(rows)} commands ({ran} run, {len(rows) - ran} not run), {len(names)} names; "
        f"{len(bad_rows)} command problems, {len(bad_names)} missing names; report: {data}"
    )
    return 1 if bad_rows or bad_names else 0


if __name__ == "__main__":
    sys.exit(main())
