"""Catch drift between the runbook and the cluster: run its read-only commands, check every name it uses."""

from __future__ import annotations

import difflib
import json
import re
import shlex
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from kubernetes.client.exceptions import ApiException

from checks.runbook.adapt import map_names
from checks.runbook.executor import Executor
from checks.runbook.model import RUNNABLE, Command, Runbook
from checks.runbook.model import CommandClass as K
from checks.runbook.outcome import Execution, Outcome, is_problem
from checks.runbook.parser import SHELL_LANGS
from fixtures.core.kube import Cluster
from fixtures.core.names import RUNBOOK, RunbookNames

SUBSTITUTION = re.compile(r"\$\(([^()]*)\)")
SUBSTITUTED = "__SUBSTITUTED__"
OPTIONS_WITH_VALUE = {
    "-n",
    "--namespace",
    "-l",
    "--selector",
    "-o",
    "--output",
    "--tail",
    "--sort-by",
    "--timeout",
    "--for",
    "--image",
    "--restart",
    "--cascade",
    "-c",
    "--container",
    "--since",
    "-p",
}
KIND_ALIASES = {
    "pods": "pod",
    "po": "pod",
    "svc": "service",
    "services": "service",
    "sts": "statefulset",
    "statefulsets": "statefulset",
    "deploy": "deployment",
    "deployments": "deployment",
    "cm": "configmap",
    "configmaps": "configmap",
    "networkpolicies": "networkpolicy",
    "netpol": "networkpolicy",
    "helmreleases": "helmrelease",
    "hr": "helmrelease",
    "persistentvolumeclaim": "pvc",
    "persistentvolumeclaims": "pvc",
    "node": "node",
    "nodes": "node",
}
NAMED_VERBS = {"get", "describe", "delete", "logs", "exec", "wait", "port-forward", "edit", "rollout", "cordon"}
PLACEHOLDER = re.compile(r"^<[A-Za-z][A-Za-z0-9_-]*>$")  # "any object of that kind (in that namespace)"
# Outcomes that say the runbook is wrong, as opposed to a failed diagnosis of this system.
FINDING_OUTCOMES = {Outcome.FINDING.value, Outcome.DEFECT.value}


@dataclass
class Row:
    """One line of the command table: every runbook command has exactly one."""

    line: int
    command: str
    cls: str
    ran: str  # the text that ran, or why it did not
    outcome: str
    reason: str = ""
    adaptations: str = ""
    seconds: float = 0.0
    classes: list[str] = field(default_factory=list)  # all the command's classes (`cls` is the first)

    @property
    def problem(self) -> bool:
        """Whether this row counts against the gate (`outcome.is_problem`)."""
        return is_problem(self.outcome, self.classes)


def _classes(cmd: Command) -> list[str]:
    return [c.value for c in cmd.classes]


@dataclass
class NameFinding:
    """A name the runbook uses, whether the cluster has it, and the nearest real name if not."""

    kind: str
    name: str
    namespace: str
    line: int
    exists: bool
    nearest: str = ""
    elsewhere: str = ""  # namespaces where an object of that kind (and name) does exist


@dataclass
class Finding:
    """What the runbook gets wrong on this system: the line, and what was observed."""

    line: int
    outcome: str
    command: str
    observed: str


def no_commands_problem(runbook: Runbook) -> str | None:
    """Why a runbook that yields no commands cannot be checked, or None when it has commands."""
    if runbook.commands:
        return None
    untagged = [b for b in runbook.blocks if not b.lang]
    other = sorted({b.lang for b in runbook.blocks if b.lang and b.lang not in SHELL_LANGS})
    why = []
    if untagged:
        lines = ", ".join(str(b.line - 1) for b in untagged[:5])
        why.append(f"{len(untagged)} code fence(s) without a language (line {lines}): tag them ```bash")
    if other:
        why.append(f"code fences in {', '.join(other)} only")
    if not runbook.blocks:
        why.append("no code fences at all")
    return f"runbook {runbook.path}: 0 commands ({'; '.join(why)})"


def not_run_reason(cmd: Command) -> str:
    if K.UNKNOWN in cmd.classes:
        return "unknown command: not proven read-only, not run (teach checks/runbook/classify/ what it does)"
    if K.MUTATING in cmd.classes:
        return "mutating fix: runs in the chaos experiments, not against the healthy system"
    if K.INTERACTIVE in cmd.classes:
        return "interactive: has no non-interactive equivalent outside an experiment"
    return "needs a placeholder with no live value"


def run_read_only(runbook: Runbook, executor: Executor) -> list[Row]:
    """Run every read-only command in runbook order; a row for every command, run or not."""
    rows = []
    background_block = None
    for cmd in runbook.commands:
        if background_block is not None and cmd.block is not background_block:
            executor.stop_background()
            background_block = None
        if not set(cmd.classes) <= RUNNABLE:
            rows.append(_row_without_run(cmd, not_run_reason(cmd), Outcome.NOT_RUN))
            continue
        try:
            execution = executor.run(cmd)
        except (ApiException, ValueError, OSError) as exc:  # one command the suite could not run is one row
            reason = f"the suite could not run it: {type(exc).__name__}: {exc}"[:300]
            rows.append(_row_without_run(cmd, cmd.text, Outcome.SUITE_ERROR, reason))
            continue
        if execution.reason.startswith("listening on"):
            background_block = cmd.block
        rows.append(_row(cmd, execution))
    executor.stop_background()
    return rows


def _row_without_run(cmd: Command, ran: str, outcome: Outcome, reason: str = "") -> Row:
    """The row of a command with no execution: set aside (`ran` says why), or one the suite could not run."""
    return Row(cmd.line, cmd.text, cmd.primary_class.value, ran, outcome.value, reason, classes=_classes(cmd))


def _row(cmd: Command, execution: Execution) -> Row:
    adaptations = "; ".join(f"{a.what}: `{a.original}` -> `{a.replacement}`" for a in execution.adaptations)
    return Row(
        cmd.line,
        cmd.text,
        cmd.primary_class.value,
        execution.ran,
        execution.outcome.value,
        execution.reason,
        adaptations,
        round(execution.seconds, 2),
        _classes(cmd),
    )


# ---------------------------------------------------------------- names


def names_in(cmd: Command) -> list[tuple[str, str, str]]:
    """(kind, name, namespace) triples a kubectl/flux command refers to; kinds 'label' and 'path' included.

    A `$(...)` substitution is read as a command of its own; its value is not a name. Paths are
    checked only for commands that read them (a mutating command may be about to create one).
    """
    texts = [*SUBSTITUTION.findall(cmd.text), SUBSTITUTION.sub(SUBSTITUTED, cmd.text)]
    found: list[tuple[str, str, str]] = []
    for text in texts:
        for part in text.split("|"):
            try:
                words = shlex.split(part)
            except ValueError:
                continue
            if words[:1] == ["watch"]:
                words = words[1:]
            if words[:1] in (["kubectl"], ["flux"]):
                found += [n for n in _names_in_words(words) if SUBSTITUTED not in n[1]]
    if not set(cmd.classes) <= RUNNABLE:  # paths are looked up by exec: only for commands proven read-only
        found = [n for n in found if n[0] != "path"]
    # A placeholder stands for "any object of that kind": only where it is the object's own name.
    return [n for n in found if n[0] not in ("path", "label", "namespace") or not PLACEHOLDER.search(n[1])]


def _names_in_words(words: list[str]) -> list[tuple[str, str, str]]:
    inner = words[words.index("--") + 1 :] if "--" in words else []
    words = words[: words.index("--")] if "--" in words else words
    namespace, positional, labels, skip = "", [], [], False
    for i, word in enumerate(words[1:], start=1):
        if skip:
            skip = False
            continue
        if word in OPTIONS_WITH_VALUE:
            skip = True
            if word in ("-n", "--namespace"):
                namespace = words[i + 1]
            if word in ("-l", "--selector"):
                labels.append(words[i + 1])
            continue
        if word.startswith("--namespace="):
            namespace = word.split("=", 1)[1]
        elif not word.startswith("-"):
            positional.append(word)
    found: list[tuple[str, str, str]] = []
    if namespace:
        found.append(("namespace", namespace, ""))
    found += [("label", label, namespace) for label in labels]
    if not positional:
        return found
    verb, rest = positional[0], positional[1:]
    if words[0] == "flux" and len(rest) >= 2 and rest[0].rstrip("s") == "helmrelease":
        found.append(("helmrelease", rest[1], namespace))
        return found
    if words[0] != "kubectl" or verb not in NAMED_VERBS:
        return found
    if verb == "rollout":
        rest = rest[1:]
    if verb in ("logs", "exec", "port-forward") and rest:
        kind, _, name = rest[0].rpartition("/")
        found.append((KIND_ALIASES.get(kind, kind) or "pod", name, namespace))
        pod = name if not kind else ""
        found += [("path", w.rstrip("/") or "/", f"{namespace}/{pod}") for w in inner if w.startswith("/") and pod]
        return found
    if verb == "cordon" and rest:
        return [*found, ("node", rest[0], "")]
    if rest and "/" in rest[0]:
        kind, _, name = rest[0].partition("/")
        found.append((KIND_ALIASES.get(kind, kind), name, namespace))
    elif len(rest) >= 2:
        kind = KIND_ALIASES.get(rest[0], rest[0])
        found += [(kind, name, namespace) for name in rest[1:]]
    return found


def check_names(
    runbook: Runbook, cluster: Cluster, names: RunbookNames = RUNBOOK, runbook_names: RunbookNames = RUNBOOK
) -> list[NameFinding]:
    """Every distinct name the runbook's commands use, fixes included (not run), looked up read-only.

    Names are read after the runbook's namespaces are mapped to the target's (`names`), as the executor runs them.
    """
    seen: dict[tuple[str, str, str], NameFinding] = {}
    for cmd in runbook.commands:
        mapped = replace(cmd, text=map_names(cmd.text, runbook_names, names)[0])
        for kind, name, namespace in names_in(mapped):
            key = (kind, name, namespace)
            if key not in seen:
                seen[key] = _look_up(cluster, kind, name, namespace, cmd.line)
    return list(seen.values())


def _look_up(cluster: Cluster, kind: str, name: str, namespace: str, line: int) -> NameFinding:
    if kind == "path":
        ns, pod = namespace.split("/", 1)
        exists = cluster.exec(ns, pod, ["test", "-r", name]).returncode == 0  # the runbook reads it
        return NameFinding(kind, name, namespace, line, exists)
    if kind == "label":
        pods = cluster.kubectl("get", "pods", "-n", namespace, "-l", name, "-o", "name").stdout.split()
        nearest = "" if pods else _nearest_label(cluster, name, namespace)
        return NameFinding(kind, name, namespace, line, bool(pods), nearest)
    scope = ["-n", namespace] if namespace and kind not in ("namespace", "node") else []
    listing = cluster.kubectl("get", kind, *scope, "-o", "name")
    candidates = [item.split("/", 1)[-1] for item in listing.stdout.split()]
    if PLACEHOLDER.match(name):
        exists = bool(candidates)
    else:
        exists = name in candidates or cluster.kubectl("get", kind, name, *scope, "-o", "name").returncode == 0
    if exists:
        return NameFinding(kind, name, namespace, line, True)
    nearest = "" if PLACEHOLDER.match(name) else difflib.get_close_matches(name, candidates, n=1, cutoff=0.4)
    elsewhere = _namespaces_holding(cluster, kind, name) if scope else ""
    return NameFinding(kind, name, namespace, line, False, ", ".join(nearest) or "(none similar)", elsewhere)


def _namespaces_holding(cluster: Cluster, kind: str, name: str) -> str:
    """Namespaces that hold an object of `kind` named `name` (any name for a placeholder)."""
    columns = "custom-columns=NAMESPACE:.metadata.namespace,NAME:.metadata.name"
    out = cluster.kubectl("get", kind, "-A", "--no-headers", "-o", columns)
    pairs = [line.split() for line in out.stdout.splitlines() if len(line.split()) == 2]
    held = sorted({ns for ns, have in pairs if PLACEHOLDER.match(name) or have == name})
    return ", ".join(held)


def _nearest_label(cluster: Cluster, selector: str, namespace: str) -> str:
    out = cluster.kubectl("get", "pods", "-n", namespace, "-o", "jsonpath={.items[*].metadata.labels}").stdout
    pairs = sorted({f"{k}={v}" for chunk in out.split("} {") for k, v in _label_pairs(chunk)})
    return ", ".join(difflib.get_close_matches(selector, pairs, n=1, cutoff=0.4)) or "(no similar label)"


def _label_pairs(chunk: str) -> list[tuple[str, str]]:
    try:
        return list(json.loads("{" + chunk.strip("{}") + "}").items())
    except ValueError:
        return []


# ---------------------------------------------------------------- report


def findings(rows: list[Row], names: list[NameFinding]) -> list[Finding]:
    """What the runbook gets wrong here, by line: commands judged a finding or defect, and names not found."""
    found = [Finding(r.line, r.outcome, r.command, r.reason or r.ran) for r in rows if r.outcome in FINDING_OUTCOMES]
    commands = {r.line: r.command for r in rows}
    for n in names:
        if n.exists:
            continue
        where = f" in {n.namespace}" if n.namespace else ""
        if n.elsewhere:
            seen = f"; it is in {n.elsewhere}"
        elif n.nearest and n.nearest != "(none similar)":
            seen = f"; nearest: {n.nearest}"
        else:
            seen = ""
        missing = "not found or not readable" if n.kind == "path" else "not found"
        observed = f"{n.kind} {n.name}{where} {missing}{seen}"
        found.append(Finding(n.line, Outcome.FINDING.value, commands.get(n.line, ""), observed))
    return sorted(found, key=lambda f: f.line)


def render_table(rows: list[Row], found: list[Finding] | None = None) -> str:
    lines = ["| line | class | ran (or why not) | result | note |", "| --- | --- | --- | --- | --- |"]
    for r in rows:
        note = "; ".join(x for x in (r.reason, r.adaptations) if x).replace("|", "\\|")
        ran = r.ran.replace("|", "\\|")
        lines.append(f"| {r.line} | {r.cls} | `{ran}` | {r.outcome} | {note} |")
    if found:
        lines += ["", "## Runbook findings", "", "| line | result | command | observed |", "| --- | --- | --- | --- |"]
        for f in found:
            command, observed = f.command.replace("|", "\\|"), f.observed.replace("|", "\\|")
            lines.append(f"| {f.line} | {f.outcome} | `{command}` | {observed} |")
    return "\n".join(lines) + "\n"


def write_report(rows: list[Row], names: list[NameFinding], directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    found = findings(rows, names)
    table = directory / "runbook-commands.md"
    table.write_text(render_table(rows, found))
    data = directory / "runbook-check.json"
    report = {
        "commands": [asdict(r) for r in rows],
        "names": [asdict(n) for n in names],
        "findings": [asdict(f) for f in found],
    }
    data.write_text(json.dumps(report, indent=2))
    return table, data
