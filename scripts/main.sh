#!/usr/bin/env bash
# The main job: set up, bring the local cluster up, install Redis as the runbook describes it, run the
# runbook gate, the chaos experiments and the verification, and write reports/report.md.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
bash scripts/setup.sh
source scripts/env.sh
.venv/bin/python -m fixtures.cluster up
mkdir -p reports
status=0
.venv/bin/python -m pytest -m "system or runbook" --junitxml=reports/junit-runbook.xml "$@" || status=1
.venv/bin/python -m pytest -m chaos --junitxml=reports/junit-chaos.xml "$@" || status=1
.venv/bin/python -m pytest -m verify --junitxml=reports/junit-verify.xml "$@" || status=1
.venv/bin/python -m checks.benchmark --runs 3 || status=1
.venv/bin/python -m fixtures.report --wall-seconds $(( $(date +%s) - started ))
exit $status
