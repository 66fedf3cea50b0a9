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
# Cells for the experiments (pytest-xdist workers, README "Cells"): three on this project's machines (2 cores).
CELLS=3
# The two-node kind cluster, a separate cluster in docker, beside the local stages: self-tests, system, verify, oom
# and Node Issues (journals in reports/chaos-kind; its output in reports/logs/kind.log).
# The game day's id: every chaos stage on this cluster records it (--game-day), and the report shows this game
# day's runs together (the kind stage's runs are a kind of their own, reports/chaos-kind).
run=$(date -u +%Y%m%dT%H%M%SZ)
stage_background kind \
bash scripts/test-kind.sh -m "cluster or system or verify or chaos" -k "test_capabilities or test_names or test_verify.py or oom_killed or not_ready_node" \
    --chaos-journals=reports/chaos-kind "$@"
stage runbook \
.venv/bin/python -m pytest -m "system or runbook" --deselect tests/system/test_profiles.py \
    --junitxml=reports/junit-runbook.xml "$@"
# Every experiment on the runbook's profile, then every one with the runbook's recovery left out (it must end not
# recovered): those that change what every cell shares (marker `alone`) one at a time, the rest side by side in
# cells. One run: both write to reports/chaos/$run.
stage chaos-alone \
.venv/bin/python -m pytest -m "(chaos or mutation) and alone" --chaos-run-name "$run" --game-day "$run" \
    --junitxml=reports/junit-chaos-alone.xml "$@"
# The Bitnami-shaped system beside the cells, in its own namespaces: its defaults, the gate's findings on it
# (reports/runbook-bitnami/), verify on it broken six ways (the full volume takes the cluster alone) and healthy.
stage_background bitnami \
.venv/bin/python -m pytest -m "system or verify" --system bitnami --deselect tests/system/test_profiles.py \
    --junitxml=reports/junit-bitnami.xml "$@"
# The mutation runs wait out their 300 s (the recovery budget) on purpose: on cells of their own (3 to 5) beside the experiments' (0 to 2).
stage_background mutation \
.venv/bin/python -m pytest -n "$CELLS" --first-cell "$CELLS" -m "mutation and not alone" --chaos-run-name "$run" --game-day "$run" \
    --junitxml=reports/junit-mutation.xml "$@"
stage chaos-cells \
.venv/bin/python -m pytest -n "$CELLS" -m "chaos and not alone" -k "not under_cells" --chaos-run-name "$run" --game-day "$run" \
    --junitxml=reports/junit-chaos.xml "$@"
# The Bitnami and mutation stages end here: the profile stages switch the cells' profile.
stage_wait
# The profile round trip, then the runbook's hidden preconditions: every mode on Flux's and the chart's defaults,
# and the Ctrl-C test under cells (its own `pytest -n 2` on cells 3 and 4, free once the mutation stage has ended).
stage profiles \
.venv/bin/python -m pytest -m system tests/system/test_profiles.py --junitxml=reports/junit-profiles.xml "$@"
stage stock \
.venv/bin/python -m pytest -n "$CELLS" -m chaos --profile stock --game-day "$run" -k "not any_invalid and (not interrupt or under_cells)" \
    --junitxml=reports/junit-stock.xml "$@"
# Verify reads the runbook's alerts in the Prometheus the suite installed (svc/monitoring/prometheus, see
# fixtures/monitoring/stack.py): none may still fire once the game day is over.
stage verify \
.venv/bin/python -m pytest -m verify --prometheus=svc/monitoring/prometheus:9090 --junitxml=reports/junit-verify.xml "$@"
# The background stages' end first: the benchmark measures latencies, and nothing else may load the machine then.
stage_wait
stage benchmark \
.venv/bin/python -m checks.benchmark --runs 3
stage report-page \
.venv/bin/python -m pytest -m report --junitxml=reports/junit-report.xml "$@"
stage report \
.venv/bin/python -m fixtures.report --wall-seconds $(( $(date +%s) - started ))
echo "game-day report: $(pwd)/reports/report.html"
stages_end
