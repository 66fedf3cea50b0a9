"""How a command line is walked: its substitutions, lists, pipelines, redirections and simple commands, and
the program each runs, looked up in the rule tables at the end. The programs that run another command
(kubectl exec, sh/bash -c, env, xargs, watch) walk again, so their rules sit here with the walk: kept in
one module, the recursion needs no import cycle.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from checks.runbook.classify.lexer import (
    HARMLESS_TARGETS,
    INPUT_REDIRECTS,
    OPERATORS,
    PIPES,
    REDIRECTS,
    Token,
    UnknownCommand,
    Word,
    lex,
)
from checks.runbook.classify.options import first_positional, static
from checks.runbook.classify.rules_filters import awk, sed, sort, uniq
from checks.runbook.classify.rules_flux_helm import flux, helm
from checks.runbook.classify.rules_redis_cli import redis_cli
from checks.runbook.classify.rules_tools import curl, date, find, hostname, nc
from checks.runbook.classify.substitution import (
    CLUSTER_VALUE,
    SUBSTITUTED,
    SUBSTITUTION,
    reads_cluster_state,
    substitution_effect,
)
from checks.runbook.classify.tables_kube import (
    KUBECTL_FLAGS,
    KUBECTL_READ,
    KUBECTL_SUBVERBS,
    KUBECTL_TTY,
    KUBECTL_VALUED,
    KUBECTL_WRITE,
    KUBECTL_WRITES_LOCAL_FILES,
)
from checks.runbook.classify.tables_shell import (
    ANY_ARGS_READ,
    FILTERS,
    SHELL_WRITE,
    WATCH_FLAGS,
    XARGS_FLAGS,
    XARGS_VALUED,
)
from checks.runbook.model import CommandClass as K

# ------------------------------------------------------------------ substitutions


def classify_text(text: str) -> list[K]:
    try:
        text, classes = _substitute(text)
        if any(left in text for left in ("$(", "`", "<(", ">(")):
            return [*classes, K.UNKNOWN]  # a substitution nested in a way the pattern cannot take apart
        return [*_script(text), *classes]
    except UnknownCommand:
        return [K.UNKNOWN]


def _substitute(text: str) -> tuple[str, list[K]]:
    """Classify each command substitution on its own and leave a word standing for its output."""
    classes: list[K] = []
    while match := SUBSTITUTION.search(text):
        inner = next(group for group in match.groups() if group is not None)
        inner_classes = classify_text(inner)
        classes += substitution_effect(inner_classes)
        value = CLUSTER_VALUE if reads_cluster_state(inner, inner_classes) else SUBSTITUTED
        text = text[: match.start()] + value + text[match.end() :]
    return text, classes


# ------------------------------------------------------------------ lists, pipelines and redirections


def _split(tokens: list[Token], separators: set[str]) -> list[list[Token]]:
    parts: list[list[Token]] = [[]]
    for token in tokens:
        if isinstance(token, str) and token in separators:
            parts.append([])
        else:
            parts[-1].append(token)
    return parts


def _script(text: str) -> list[K]:
    """Classes of a shell script: every command of every list and pipeline in it."""
    tokens = lex(text)
    sequence = {op for op in OPERATORS if op not in REDIRECTS and op not in PIPES}
    classes: list[K] = []
    for pipeline in _split(tokens, sequence):
        if not pipeline:
            continue
        stages = _split(pipeline, PIPES)
        for index, stage in enumerate(stages):
            classes += _stage(stage, piped=index > 0) if stage else [K.UNKNOWN]
    return classes or [K.UNKNOWN]


def _stage(tokens: list[Token], piped: bool) -> list[K]:
    """One simple command: its redirections, then the program it runs."""
    words: list[Word] = []
    classes: list[K] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if isinstance(token, Word):
            words.append(token)
            i += 1
            continue
        target = tokens[i + 1] if i + 1 < len(tokens) else None
        if not isinstance(target, Word):
            return [K.UNKNOWN]
        if _redirect_writes(token, target):
            classes.append(K.MUTATING)
        i += 2
    if not words:
        return classes or [K.UNKNOWN]
    return [*classes, *_program(words, piped)]


def _redirect_writes(operator: str, target: Word) -> bool:
    if operator in INPUT_REDIRECTS:
        return False
    if operator == ">&" and not target.dynamic and re.fullmatch(r"\d+|-", target.text):
        return False  # `2>&1`, `>&-`: a stream joined or closed, no file
    return target.dynamic or target.text not in HARMLESS_TARGETS


# ------------------------------------------------------------------ programs


def _program(words: list[Word], piped: bool = False) -> list[K]:
    """Classes of one program run with its arguments (on the host, or in a container via exec)."""
    program, args = words[0], words[1:]
    if program.dynamic or not program.text or "/" in program.text:
        return [K.UNKNOWN]  # a program named by a variable or a path could be anything
    name = program.text
    if name in DELEGATING:
        classes = DELEGATING[name](args)
    elif name in CHECKED:
        classes = _unless_dynamic(args, CHECKED[name]([a.text for a in args]))
    elif name in ANY_ARGS_READ:
        classes = [K.READ_ONLY]
    elif name in SHELL_WRITE:
        classes = [K.MUTATING]
    else:
        classes = [K.UNKNOWN]
    return _after_pipe(name, classes) if piped else classes


def _unless_dynamic(args: list[Word], classes: list[K]) -> list[K]:
    """A computed argument could be any option (`find /data $(echo -delete)`): not proven, unless already a write."""
    if K.MUTATING in classes or not any(a.dynamic for a in args):
        return classes
    return [K.UNKNOWN]


def _after_pipe(name: str, classes: list[K]) -> list[K]:
    # Anything but a filter may read its stdin as commands (`| sh`, `| redis-cli`, `| kubectl apply -f -`).
    if name in FILTERS or name == "xargs":
        return classes
    return [K.UNKNOWN] if K.UNKNOWN in classes and K.MUTATING not in classes else [K.MUTATING]


# ------------------------------------------------------------------ kubectl (exec runs a program)


def _kubectl(args: list[Word]) -> list[K]:
    own, inner = _split_at_double_dash(args)
    return _unless_dynamic(own, _kubectl_own([w.text for w in own], inner))


def _split_at_double_dash(args: list[Word]) -> tuple[list[Word], list[Word]]:
    for i, word in enumerate(args):
        if word.text == "--" and not word.dynamic:
            return args[:i], args[i + 1 :]
    return args, []


def _kubectl_own(texts: list[str], inner: list[Word]) -> list[K]:
    if any(t.split("=", 1)[0] in KUBECTL_WRITES_LOCAL_FILES for t in texts):
        return [K.MUTATING]
    verb_at = first_positional(texts, KUBECTL_VALUED, KUBECTL_FLAGS)
    if verb_at is None:
        return [K.UNKNOWN]
    verb, rest = texts[verb_at], texts[verb_at + 1 :]
    interactive = verb in {"edit", "attach"} or any(t in KUBECTL_TTY for t in texts)
    return ([K.INTERACTIVE] if interactive else []) + _kubectl_verb(verb, rest, inner)


def _kubectl_verb(verb: str, rest: list[str], inner: list[Word]) -> list[K]:
    if verb == "exec":
        return _program(inner) if inner else [K.UNKNOWN]  # without `--` the command cannot be told from the pod
    if verb == "top":
        return [K.NEEDS_ADDON, K.READ_ONLY]
    if verb == "port-forward":
        return [K.LONG_RUNNING, K.READ_ONLY]
    if verb == "cluster-info":
        # `cluster-info dump` prints; with --output-directory it writes files.
        return [K.MUTATING] if any(t.startswith("--output-directory") for t in rest) else [K.READ_ONLY]
    if verb in KUBECTL_SUBVERBS:
        read, write = KUBECTL_SUBVERBS[verb]
        sub_at = first_positional(rest, KUBECTL_VALUED, KUBECTL_FLAGS)
        sub = rest[sub_at] if sub_at is not None else ""
        return [K.READ_ONLY] if sub in read else [K.MUTATING] if sub in write else [K.UNKNOWN]
    if verb in KUBECTL_READ:
        return [K.READ_ONLY]
    if verb in KUBECTL_WRITE:
        return [K.MUTATING]
    return [K.UNKNOWN]  # a plugin or a verb this classifier was not taught


# ------------------------------------------------------------------ programs that run another command


def _shell(args: list[Word]) -> list[K]:
    if not args:
        return [K.INTERACTIVE]
    flag = args[0]
    if not flag.dynamic and re.fullmatch(r"-[elux]*c[elux]*", flag.text) and len(args) > 1:
        script = args[1]
        return [K.UNKNOWN] if script.dynamic else classify_text(script.text)
    return [K.UNKNOWN]  # a script file, or stdin: what it runs is not in the runbook


def _env(args: list[Word]) -> list[K]:
    """`env` alone prints; `env PROG ...` runs PROG, which decides."""
    assigns, i = False, 0
    while i < len(args):
        word = args[i]
        if word.dynamic:
            return [K.UNKNOWN]
        if word.text in ("-i", "--ignore-environment", "-0", "--null", "-"):
            i += 1
        elif word.text in ("-u", "--unset"):
            if not static(args[i + 1 : i + 2]):
                return [K.UNKNOWN]
            i += 2
        elif word.text.startswith("--unset="):
            i += 1
        elif word.text.startswith("-"):
            return [K.UNKNOWN]
        elif "=" in word.text:
            assigns, i = True, i + 1
        else:
            break
    if i >= len(args):
        return [K.READ_ONLY]
    classes = _program(args[i:])
    # A variable can change what the program does (PATH, LD_PRELOAD): only a write is certain.
    return [K.MUTATING] if assigns and K.MUTATING in classes else [K.UNKNOWN] if assigns else classes


def _xargs(args: list[Word]) -> list[K]:
    """xargs runs its program with arguments read from stdin: classify it with an argument the text does not show."""
    replace, i = None, 0
    while i < len(args) and args[i].text.startswith("-"):
        option = args[i]
        if option.dynamic:
            return [K.UNKNOWN]
        if option.text in XARGS_VALUED:
            if not static(args[i + 1 : i + 2]):
                return [K.UNKNOWN]
            replace = args[i + 1].text if option.text == "-I" and i + 1 < len(args) else replace
            i += 2
        elif option.text in XARGS_FLAGS or "=" in option.text:
            i += 1
        elif re.fullmatch(r"-[nLPsdEaI].+", option.text):
            replace = option.text[2:] if option.text.startswith("-I") else replace
            i += 1
        else:
            return [K.UNKNOWN]
    command = args[i:] or [Word("echo")]
    marked = [Word(w.text, w.dynamic or (replace is not None and replace in w.text)) for w in command]
    return _program([*marked, Word("$STDIN", dynamic=True)])


def _watch(args: list[Word]) -> list[K]:
    """watch re-runs its command every few seconds: `sh -c` of its arguments joined, or them as-is with -x."""
    exec_mode, i = False, 0
    while i < len(args) and args[i].text.startswith("-"):
        option = args[i]
        if option.dynamic:
            return [K.UNKNOWN]
        if option.text in ("-n", "--interval"):
            if not static(args[i + 1 : i + 2]):
                return [K.UNKNOWN]
            i += 2
            continue
        if option.text in ("-x", "--exec"):
            exec_mode = True
        elif not (option.text in WATCH_FLAGS or re.fullmatch(r"-n[\d.]+|--interval=[\d.]+", option.text)):
            return [K.UNKNOWN]
        i += 1
    command = args[i:]
    if not command:
        return [K.UNKNOWN]
    inner = _program(command) if exec_mode else classify_text(" ".join(w.text for w in command))
    return [K.LONG_RUNNING, *inner]


# ------------------------------------------------------------------ rule tables

# Programs that classify their own words (they run another command, or read options per word).
DELEGATING: dict[str, Callable[[list[Word]], list[K]]] = {
    "kubectl": _kubectl,
    "redis-cli": redis_cli,
    "sh": _shell,
    "bash": _shell,
    "env": _env,
    "xargs": _xargs,
    "watch": _watch,
}
# Programs judged on their argument texts; a computed argument makes them UNKNOWN.
CHECKED: dict[str, Callable[[list[str]], list[K]]] = {
    "flux": flux,
    "helm": helm,
    "curl": curl,
    "find": find,
    "date": date,
    "hostname": hostname,
    "nc": nc,
    "sort": sort,
    "uniq": uniq,
    "awk": awk,
    "sed": sed,
}
