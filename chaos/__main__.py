"""`python -m chaos repair`: restore whatever killed or interrupted chaos runs left, and say what was restored.

python -m chaos repair [--kubeconfig PATH] [--context NAME] [--allow-chaos-on NAME]
python -m chaos list
python -m chaos compare RUN_A RUN_B    (two runs' verdicts mode by mode; exit 1 when one differs)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chaos import compare, records, runner, safety
from chaos.errors import ChaosError
from chaos.modes import MODES
from chaos.target import CONFIGURATION_ENV, Target
from fixtures.cluster import config as cluster_config
from fixtures.core.cli_logging import configure_cli_logging
from fixtures.core.waits import WaitTimeout, show_progress


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    fix = sub.add_parser("repair", help="restore what interrupted chaos runs changed (from their undo records)")
    fix.add_argument("--kubeconfig", type=Path, default=cluster_config.KUBECONFIG)
    fix.add_argument("--context", default=None, help="kubeconfig context (default: its current one)")
    fix.add_argument("--allow-chaos-on", action="append", default=[], metavar="CONTEXT")
    fix.add_argument("--runbook", type=Path, default=Path(CONFIGURATION_ENV["runbook"][1]))
    fix.add_argument(
        "--progress", action="store_true", help="print long waits' progress even when stderr is not a terminal"
    )
    sub.add_parser("list", help="the failure modes")
    both = sub.add_parser("compare", help="two chaos runs' verdicts mode by mode (e.g. serial and in cells)")
    both.add_argument("runs", nargs=2, type=Path, metavar="RUN", help="a run's folder, e.g. reports/chaos/<run>")
    args = parser.parse_args(argv)
    configure_cli_logging()
    if args.command == "list":
        for mode in MODES.values():
            print(f"{mode.name:<24} {mode.runbook_section}")
        return 0
    if args.command == "compare":
        return _compare(*args.runs)
    if args.progress or sys.stderr.isatty():
        show_progress()
    target = Target(
        args.kubeconfig, args.context, args.runbook.resolve(), allow_chaos_on=frozenset(args.allow_chaos_on)
    )
    try:
        permit = safety.authorize(target)
        if not records.pending_anywhere(permit.cluster):
            print(f"nothing to repair: no undo record in {records.WHERE} of context {permit.cluster.context!r}")
            return 0
        repaired = runner.repair(permit, also=lambda namespace: True)  # every cell's: no run is going on
    except (ChaosError, WaitTimeout) as exc:
        print(f"repair: {exc}", file=sys.stderr)
        return 1
    print(f"repaired: {', '.join(repaired)}")
    return 0


def _compare(a: Path, b: Path) -> int:
    try:
        rows_a, rows_b = compare.rows_of(a), compare.rows_of(b)
    except compare.NoRun as exc:
        print(f"compare: {exc}", file=sys.stderr)
        return 2
    print(compare.render(a.name, b.name, rows_a, rows_b), end="")
    return 0 if all(c.agrees for c in compare.compare(rows_a, rows_b)) else 1


if __name__ == "__main__":
    sys.exit(main())
