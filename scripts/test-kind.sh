#!/usr/bin/env bash
# The suite on the two-node kind cluster: sets up, creates the cluster through pytest-kind, runs the markers that
# pass on kind, then deletes the cluster and stops the suite's docker. Extra arguments replace the marker selection,
# e.g. `-m cluster`, and go to pytest as they are. `--kind-node-image IMAGE` (and `--docker-host URL`) among them
# choose a published node image and the running docker it is pulled into, as the GitHub workflow does
# (.github/workflows/kind.yml); they are passed to `python -m fixtures.kind down` as well. Without them: the
# offline node image built here, on the suite's own docker.
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
# The options that say which cluster `down` deletes, and from which docker.
kind_args=()
for ((i = 0; i < ${#args[@]}; i++)); do
  case ${args[i]} in
    --kind-node-image=* | --docker-host=*) kind_args+=("${args[i]}") ;;
    --kind-node-image | --docker-host) kind_args+=("${args[i]}" "${args[i + 1]:-}") ;;
  esac
done
status=0
.venv/bin/python -m pytest "${args[@]}" --cluster kind --allow-chaos-on "$context" --keep-cluster \
  --junitxml=reports/junit-kind.xml || status=1
.venv/bin/python -m fixtures.kind down "${kind_args[@]}" || status=1
# Stops only the dockerd and containerd its own pid files name (none with a published node image): a docker the
# suite did not start, such as a CI runner's, is left alone.
.venv/bin/python -m fixtures.kind.docker stop || status=1
exit $status
