"""Classify a documented shell command. An unknown program or verb is an error, never a silent skip."""

from __future__ import annotations

import re
import shlex

from checks.runbook.model import CommandClass as K

PLACEHOLDER = re.compile(r"<([A-Za-z][A-Za-z0-9_-]*)>")
SUBSTITUTION = re.compile(r"\$\(([^()]*)\)")

KUBECTL_READ = {
    "get",
    "describe",
    "logs",
    "explain",
    "api-resources",
    "api-versions",
    "version",
    "auth",
    "events",
    "cluster-info",
    "wait",
}
KUBECTL_WRITE = {
    "delete",
    "cordon",
    "uncordon",
    "drain",
    "apply",
    "patch",
    "scale",
    "label",
    "annotate",
    "set",
    "create",
    "replace",
    "taint",
    "expose",
    "run",
    "cp",
    "debug",
}
FLUX_READ = {"get", "check", "logs", "stats", "tree", "trace", "events", "version", "diff", "export"}
FLUX_WRITE = {"suspend", "resume", "reconcile", "create", "delete", "install", "uninstall", "bootstrap"}
REDIS_READ = {
    "ping",
    "info",
    "config get",
    "lastsave",
    "client list",
    "dbsize",
    "slowlog get",
    "memory usage",
    "memory stats",
    "time",
    "role",
    "--version",
    "-v",
    "exists",
    "get",
    "ttl",
    "type",
    "scan",
}
REDIS_WRITE = {
    "save",
    "bgsave",
    "bgrewriteaof",
    "config set",
    "config rewrite",
    "flushall",
    "flushdb",
    "shutdown",
    "debug",
    "set",
    "del",
    "client kill",
    "--rdb",
}
REDIS_ENDLESS = {"--latency", "--latency-history", "--latency-dist", "--stat", "monitor", "subscribe", "psubscribe"}
SHELL_WRITE = {"rm", "mv", "cp", "touch", "truncate", "fallocate", "dd", "kill", "chmod", "chown", "mkdir", "tee"}
FILTERS = {"grep", "tail", "head", "sort", "uniq", "wc", "awk", "cut", "jq", "less", "column", "tr"}
SHELL_READ = {
    "cat",
    "ls",
    "df",
    "du",
    "nc",
    "env",
    "ps",
    "id",
    "which",
    "test",
    "echo",
    "date",
    "hostname",
    "stat",
    "find",
    "free",
    "uptime",
    "getent",
    "nslookup",
    "ping",
    "true",
}


class UnknownCommand(Exception):
    """The classifier does not know what a documented command does; teach it rather than skip it."""


def classify(text: str) -> tuple[tuple[K, ...], tuple[str, ...]]:
    """(classes, placeholders) of one command line; the first class is the one that decides handling."""
    placeholders = tuple(dict.fromkeys(PLACEHOLDER.findall(text)))
    classes: list[K] = []
    for inner in SUBSTITUTION.findall(text):
        inner_classes = _pipeline(inner)
        if K.MUTATING in inner_classes:
            classes.append(K.MUTATING)
    classes = [*_pipeline(SUBSTITUTION.sub("SUBSTITUTED", text)), *classes]
    if placeholders:
        classes.append(K.PLACEHOLDER)
    return _ordered(classes), placeholders


def _ordered(classes: list[K]) -> tuple[K, ...]:
    # The deciding class first: a write outranks a read, and how it runs outranks what it does.
    priority = [K.INTERACTIVE, K.LONG_RUNNING, K.MUTATING, K.PLACEHOLDER, K.NEEDS_ADDON, K.READ_ONLY]
    unique = set(classes)
    return tuple(k for k in priority if k in unique)


def _split_unquoted(text: str, separators: tuple[str, ...]) -> list[str]:
    parts, quote, start, i = [], "", 0, 0
    while i < len(text):
        ch = text[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        else:
            for sep in separators:
                if text.startswith(sep, i):
                    parts.append(text[start:i])
                    start = i + len(sep)
                    i = start - 1
                    break
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _pipeline(text: str) -> list[K]:
    classes: list[K] = []
    for command in _split_unquoted(text, ("&&", "||", ";")):
        stages = _split_unquoted(command, ("|",))
        classes += _simple(stages[0])
        for stage in stages[1:]:
            words = _words(stage)
            if words[0] not in FILTERS:
                raise UnknownCommand(f"`{stage}` after a pipe is not a known output filter: {text!r}")
    return classes


def _words(text: str) -> list[str]:
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise UnknownCommand(f"cannot split {text!r} into words: {exc}") from None
    if not words:
        raise UnknownCommand(f"empty command in {text!r}")
    return words


def _simple(text: str) -> list[K]:
    words = _words(text)
    program, args = words[0], words[1:]
    if program == "watch":
        return [K.LONG_RUNNING, *_simple(shlex.join(a for a in args if not a.startswith("-")))]
    if program == "kubectl":
        return _kubectl(args)
    if program == "flux":
        return _flux(args)
    if program == "helm":
        return [K.READ_ONLY] if args[:1] and args[0] in {"list", "status", "get", "history", "show"} else [K.MUTATING]
    if program == "curl":
        return [K.READ_ONLY]
    return _in_container(words)


def _kubectl(args: list[str]) -> list[K]:
    verbs = [a for a in args if not a.startswith("-")]
    if not verbs:
        raise UnknownCommand(f"kubectl without a verb: kubectl {' '.join(args)}")
    verb = verbs[0]
    interactive = any(a in {"-it", "-ti", "-t", "--tty"} for a in args) or verb in {"edit", "attach"}
    classes: list[K] = [K.INTERACTIVE] if interactive else []
    if verb == "exec":
        inner = args[args.index("--") + 1 :] if "--" in args else []
        return classes + (_in_container(inner) if inner else [K.READ_ONLY])
    if verb == "top":
        return [*classes, K.NEEDS_ADDON, K.READ_ONLY]
    if verb == "port-forward":
        return [*classes, K.LONG_RUNNING, K.READ_ONLY]
    if verb == "rollout":
        sub = verbs[1] if len(verbs) > 1 else ""
        return classes + ([K.READ_ONLY] if sub in {"status", "history"} else [K.MUTATING])
    if verb == "config":
        return classes + (
            [K.READ_ONLY] if verbs[1:2] in (["view"], ["get-contexts"], ["current-context"]) else [K.MUTATING]
        )
    if verb == "edit":
        return [*classes, K.MUTATING]
    if verb in KUBECTL_READ:
        return [*classes, K.READ_ONLY]
    if verb in KUBECTL_WRITE:
        return [*classes, K.MUTATING]
    raise UnknownCommand(f"unknown kubectl verb {verb!r}")


def _flux(args: list[str]) -> list[K]:
    verb = next((a for a in args if not a.startswith("-")), "")
    if verb in FLUX_READ:
        return [K.READ_ONLY]
    if verb in FLUX_WRITE:
        return [K.MUTATING]
    raise UnknownCommand(f"unknown flux verb {verb!r}")


def _in_container(words: list[str]) -> list[K]:
    """A command run inside a container (kubectl exec ... -- CMD) or on its own."""
    program, args = words[0], words[1:]
    if program in {"sh", "bash"} and args[:1] == ["-c"] and len(args) > 1:
        return _pipeline(args[1])
    if program in {"sh", "bash"} and not args:
        return [K.INTERACTIVE]
    if program == "redis-cli":
        return _redis_cli(args)
    if program in SHELL_READ:
        return [K.READ_ONLY]
    if program in SHELL_WRITE:
        return [K.MUTATING]
    raise UnknownCommand(f"unknown program {program!r}")


def _redis_cli(args: list[str]) -> list[K]:
    options_with_value = {"-h", "-p", "-a", "-n", "-u", "--user", "--pass", "-i", "-r"}
    rest, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in options_with_value:
            skip = True
        else:
            rest.append(arg)
    if any(a in REDIS_ENDLESS for a in rest):
        return [K.LONG_RUNNING, K.READ_ONLY]
    if "--rdb" in rest:
        return [K.MUTATING]
    words = [a.lower() for a in rest]
    for size in (2, 1):
        name = " ".join(words[:size])
        if name in REDIS_WRITE:
            return [K.MUTATING]
        if name in REDIS_READ:
            return [K.READ_ONLY]
    raise UnknownCommand(f"unknown redis-cli command {' '.join(rest)!r}")
