#!/usr/bin/env bash
# The test command: set up, bring the local cluster up (reused when already running), run the tests.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -m unit`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
.venv/bin/python -m fixtures.cluster up
mkdir -p reports
.venv/bin/python -m pytest -m "unit or cluster or system or verify or runbook or chaos" --junitxml=reports/junit-tests.xml "$@"
