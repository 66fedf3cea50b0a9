#!/usr/bin/env bash
# The main job: set up, bring the local cluster up, run everything the suite has, write reports/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
python3 -m fixtures.cluster up
mkdir -p reports
python3 -m pytest --junitxml=reports/junit.xml "$@"
