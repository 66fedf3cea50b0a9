#!/usr/bin/env bash
# The test command: set up, bring the local cluster up (reused when already running), run the tests.
# Without arguments: every marker on the runbook's profile, then the hidden-precondition check on the stock
# profile (oom, bad-config, step6) and the mutation check (steps 3 and 4 without the runbook's restart).
# Extra arguments replace that and go to one pytest run, e.g. `bash scripts/test.sh -m unit`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
.venv/bin/python -m fixtures.cluster up
mkdir -p reports
if [ $# -gt 0 ]; then
    exec .venv/bin/python -m pytest "$@"
fi
status=0
# The profile round trip runs after the runbook-profile experiments, next to the stock ones: the first OOM fix
# right after a round trip once failed with Helm's "stalled resources" (not yet understood; see issue 10's note).
.venv/bin/python -m pytest -m "unit or cluster or system or verify or runbook or chaos" \
    --deselect tests/system/test_profiles.py --junitxml=reports/junit-tests.xml || status=1
.venv/bin/python -m pytest -m system tests/system/test_profiles.py --junitxml=reports/junit-profiles.xml || status=1
.venv/bin/python -m pytest -m chaos --profile stock -k "oom_killed or bad_config_directive or step6" \
    --junitxml=reports/junit-stock.xml || status=1
# The runbook's profile again (the session installs it), then steps 3 and 4 with their restart left out.
.venv/bin/python -m pytest -m mutation -k "step3 or step4" --junitxml=reports/junit-mutation.xml || status=1
exit $status
