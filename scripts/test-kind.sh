#!/usr/bin/env bash
# The suite on the two-node kind cluster (issue 12, in progress; not part of scripts/test.sh): sets up docker and
# the node image, creates the cluster through pytest-kind, runs the markers that pass on kind, then deletes the
# cluster and stops the suite's docker. Extra arguments replace the marker selection, e.g. `-m cluster`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
mkdir -p reports
context=kind-redis-runbook-kind
args=("$@")
if [ ${#args[@]} -eq 0 ]; then
  # test_profiles switches the node's redis:7.2 alias through the local containerd: local cluster only.
  args=(-m "unit or cluster or system or verify or runbook" --deselect tests/system/test_profiles.py)
fi
status=0
.venv/bin/python -m pytest "${args[@]}" --cluster kind --allow-chaos-on "$context" --keep-cluster \
  --junitxml=reports/junit-kind.xml || status=1
.venv/bin/python -m fixtures.kind down || status=1
.venv/bin/python -m fixtures.kind.docker stop || status=1
exit $status
