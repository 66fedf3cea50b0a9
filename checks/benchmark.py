"""Benchmark of the verify run's wall time: `python -m checks.benchmark [--runs N] [pytest args...]`.

Runs `pytest -m verify` N times against the chosen cluster (default: the local one), prints the
minimum, median and maximum wall time against the budget, and writes reports/verify-benchmark.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time

from checks.verify_runner import run_verify
from fixtures.core import budgets
from fixtures.core.cli_logging import configure_cli_logging
from fixtures.core.options import REPORTS

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checks.benchmark", description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="how many verify runs to time (default 5)")
    args, pytest_args = parser.parse_known_args(argv)
    configure_cli_logging()
    seconds = []
    for i in range(args.runs):
        run = run_verify(
            f"--junitxml={REPORTS / 'junit-verify-benchmark.xml'}",
            *pytest_args,
            summary=REPORTS / "verify-benchmark-summary.json",
        )
        if run.returncode != 0:
            print(f"run {i + 1}: verify failed; fix that first:\n{run.output[-2000:]}", file=sys.stderr)
            return 1
        seconds.append(run.seconds)
        log.info(f"run {i + 1}/{args.runs}: {run.seconds:.2f}s")
    summary = {
        "runs": args.runs,
        "min_s": round(min(seconds), 2),
        "median_s": round(statistics.median(seconds), 2),
        "max_s": round(max(seconds), 2),
        "budget_s": budgets.VERIFY_WALL_S,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "verify-benchmark.json").write_text(json.dumps(summary, indent=2))
    verdict = "within" if summary["max_s"] <= budgets.VERIFY_WALL_S else "OVER"
    print(
        f"verify wall time: min {summary['min_s']}s, median {summary['median_s']}s, max {summary['max_s']}s "
        f"({verdict} the {budgets.VERIFY_WALL_S}s budget)"
    )
    return 0 if verdict == "within" else 1


if __name__ == "__main__":
    sys.exit(main())
