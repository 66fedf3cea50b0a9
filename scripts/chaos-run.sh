#!/usr/bin/env bash
# One experiment through the Chaos Toolkit CLI, e.g. `bash scripts/chaos-run.sh oom`.
# KUBECONFIG defaults to the local cluster's; RUNBOOK_CONTEXT picks a context; a cluster the suite
# did not create needs RUNBOOK_ALLOW_CHAOS_ON=<context>. The journal goes to reports/chaos/cli/.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:?usage: scripts/chaos-run.sh MODE (one of: $(ls chaos/experiments | sed 's/.json//' | tr '\n' ' '))}
shift
if [[ ! -x .venv/bin/chaos ]]; then
  echo "chaos-run: no .venv/bin/chaos: run 'bash scripts/setup.sh' first" >&2
  exit 1
fi
export KUBECONFIG=${KUBECONFIG:-/var/lib/redis-runbook-cluster/kubeconfig}
mkdir -p reports/chaos/cli
exec .venv/bin/chaos --no-version-check run --rollback-strategy always \
  --journal-path "reports/chaos/cli/$mode-$(date -u +%Y%m%dT%H%M%SZ).json" "chaos/experiments/$mode.json" "$@"
