"""The runbook's Verification section as checks: each reads the cluster and returns what it measured.

Checks only read: API gets and lists, `pods/proxy` GET for a client's /metrics, and `pods/exec` for
redis-cli read commands (and its bounded --latency), nc, df and ls. Nothing here creates, patches or deletes
an object. Redis's password is never read from a Secret: a command run inside the Redis pod
authenticates from what the pod already has (its REDIS_PASSWORD_FILE or REDIS_PASSWORD), and nothing
prints it.

A check never raises for a broken system: what it could not measure (an absent pod, a failed exec, an
error reply) is its FAIL, stated in its value; a tool the image lacks is a SKIP saying why. Only a
runbook that lacks a line the check implements raises CheckError.

Modules: `results` (CheckResult, Measured, CheckError, NotCheckable, judged), `expectations` (what the runbook's
words expect and on which line), `parsing` (pure parsers of replies, INFO, CLIENT LIST, metrics, logs, benchmarks),
`verdicts` (pure persistence and memory verdicts), `pods` (the Redis pod, exec with its own auth, and the client
pods), `logs` (the client-log window), `checks` (the check functions).
"""
