#!/usr/bin/env bash
# The main job: set up, bring the local cluster up, install Redis as the runbook describes it, run the
# runbook gate, the chaos experiments (runbook profile, stock profile, mutation runs) and the verification,
# and write reports/report.md and reports/report.html (checked in headless Chromium).
# Each stage is timed (scripts/stages.sh: reports/stages.tsv, a table at the end); one Ctrl-C lets the running stage
# roll back and end, runs no further stage, and prints what was done and skipped (exit 130).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
source scripts/stages.sh
stages_begin
bash scripts/setup.sh
source scripts/env.sh
.venv/bin/python -m fixtures.cluster up
mkdir -p reports
stage runbook \
.venv/bin/python -m pytest -m "system or runbook" --deselect tests/system/test_profiles.py \
    --junitxml=reports/junit-runbook.xml "$@"
stage chaos \
.venv/bin/python -m pytest -m chaos --junitxml=reports/junit-chaos.xml "$@"
# The Bitnami-shaped system: its defaults, the gate's findings on it (reports/runbook-bitnami/), verify on it
# broken six ways and healthy.
stage bitnami \
.venv/bin/python -m pytest -m "system or verify" --system bitnami --deselect tests/system/test_profiles.py \
    --junitxml=reports/junit-bitnami.xml "$@"
# The profile round trip, then the runbook's hidden preconditions: every mode on Flux's and the chart's defaults.
stage profiles \
.venv/bin/python -m pytest -m system tests/system/test_profiles.py --junitxml=reports/junit-profiles.xml "$@"
stage stock \
.venv/bin/python -m pytest -m chaos --profile stock -k "not any_invalid and not interrupt" \
    --junitxml=reports/junit-stock.xml "$@"
# Every experiment with the runbook's recovery left out must end not recovered (runbook profile again).
stage mutation \
.venv/bin/python -m pytest -m mutation --junitxml=reports/junit-mutation.xml "$@"
stage verify \
.venv/bin/python -m pytest -m verify --junitxml=reports/junit-verify.xml "$@"
stage benchmark \
.venv/bin/python -m checks.benchmark --runs 3
# The two-node kind cluster: self-tests, system, verify, oom and Node Issues (journals in reports/chaos-kind).
stage kind \
bash scripts/test-kind.sh -m "cluster or system or verify or chaos" -k "test_capabilities or test_names or test_verify.py or oom_killed or not_ready_node" \
    --chaos-journals=reports/chaos-kind "$@"
stage report-page \
.venv/bin/python -m pytest -m report --junitxml=reports/junit-report.xml "$@"
stage report \
.venv/bin/python -m fixtures.report --wall-seconds $(( $(date +%s) - started ))
echo "game-day report: $(pwd)/reports/report.html"
stages_end
