"""What running one documented command did (`Execution`) and how it is judged (`Outcome`): redis-cli error
replies, messages that mean the text cannot work as written (runbook defects and findings), grep's "nothing found",
logs of a previous container that never was (not applicable), and the runbook's stated expectations ("Should
return/show", Expected Output tables). Which outcomes count against the gate is `is_problem`, the one rule of
`python -m checks runbook`, `pytest -m runbook` and the reports. Pure functions of the command and its output;
nothing here runs anything.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from checks.runbook.adapt import Adaptation
from checks.runbook.model import RUNNABLE, Command, CommandClass
from fixtures.core.redis_replies import AUTH_REPLIES, error_reply


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"  # ran, and exited non-zero, answered an error, or missed the runbook's stated expectation
    DEFECT = "runbook defect"  # the text is wrong for the CLI it calls: a flag, subcommand or resource type
    # The text is fine, but an assumption it makes about the system does not hold there: credentials, a path,
    # a tool in an image, a CLI or add-on, a name. Kept apart from DEFECT because the fix differs: the runbook
    # must say how to reach this kind of install, not correct a typo.
    FINDING = "runbook finding"
    SUITE_ERROR = "suite error"  # the suite could not run it (e.g. a timeout of the harness)
    NOT_RUN = "not run"
    # Ran, and what it reads does not exist on a healthy system: the logs of a previous container of a pod that
    # never restarted. Neither a pass (it showed nothing) nor a failure (nothing is wrong).
    NOT_APPLICABLE = "not applicable"


@dataclass
class Execution:
    """What running one documented command did."""

    line: int
    original: str
    ran: str
    adaptations: list[Adaptation] = field(default_factory=list)
    exit_code: int | None = None
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0
    outcome: Outcome = Outcome.NOT_RUN
    reason: str = ""
    pipestatus: list[int] = field(default_factory=list)  # exit code of each pipeline stage

    @property
    def ok(self) -> bool:
        return self.outcome == Outcome.PASSED


def is_problem(outcome: str, classes: Collection[str]) -> bool:
    """Whether a command's outcome counts against the drift gate, for a command of these classes.

    The one rule of the CLI, `pytest -m runbook` and both reports. Passed and not applicable are fine. Not run is
    fine only for a command set aside on purpose (a fix, an interactive form, a placeholder with no live value): one
    the classifier cannot prove read-only, or a read-only one the suite could not run, is a command nobody checked.
    """
    if outcome in (Outcome.PASSED, Outcome.NOT_APPLICABLE):
        return False
    if outcome != Outcome.NOT_RUN:
        return True
    return CommandClass.UNKNOWN in classes or set(classes) <= RUNNABLE


def row_is_problem(row: Mapping[str, Any]) -> bool:
    """`is_problem` of a command row of runbook-check.json (one written before rows had `classes`: its `cls`)."""
    return is_problem(row["outcome"], row.get("classes") or [row["cls"]])


# Messages that mean the command cannot work as written (not a failure of Redis), first match wins:
# a runbook defect (its text is wrong) or a runbook finding (an assumption about the system does not hold).
DEFECT_PATTERNS = [
    (
        re.compile(r"executable file not found|\bsh: \d+: [\w./-]+: not found", re.I),
        Outcome.FINDING,
        "the runbook assumes a tool the container image lacks",
    ),
    (
        re.compile(r"command not found", re.I),
        Outcome.FINDING,
        "a CLI it calls is not installed",
    ),
    (
        re.compile(r"unknown (shorthand )?flag|unknown command", re.I),
        Outcome.DEFECT,
        "a flag or subcommand the CLI does not have",
    ),
    (re.compile(r"No such file or directory", re.I), Outcome.FINDING, "a path that does not exist"),
    # e.g. a file the image ships for another user (uid 1001 cannot read Debian's /etc/redis/redis.conf)
    (re.compile(r": Permission denied", re.I), Outcome.FINDING, "a path the container's user cannot read"),
    (
        re.compile(r"Metrics API not available|metrics\.k8s\.io", re.I),
        Outcome.FINDING,
        "needs metrics-server, absent here",
    ),
    (
        re.compile(r'the server doesn\'t have a resource type "', re.I),
        Outcome.DEFECT,
        "a resource type the cluster does not know",
    ),
    (re.compile(r"\(NotFound\)|not found", re.I), Outcome.FINDING, "a name that does not exist in the cluster"),
]


def all_pods_running_and_ready(table: str) -> bool:
    """`kubectl get pods` output where every pod is Running with all containers ready."""
    rows = [r.split() for r in table.strip().splitlines()[1:]]
    return bool(rows) and all(len(r) >= 3 and r[2] == "Running" and _all_ready(r[1]) for r in rows)


def _all_ready(ready: str) -> bool:
    have, _, want = ready.partition("/")
    return have == want and have.isdigit()


def judge(cmd: Command, execution: Execution, system_names: Collection[str] = ()) -> None:
    """Set the outcome from error replies, the exit code, grep semantics, the runbook's stated expectations.
    `system_names`: the names of the system's own objects (namespace, StatefulSet, pod, Service, claim...), which
    tell a grep for the system's object from a grep for something an install may not have."""
    if _judge_error_reply(cmd, execution):
        return
    if _grep_found_nothing(cmd, execution):
        _judge_empty_grep(cmd, execution, system_names)
        return
    if execution.exit_code != 0:
        if NO_PREVIOUS_CONTAINER.search(execution.stderr):
            execution.outcome = Outcome.NOT_APPLICABLE
            said = f" (the runbook says `{cmd.trailing}`)" if cmd.trailing else ""
            execution.reason = f"the pod has not restarted: no previous container to read logs of{said}"
            return
        execution.outcome = Outcome.FAILED
        execution.reason = (execution.stderr.strip() or execution.stdout.strip() or "no output").splitlines()[-1][:300]
        mark_defect(execution)
        return
    problem = expectation_problem(cmd, execution.stdout)
    execution.outcome = Outcome.FAILED if problem else Outcome.PASSED
    execution.reason = problem or ""


# What `kubectl logs --previous` (-p) answers for a container that never terminated.
NO_PREVIOUS_CONTAINER = re.compile(r'previous terminated container "[^"]*" in pod "[^"]*" not found')
GREPS = ("grep", "egrep", "fgrep")
# kubectl options that take a value, so that the verb and kind after them are found (`kubectl -n redis logs ...`).
KUBECTL_VALUE_OPTIONS = {
    *("-n", "--namespace", "--context", "--kubeconfig", "--cluster", "--user", "-s", "--server"),
    *("-o", "--output", "-l", "--selector"),
}


def _grep_found_nothing(cmd: Command, execution: Execution) -> bool:
    """Only the pipeline's last stage, a grep, said 1 (no line matched); every stage before it succeeded."""
    statuses = execution.pipestatus
    return (
        execution.exit_code == 1
        and len(statuses) > 1
        and statuses[-1] == 1
        and all(s == 0 for s in statuses[:-1])
        and pipeline_stages(cmd.text)[-1].split()[:1] in [[g] for g in GREPS]
    )


def _judge_empty_grep(cmd: Command, execution: Execution, system_names: Collection[str]) -> None:
    """A search of logs for bad news that finds none passes. A grep that picks the system's own object out of a
    listing fails, since nothing matched means that object is missing; one that looks for something else (a pull
    secret on an install of a public image) is not applicable: this install has none."""
    stages = pipeline_stages(cmd.text)
    if searches_for_bad_news(stages):
        execution.outcome, execution.reason = Outcome.PASSED, "grep matched nothing (exit 1): nothing to report"
        return
    pattern = grep_pattern(stages[-1])
    if not names_the_system(pattern, system_names):
        execution.outcome = Outcome.NOT_APPLICABLE
        execution.reason = (
            f"nothing matched (grep exit 1): `{stages[0]}` lists nothing matching `{pattern}`, which names none of "
            "the system's objects: this install has none, and the step applies only where one is expected"
        )[:300]
        return
    execution.outcome = Outcome.FAILED
    execution.reason = (
        f"nothing matched (grep exit 1): no line of `{stages[0]}` matches `{stages[-1]}`: what it looks for is missing"
    )[:300]


def grep_pattern(grep: str) -> str:
    """The pattern of a `grep [OPTIONS] PATTERN` stage (its first word that is no option)."""
    words = [w for w in _words(grep)[1:] if not w.startswith("-")]
    return words[0] if words else ""


def names_the_system(pattern: str, system_names: Collection[str]) -> bool:
    """Whether a grep pattern picks one of the system's own objects: it is part of one of their names."""
    plain = pattern.strip("^$").lower()
    return bool(plain) and any(plain in name.lower() for name in system_names)


def searches_for_bad_news(stages: list[str]) -> bool:
    """A pipeline whose greps look for what is wrong: its source is a log reader, or its last grep is inverted."""
    return reads_logs(stages[0]) or _inverted(stages[-1])


def reads_logs(stage: str) -> bool:
    """`kubectl logs`, `kubectl [get] events` (the cluster's log), `flux|docker|crictl logs`, journalctl, stern."""
    words = _words(stage)
    program, positional = (words[0], _positional(words[1:])) if words else ("", [])
    if program in ("journalctl", "stern"):
        return True
    if program in ("flux", "docker", "crictl"):
        return positional[:1] == ["logs"]
    if program != "kubectl":
        return False
    verb, kind = [*positional, "", ""][:2]
    return verb in ("logs", "events") or (verb == "get" and kind in ("events", "event", "ev"))


def _positional(args: list[str]) -> list[str]:
    found, skip = [], False
    for word in args:
        if skip:
            skip = False
        elif word in KUBECTL_VALUE_OPTIONS:
            skip = True
        elif not word.startswith("-"):
            found.append(word)
    return found


def _inverted(grep: str) -> bool:
    flags = [w for w in _words(grep)[1:] if w.startswith("-") and not w.startswith("--")]
    return "--invert-match" in grep.split() or any("v" in f[1:] for f in flags)


def _words(stage: str) -> list[str]:
    try:
        return shlex.split(stage)
    except ValueError:  # an unbalanced quote: read it as plain words
        return stage.split()


def _judge_error_reply(cmd: Command, execution: Execution) -> bool:
    """A redis-cli error reply fails the command whatever the exit code; auth errors are runbook findings."""
    if not re.search(r"(?<![\w-])redis-cli(?![\w-])", cmd.text):
        return False
    reply = error_reply(execution.stdout) or error_reply(execution.stderr)
    if reply is None:
        return False
    line, code = reply
    if code in AUTH_REPLIES:
        execution.outcome = Outcome.FINDING
        execution.reason = (
            f"redis-cli answered `{line}`: the runbook passes no credentials and this Redis requires them"
        )
    else:
        execution.outcome = Outcome.FAILED
        expected = f" (runbook says `{cmd.expectation}`)" if cmd.expectation else ""
        execution.reason = f"redis-cli answered an error: `{line}`{expected}"
    execution.reason = execution.reason[:300]
    return True


def pipeline_stages(text: str) -> list[str]:
    """`a | b "x\\|y"` -> ["a", 'b "x\\|y"']: split at unquoted single pipes (not `||`) only."""
    stages, current, quote, i = [], [], "", 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and quote != "'" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "|" and text[i + 1 : i + 2] != "|" and text[i - 1 : i] != "|":
            stages.append("".join(current).strip())
            current = []
            i += 1
            continue
        current.append(ch)
        i += 1
    stages.append("".join(current).strip())
    return stages


def mark_defect(execution: Execution) -> None:
    said = f"{execution.stderr}\n{execution.stdout}"
    for pattern, outcome, meaning in DEFECT_PATTERNS:
        match = pattern.search(said)
        if match:
            execution.outcome = outcome
            execution.reason = f"{meaning}: {_around(said, match)}"[:300]
            return


def _around(said: str, match: re.Match[str]) -> str:
    """The line that matched, cut to the part that says it (OCI errors put the reason after 200 characters)."""
    start = said.rfind("\n", 0, match.start()) + 1
    end = said.find("\n", match.end())
    line = said[start : end if end != -1 else len(said)].strip()
    if len(line) <= 160:
        return line
    return "..." + said[max(start, match.start() - 60) : end if end != -1 else len(said)].strip()


def expectation_problem(cmd: Command, stdout: str) -> str | None:
    """What the output lacks of the runbook's "Should return/show" or its Expected Output table, or None."""
    if cmd.expectation:
        wanted = cmd.expectation.split(":", 1)[1].strip()
        if cmd.expectation.lower().startswith("should return"):
            if stdout.strip() != wanted:
                return f"runbook says `{cmd.expectation}`; got {stdout.strip()[:100]!r}"
        else:
            tokens = [t for part in wanted.split(" and ") for t in part.split() if t.lower() not in {"and", "ready"}]
            missing = [t for t in tokens if t not in stdout]
            if missing:
                return f"runbook says `{cmd.expectation}`; output lacks {missing}"
    if cmd.expected_output:
        return table_problem(cmd.expected_output, stdout)
    return None


def table_problem(expected: str, actual: str) -> str | None:
    """Compare a `kubectl get` table with the runbook's: same columns, and each expected row's NAME/READY/STATUS."""
    want = [line.split() for line in expected.strip().splitlines()]
    got = [line.split() for line in actual.strip().splitlines()]
    if not got or got[0] != want[0]:
        return f"columns differ: runbook {want[0]}, cluster {got[0] if got else []}"
    rows = {row[0]: row for row in got[1:]}
    for row in want[1:]:
        have = rows.get(row[0])
        if have is None:
            return f"row {row[0]} missing (cluster has {sorted(rows)})"
        if have[1:3] != row[1:3]:
            return f"row {row[0]}: runbook shows READY/STATUS {row[1:3]}, cluster {have[1:3]}"
    return None
