#!/usr/bin/env bash
# One experiment through the Chaos Toolkit CLI, e.g. `bash scripts/chaos-run.sh oom`.
# KUBECONFIG defaults to the local cluster's; RUNBOOK_CONTEXT picks a context; a cluster the suite
# did not create needs RUNBOOK_ALLOW_CHAOS_ON=<context>. The journal goes to reports/chaos/cli/.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:?usage: scripts/chaos-run.sh MODE (one of: $(ls chaos/experiments | sed 's/.json//' | tr '\n' ' '))}
shift
export KUBECONFIG=${KUBECONFIG:-/var/lib/redis-runbook-cluster/kubeconfig}
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
mkdir -p reports/chaos/cli
exec chaos --no-version-check run --rollback-strategy always \
  --journal-path "reports/chaos/cli/$mode-$(date -u +%Y%m%dT%H%M%SZ).json" "chaos/experiments/$mode.json" "$@"
