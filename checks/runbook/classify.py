"""Classify a documented shell command. An allow-list: only what is proven read-only is READ_ONLY.

A command is read as bash reads it: sequences, pipes, redirections, quoting and substitutions. Each
program is looked up in the tables below; a known write is MUTATING, and a program, verb or option
the classifier does not know is UNKNOWN (never run, reported), never a silent READ_ONLY.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from checks.runbook.model import CommandClass as K

PLACEHOLDER = re.compile(r"<([A-Za-z][A-Za-z0-9_-]*)>")
# `$(...)`, process substitution `<(...)`/`>(...)` and backticks; innermost first, since [^()] excludes nesting.
SUBSTITUTION = re.compile(r"\$\(([^()]*)\)|[<>]\(([^()]*)\)|`([^`]*)`")
# What a substitution leaves in the text: its output, which bash computes when the command runs.
SUBSTITUTED = "$__SUBSTITUTED__"
# The output of `kubectl get -o name` or of a jsonpath of field paths only: names and fields of cluster
# objects, which a runbook cannot choose without a write first, so they count as plain arguments
# (`kubectl describe node $(kubectl get pod ... -o jsonpath='{.spec.nodeName}')`). Any other output
# can print text of the runbook's choosing (`-o jsonpath='-delete'`, `{"-delete"}`, go-template).
CLUSTER_VALUE = "__CLUSTER_VALUE__"
JSONPATH_FIELDS = re.compile(r"(\{\.[A-Za-z0-9_.\[\]*-]*\})+")
PLACEHOLDER_VALUE = "__PLACEHOLDER__"

RUNS_WHILE_READING = (K.READ_ONLY, K.NEEDS_ADDON, K.PLACEHOLDER)

# ------------------------------------------------------------------ kubectl, flux, helm

KUBECTL_READ = {"get", "describe", "logs", "explain", "api-resources", "api-versions", "version", "events", "wait"}
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
    "edit",
    "attach",
    "proxy",
    "autoscale",
    "certificate",
}
# verb -> (read sub-verbs, write sub-verbs); any other sub-verb is unknown.
KUBECTL_SUBVERBS = {
    "rollout": ({"status", "history"}, {"restart", "undo", "pause", "resume"}),
    "auth": ({"can-i", "whoami"}, {"reconcile"}),
    "config": (
        {"view", "get-contexts", "current-context", "get-clusters", "get-users"},
        {
            "use-context",
            "use",
            "set-context",
            "set-cluster",
            "set-credentials",
            "set",
            "unset",
            "delete-context",
            "delete-cluster",
            "delete-user",
            "rename-context",
        },
    ),
}
KUBECTL_VALUED = {
    "-n",
    "--namespace",
    "--context",
    "--kubeconfig",
    "--cluster",
    "--user",
    "-s",
    "--server",
    "--token",
    "--as",
    "--as-group",
    "--as-uid",
    "--request-timeout",
    "--cache-dir",
    "--certificate-authority",
    "--client-certificate",
    "--client-key",
    "--tls-server-name",
    "--password",
    "--username",
    "--profile",
    "--profile-output",
    "-v",
    "--v",
    "--vmodule",
    "--log-flush-frequency",
    "-l",
    "--selector",
    "-o",
    "--output",
    "-c",
    "--container",
    "-f",
    "--filename",
    "--field-selector",
    "--sort-by",
    "--tail",
    "--since",
    "--timeout",
    "--for",
}
KUBECTL_FLAGS = {
    "--insecure-skip-tls-verify",
    "--match-server-version",
    "--warnings-as-errors",
    "--disable-compression",
    "-A",
    "--all-namespaces",
    "-w",
    "--watch",
    "-i",
    "--stdin",
    "-t",
    "--tty",
    "-it",
    "-ti",
    "-q",
    "--quiet",
}
KUBECTL_TTY = {"-it", "-ti", "-t", "--tty"}
KUBECTL_WRITES_LOCAL_FILES = ("--profile-output", "--log-file", "--log-dir")

FLUX_READ = {"get", "check", "logs", "stats", "tree", "trace", "events", "version", "diff", "export"}
FLUX_WRITE = {"suspend", "resume", "reconcile", "create", "delete", "install", "uninstall", "bootstrap", "push", "tag"}
FLUX_VALUED = {"-n", "--namespace", "--context", "--kubeconfig", "--timeout", "--cluster", "--user", "--token"}
FLUX_FLAGS = {"--verbose", "--insecure-skip-tls-verify", "-A", "--all-namespaces"}

HELM_READ = {"list", "ls", "status", "get", "history", "hist", "show", "version"}
HELM_WRITE = {
    "install",
    "upgrade",
    "uninstall",
    "delete",
    "del",
    "un",
    "rollback",
    "test",
    "repo",
    "plugin",
    "push",
    "pull",
    "package",
    "dependency",
    "create",
    "registry",
}
HELM_VALUED = {"-n", "--namespace", "--kube-context", "--kubeconfig", "--kube-apiserver", "--kube-token"}
HELM_FLAGS = {"--debug", "-A", "--all-namespaces"}

# ------------------------------------------------------------------ redis-cli

REDIS_READ = {
    "ping",
    "info",
    "config get",
    "client list",
    "client info",
    "client getname",
    "lastsave",
    "dbsize",
    "slowlog get",
    "slowlog len",
    "memory usage",
    "memory stats",
    "time",
    "role",
    "exists",
    "get",
    "ttl",
    "pttl",
    "type",
    "scan",
}
REDIS_WRITE = {
    "save",
    "bgsave",
    "bgrewriteaof",
    "config set",
    "config rewrite",
    "config resetstat",
    "flushall",
    "flushdb",
    "shutdown",
    "debug",
    "set",
    "setex",
    "psetex",
    "setnx",
    "mset",
    "getset",
    "getdel",
    "getex",
    "append",
    "incr",
    "incrby",
    "decr",
    "decrby",
    "del",
    "unlink",
    "expire",
    "pexpire",
    "persist",
    "rename",
    "move",
    "copy",
    "restore",
    "migrate",
    "swapdb",
    "hset",
    "hdel",
    "lpush",
    "rpush",
    "lpop",
    "rpop",
    "sadd",
    "srem",
    "zadd",
    "zrem",
    "xadd",
    "eval",
    "evalsha",
    "fcall",
    "script",
    "function",
    "acl",
    "module",
    "replicaof",
    "slaveof",
    "failover",
    "client kill",
    "client pause",
    "client no-evict",
    "slowlog reset",
    "latency reset",
    "memory purge",
}
# Commands whose meaning is in their sub-command (`config get` reads, `config set` writes).
REDIS_CONTAINERS = {"config", "client", "slowlog", "memory", "latency", "object", "command", "cluster", "pubsub"}
REDIS_ENDLESS = {"monitor", "subscribe", "psubscribe", "ssubscribe"}
REDIS_ENDLESS_OPTIONS = {"--latency", "--latency-history", "--latency-dist", "--stat"}
# --rdb and --replica make the server dump its dataset (a BGSAVE on /data); the rest run or load code.
REDIS_WRITE_OPTIONS = {
    "--rdb",
    "--functions-rdb",
    "--pipe",
    "--pipe-timeout",
    "--eval",
    "--ldb",
    "--ldb-sync-mode",
    "--lru-test",
    "--cluster",
    "--replica",
}
REDIS_VALUED_OPTIONS = {
    "-h",
    "-p",
    "-a",
    "-n",
    "-u",
    "-s",
    "-i",
    "-r",
    "-d",
    "-D",
    "-t",
    "--user",
    "--pass",
    "--sni",
    "--cacert",
    "--cacertdir",
    "--cert",
    "--key",
    "--tls-ciphers",
    "--tls-ciphersuites",
}
REDIS_FLAG_OPTIONS = {
    "--raw",
    "--no-raw",
    "--csv",
    "--json",
    "--quoted-json",
    "--tls",
    "--insecure",
    "--askpass",
    "--no-auth-warning",
    "--verbose",
    "--show-pushes",
    "--quoted-input",
    "-c",
    "-e",
    "-x",
    "-2",
    "-3",
}

# ------------------------------------------------------------------ shell programs

# Read-only whatever their arguments: none of their options writes a file or runs a program.
ANY_ARGS_READ = {
    "cat",
    "ls",
    "df",
    "du",
    "stat",
    "head",
    "tail",
    "id",
    "ps",
    "free",
    "uptime",
    "which",
    "test",
    "[",
    "true",
    "echo",
    "getent",
    "nslookup",
    "grep",
    "egrep",
    "fgrep",
    "wc",
    "cut",
    "column",
    "tr",
    "jq",
}
SHELL_WRITE = {
    "rm",
    "rmdir",
    "mv",
    "cp",
    "dd",
    "truncate",
    "fallocate",
    "touch",
    "kill",
    "pkill",
    "killall",
    "chmod",
    "chown",
    "chgrp",
    "mkdir",
    "ln",
    "tee",
    "shred",
    "unlink",
    "install",
    "mkfifo",
    "mknod",
    "patch",
    "reboot",
    "shutdown",
}
# The only programs allowed after a pipe: they read stdin as data, never as commands.
FILTERS = {"grep", "egrep", "fgrep", "tail", "head", "sort", "uniq", "wc", "awk", "cut", "jq", "column", "tr", "sed"}
FIND_WRITE = {"-delete", "-exec", "-execdir", "-ok", "-okdir", "-fprint", "-fprint0", "-fprintf", "-fls"}
HOSTNAME_READ = {
    "-f",
    "--fqdn",
    "--long",
    "-s",
    "--short",
    "-d",
    "--domain",
    "-i",
    "--ip-address",
    "-I",
    "--all-ip-addresses",
    "-A",
    "--all-fqdns",
    "-a",
    "--alias",
}
AWK_WRITE = re.compile(r"system\s*\(|[>|]|@\s*(load|include)")
XARGS_VALUED = {"-n", "-L", "-P", "-s", "-d", "-E", "-a", "-I", "--max-args", "--max-procs", "--arg-file"}
XARGS_FLAGS = {"-0", "-r", "-t", "-x", "--null", "--no-run-if-empty", "--verbose", "--exit"}
WATCH_FLAGS = {"-d", "--differences", "-t", "--no-title", "-b", "--beep", "-e", "--errexit", "-g", "--chgexit", "-c"}

# ------------------------------------------------------------------ curl

CURL_WRITE_SHORT = set("XdFToOKDcQa")
CURL_FLAG_SHORT = set("sSfLviIkgGN46qjpVMZ#0123n")
CURL_VALUED_SHORT = set("HmuAexrbwEUYyzCt")
CURL_WRITE_LONG = {
    "--request",
    "--json",
    "--upload-file",
    "--output",
    "--output-dir",
    "--create-dirs",
    "--remote-name",
    "--remote-name-all",
    "--remote-header-name",
    "--config",
    "--dump-header",
    "--cookie-jar",
    "--trace",
    "--trace-ascii",
    "--libcurl",
    "--stderr",
    "--etag-save",
    "--hsts",
    "--alt-svc",
    "--quote",
    "--append",
    "--ftp-create-dirs",
}
CURL_FLAG_LONG = {
    "--silent",
    "--show-error",
    "--fail",
    "--fail-with-body",
    "--fail-early",
    "--location",
    "--location-trusted",
    "--verbose",
    "--include",
    "--head",
    "--insecure",
    "--globoff",
    "--get",
    "--no-buffer",
    "--compressed",
    "--http1.0",
    "--http1.1",
    "--http2",
    "--ipv4",
    "--ipv6",
    "--no-progress-meter",
    "--progress-bar",
    "--raw",
    "--no-keepalive",
    "--path-as-is",
    "--retry-connrefused",
    "--retry-all-errors",
}
CURL_VALUED_LONG = {
    "--header",
    "--max-time",
    "--connect-timeout",
    "--user",
    "--user-agent",
    "--referer",
    "--proxy",
    "--range",
    "--cookie",
    "--write-out",
    "--cert",
    "--cacert",
    "--capath",
    "--key",
    "--url",
    "--retry",
    "--retry-delay",
    "--retry-max-time",
    "--resolve",
    "--connect-to",
    "--unix-socket",
    "--noproxy",
    "--max-redirs",
    "--oauth2-bearer",
}
HTTP_URL = re.compile(r"https?://", re.IGNORECASE)
ANY_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")

# ------------------------------------------------------------------ lexing

# Longest first, so `&&` is not read as two `&` and `2>&1` keeps its `>&`.
OPERATORS = (
    "<<<",
    "<<-",
    "&>>",
    "&&",
    "||",
    ";;",
    "|&",
    "<<",
    ">>",
    ">|",
    "<>",
    ">&",
    "<&",
    "&>",
    ";",
    "&",
    "|",
    "(",
    ")",
    ">",
    "<",
)
REDIRECTS = {"<<<", "<<-", "&>>", "<<", ">>", ">|", "<>", ">&", "<&", "&>", ">", "<"}
INPUT_REDIRECTS = {"<", "<<", "<<-", "<<<", "<&"}
PIPES = {"|", "|&"}
HARMLESS_TARGETS = {"/dev/null", "/dev/stdout", "/dev/stderr"}
# Unquoted globs and brace expansions: bash turns them into words the text does not show.
EXPANDS = re.compile(r"[*?]|\[[^\]]*\]|\{[^{}]*(,|\.\.)[^{}]*\}")


class UnknownCommand(Exception):
    """Text the classifier cannot read as shell (an unclosed quote); classified UNKNOWN, never raised out."""


@dataclass(frozen=True)
class Word:
    """A shell word after quote removal; `dynamic` when bash computes part of it only when it runs."""

    text: str
    dynamic: bool = False


Token = Word | str  # a word, or an operator


def classify(text: str) -> tuple[tuple[K, ...], tuple[str, ...]]:
    """(classes, placeholders) of one command line; the first class is the one that decides handling."""
    placeholders = tuple(dict.fromkeys(PLACEHOLDER.findall(text)))
    # The executor fills `<name>` with a live name before running, so it is a plain word here, not `<`.
    classes = _classify_text(PLACEHOLDER.sub(PLACEHOLDER_VALUE, text))
    if placeholders:
        classes.append(K.PLACEHOLDER)
    return _ordered(classes), placeholders


def _ordered(classes: list[K]) -> tuple[K, ...]:
    # The deciding class first: a write outranks a read, and how it runs outranks what it does.
    # An unknown part outranks the read parts: the command is not proven read-only.
    priority = [K.INTERACTIVE, K.LONG_RUNNING, K.MUTATING, K.UNKNOWN, K.PLACEHOLDER, K.NEEDS_ADDON, K.READ_ONLY]
    unique = set(classes) or {K.UNKNOWN}
    return tuple(k for k in priority if k in unique)


def _classify_text(text: str) -> list[K]:
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
        inner_classes = _classify_text(inner)
        classes += _substitution_effect(inner_classes)
        value = CLUSTER_VALUE if _reads_cluster_state(inner, inner_classes) else SUBSTITUTED
        text = text[: match.start()] + value + text[match.end() :]
    return text, classes


def _substitution_effect(inner: list[K]) -> list[K]:
    """What a substitution adds to the command around it: it runs too, so it must be read-only itself."""
    if K.MUTATING in inner:
        return [K.MUTATING]
    if K.UNKNOWN in inner:
        return [K.UNKNOWN]
    if not set(inner) <= set(RUNS_WHILE_READING):
        return [K.MUTATING]  # interactive or endless: not something that may run unattended inside another
    return [K.NEEDS_ADDON] if K.NEEDS_ADDON in inner else []


def _reads_cluster_state(inner: str, inner_classes: list[K]) -> bool:
    if set(inner_classes) != {K.READ_ONLY}:
        return False
    try:
        tokens = _lex(inner)
    except UnknownCommand:
        return False
    if not tokens or not all(isinstance(t, Word) and not t.dynamic for t in tokens):
        return False
    texts = [t.text for t in tokens if isinstance(t, Word)]
    verb_at = _first_positional(texts[1:], KUBECTL_VALUED, KUBECTL_FLAGS)
    is_get = texts[0] == "kubectl" and verb_at is not None and texts[1 + verb_at] == "get"
    return is_get and _prints_only_cluster_values(texts)


def _prints_only_cluster_values(texts: list[str]) -> bool:
    formats = [texts[i + 1] for i, t in enumerate(texts[:-1]) if t in ("-o", "--output")]
    formats += [t.split("=", 1)[1] for t in texts if t.startswith(("-o=", "--output="))]
    formats += [t[2:] for t in texts if t.startswith("-o") and len(t) > 2 and not t.startswith("-o=")]
    return len(formats) == 1 and (
        formats[0] == "name"
        or (formats[0].startswith("jsonpath=") and bool(JSONPATH_FIELDS.fullmatch(formats[0][len("jsonpath=") :])))
    )


# ------------------------------------------------------------------ lexing and structure


class _Lexer:
    """Split shell text into words and operators, as bash does before it expands anything."""

    def __init__(self, text: str) -> None:
        self.text, self.i, self.tokens = text, 0, []
        self._new_word()

    def _new_word(self) -> None:
        self.chars: list[str] = []
        self.view: list[str] = []  # the unquoted characters, "\0" for quoted ones: where globs can be
        self.dynamic = self.quoted = self.started = False

    def run(self) -> list[Token]:
        while self.i < len(self.text):
            self._step(self.text[self.i])
        self._finish_word()
        return self.tokens

    def _add(self, text: str, quoted: bool) -> None:
        self.chars.append(text)
        self.view.append("\0" * len(text) if quoted else text)
        self.quoted |= quoted
        self.started = True

    def _step(self, ch: str) -> None:
        if ch in " \t":
            self._finish_word()
            self.i += 1
        elif ch == "\n":
            self._finish_word()
            self.tokens.append(";")
            self.i += 1
        elif ch == "#" and not self.started:
            end = self.text.find("\n", self.i)
            self.i = len(self.text) if end < 0 else end
        elif ch == "\\":
            if self.text[self.i + 1 : self.i + 2] != "\n":
                self._add(self.text[self.i + 1 : self.i + 2], quoted=True)
            self.i += 2
        elif ch == "'":
            end = self.text.find("'", self.i + 1)
            if end < 0:
                raise UnknownCommand(f"unclosed ' in {self.text!r}")
            self._add(self.text[self.i + 1 : end], quoted=True)
            self.i = end + 1
        elif ch == '"':
            self._double_quoted()
        elif ch == "$":
            self.dynamic = True
            self._add("$", quoted=False)
            self.i += 1
        elif operator := next((op for op in OPERATORS if self.text.startswith(op, self.i)), None):
            self._operator(operator)
        else:
            self._add(ch, quoted=False)
            self.i += 1

    def _double_quoted(self) -> None:
        i = self.i + 1
        while i < len(self.text) and self.text[i] != '"':
            if self.text[i] == "\\" and self.text[i + 1 : i + 2] in ("$", "`", '"', "\\", "\n"):
                self._add(self.text[i + 1], quoted=True)
                i += 2
                continue
            self.dynamic |= self.text[i] == "$"
            self._add(self.text[i], quoted=True)
            i += 1
        if i >= len(self.text):
            raise UnknownCommand(f'unclosed " in {self.text!r}')
        self._add("", quoted=True)  # "" is a word of its own
        self.i = i + 1

    def _operator(self, operator: str) -> None:
        is_fd = operator in REDIRECTS and not self.quoted and "".join(self.chars).isdigit()
        if is_fd:  # `2>`: the digits name the stream redirected, they are not an argument
            self._new_word()
        else:
            self._finish_word()
        self.tokens.append(operator)
        self.i += len(operator)

    def _finish_word(self) -> None:
        if self.started:
            dynamic = self.dynamic or bool(EXPANDS.search("".join(self.view)))
            self.tokens.append(Word("".join(self.chars), dynamic))
        self._new_word()


def _lex(text: str) -> list[Token]:
    return _Lexer(text).run()


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
    tokens = _lex(text)
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


def _static(words: list[Word]) -> bool:
    # An unquoted computed word can split into several: an option's value could become a command.
    return not any(w.dynamic for w in words)


def _after_pipe(name: str, classes: list[K]) -> list[K]:
    # Anything but a filter may read its stdin as commands (`| sh`, `| redis-cli`, `| kubectl apply -f -`).
    if name in FILTERS or name == "xargs":
        return classes
    return [K.UNKNOWN] if K.UNKNOWN in classes and K.MUTATING not in classes else [K.MUTATING]


def _first_positional(texts: list[str], valued: set[str], flags: set[str]) -> int | None:
    """Index of the first word that is not an option; None if an option of unknown arity comes first."""
    i = 0
    while i < len(texts):
        text = texts[i]
        if text == "--":
            return None
        if not text.startswith("-") or text == "-":
            return i
        if text in valued:
            i += 2
        elif "=" in text or text in flags:
            i += 1
        else:
            return None
    return None


def _short_letters(word: str, valued: str) -> tuple[str, bool]:
    """Letters of a `-abc` cluster up to the first that takes a value; True if that value is the next word."""
    letters = ""
    for j, letter in enumerate(word[1:], start=1):
        letters += letter
        if letter in valued:
            return letters, j == len(word) - 1
    return letters, False


def _is_short_cluster(text: str) -> bool:
    return text.startswith("-") and not text.startswith("--") and len(text) > 1


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
    verb_at = _first_positional(texts, KUBECTL_VALUED, KUBECTL_FLAGS)
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
        sub_at = _first_positional(rest, KUBECTL_VALUED, KUBECTL_FLAGS)
        sub = rest[sub_at] if sub_at is not None else ""
        return [K.READ_ONLY] if sub in read else [K.MUTATING] if sub in write else [K.UNKNOWN]
    if verb in KUBECTL_READ:
        return [K.READ_ONLY]
    if verb in KUBECTL_WRITE:
        return [K.MUTATING]
    return [K.UNKNOWN]  # a plugin or a verb this classifier was not taught


def _by_verb(texts: list[str], valued: set[str], flags: set[str], read: set[str], write: set[str]) -> list[K]:
    verb_at = _first_positional(texts, valued, flags)
    verb = texts[verb_at] if verb_at is not None else ""
    return [K.READ_ONLY] if verb in read else [K.MUTATING] if verb in write else [K.UNKNOWN]


def _flux(texts: list[str]) -> list[K]:
    return _by_verb(texts, FLUX_VALUED, FLUX_FLAGS, FLUX_READ, FLUX_WRITE)


def _helm(texts: list[str]) -> list[K]:
    return _by_verb(texts, HELM_VALUED, HELM_FLAGS, HELM_READ, HELM_WRITE)


def _redis_cli(args: list[Word]) -> list[K]:
    endless, i = False, 0
    while i < len(args) and args[i].text.startswith("-"):
        option = args[i]
        if option.text in REDIS_WRITE_OPTIONS:
            return [K.MUTATING]
        if option.dynamic:
            return [K.UNKNOWN]
        if option.text in ("--version", "-v"):
            return [K.READ_ONLY]
        if option.text in REDIS_VALUED_OPTIONS:
            if not _static(args[i + 1 : i + 2]):
                return [K.UNKNOWN]
            i += 2
            continue
        if option.text not in REDIS_FLAG_OPTIONS | REDIS_ENDLESS_OPTIONS:
            return [K.UNKNOWN]
        endless |= option.text in REDIS_ENDLESS_OPTIONS
        i += 1
    if endless:
        return [K.LONG_RUNNING, K.READ_ONLY]
    if i >= len(args):
        return [K.INTERACTIVE]  # the redis-cli prompt, which would read commands from stdin
    return _redis_command(args[i:])


def _redis_command(words: list[Word]) -> list[K]:
    """One Redis command: its name (and sub-command) decide; the arguments after them are keys and values."""
    if words[0].dynamic:
        return [K.UNKNOWN]
    name = words[0].text.lower()
    if name in REDIS_ENDLESS:
        return [K.LONG_RUNNING, K.READ_ONLY]
    if name in REDIS_CONTAINERS:
        if len(words) < 2 or words[1].dynamic:
            return [K.UNKNOWN]
        name = f"{name} {words[1].text.lower()}"
    if name in REDIS_WRITE:
        return [K.MUTATING]
    if name in REDIS_READ:
        return [K.READ_ONLY]
    return [K.UNKNOWN]


def _shell(args: list[Word]) -> list[K]:
    if not args:
        return [K.INTERACTIVE]
    flag = args[0]
    if not flag.dynamic and re.fullmatch(r"-[elux]*c[elux]*", flag.text) and len(args) > 1:
        script = args[1]
        return [K.UNKNOWN] if script.dynamic else _classify_text(script.text)
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
            if not _static(args[i + 1 : i + 2]):
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
            if not _static(args[i + 1 : i + 2]):
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
            if not _static(args[i + 1 : i + 2]):
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
    inner = _program(command) if exec_mode else _classify_text(" ".join(w.text for w in command))
    return [K.LONG_RUNNING, *inner]


def _find(texts: list[str]) -> list[K]:
    return [K.MUTATING] if any(t in FIND_WRITE for t in texts) else [K.READ_ONLY]


def _date(texts: list[str]) -> list[K]:
    """date prints, unless told to set the clock: -s/--set, or a bare MMDDhhmm argument."""
    i = 0
    while i < len(texts):
        text = texts[i]
        if text.startswith("--set"):
            return [K.MUTATING]
        if text in ("--date", "--file", "--reference"):
            i += 2
            continue
        if _is_short_cluster(text):
            letters, takes_next = _short_letters(text, valued="dfrI")
            if "s" in letters:
                return [K.MUTATING]
            i += 2 if takes_next and letters[-1] != "I" else 1
            continue
        if not text.startswith(("-", "+")):
            return [K.MUTATING]
        i += 1
    return [K.READ_ONLY]


def _hostname(texts: list[str]) -> list[K]:
    # Any other argument (a name, -F FILE, -b) sets the host name.
    return [K.READ_ONLY] if all(t in HOSTNAME_READ for t in texts) else [K.MUTATING]


def _nc(texts: list[str]) -> list[K]:
    """Only a port probe (-z) is read-only; any other nc can send whatever it reads."""
    letters_seen, i = "", 0
    while i < len(texts):
        text = texts[i]
        if _is_short_cluster(text):
            letters, takes_next = _short_letters(text, valued="w")
            if not set(letters) <= set("zvnu46w"):
                return [K.MUTATING]
            letters_seen += letters
            i += 2 if takes_next else 1
            continue
        if text.startswith("-"):
            return [K.MUTATING]
        i += 1
    return [K.READ_ONLY] if "z" in letters_seen else [K.MUTATING]


def _sort(texts: list[str]) -> list[K]:
    for text in texts:
        if text.startswith(("--output", "--compress-program")):
            return [K.MUTATING]
        if _is_short_cluster(text) and "o" in _short_letters(text, valued="ktST")[0]:
            return [K.MUTATING]
    return [K.READ_ONLY]


def _uniq(texts: list[str]) -> list[K]:
    # `uniq INPUT OUTPUT` writes OUTPUT.
    operands, i = 0, 0
    while i < len(texts):
        if texts[i] in ("-f", "-s", "-w"):
            i += 2
            continue
        operands += not texts[i].startswith("-") or texts[i] == "-"
        i += 1
    return [K.MUTATING] if operands > 1 else [K.READ_ONLY]


def _awk(texts: list[str]) -> list[K]:
    i = 0
    while i < len(texts) and texts[i].startswith("-") and texts[i] != "-":
        if texts[i] == "--":
            i += 1
            break
        if texts[i] in ("-F", "-v"):
            i += 2
        elif texts[i].startswith(("-F", "-v")):
            i += 1
        else:
            return [K.UNKNOWN]  # -f reads the program from a file; gawk -i/-l load code
    if i >= len(texts):
        return [K.UNKNOWN]
    return [K.MUTATING] if AWK_WRITE.search(texts[i]) else [K.READ_ONLY]


def _sed(texts: list[str]) -> list[K]:
    scripts, operands, i = [], [], 0
    while i < len(texts):
        text = texts[i]
        if text.startswith("--in-place"):
            return [K.MUTATING]
        if text in ("-e", "--expression"):
            scripts.append(texts[i + 1] if i + 1 < len(texts) else "")
            i += 2
            continue
        if text.startswith("--expression="):
            scripts.append(text.split("=", 1)[1])
        elif text in ("-n", "--quiet", "--silent", "-E", "-r", "--regexp-extended", "-s", "-u", "-z", "--posix"):
            pass
        elif _is_short_cluster(text):
            letters, takes_next = _short_letters(text, valued="ef")
            if "i" in letters:
                return [K.MUTATING]
            if not set(letters) <= set("nErsuze"):
                return [K.UNKNOWN]  # -f: the script is in a file
            if letters.endswith("e"):
                scripts.append(texts[i + 1] if takes_next and i + 1 < len(texts) else text[len(letters) + 1 :])
                i += 2 if takes_next else 1
                continue
        elif text.startswith("-") and text != "-":
            return [K.UNKNOWN]
        else:
            operands.append(text)
        i += 1
    if not scripts:
        scripts, operands = operands[:1], operands[1:]
    return _worst([_sed_script(s) for s in scripts] or [K.UNKNOWN])


def _worst(classes: list[K]) -> list[K]:
    for k in (K.MUTATING, K.UNKNOWN):
        if k in classes:
            return [k]
    return [K.READ_ONLY]


SED_PLAIN = set("pdDnNPhHgGxlz=F{}")
SED_S_FLAGS = set("gpiImM0123456789")


def _sed_script(script: str) -> K:
    """READ_ONLY for scripts of printing/substituting commands; MUTATING for w/W/e and s///w, s///e."""
    i = 0
    while i < len(script):
        if script[i] in " \t\n;":
            i += 1
            continue
        if script[i] == "#":
            i = _line_end(script, i)
            continue
        i = _sed_address(script, i)
        if i is None or i >= len(script):
            return K.UNKNOWN
        command = script[i]
        if command in "wWe":
            return K.MUTATING
        if command == "s":
            end = _sed_delimited(script, i + 1, parts=2)
            if end is None:
                return K.UNKNOWN
            flags_end = end
            while flags_end < len(script) and script[flags_end] in SED_S_FLAGS:
                flags_end += 1
            if flags_end < len(script) and script[flags_end] in "we":
                return K.MUTATING
            if flags_end < len(script) and script[flags_end] not in " \t\n;}":
                return K.UNKNOWN
            i = flags_end
        elif command == "y":
            i = _sed_delimited(script, i + 1, parts=2)
            if i is None:
                return K.UNKNOWN
        elif command in "aicrRbtT:":  # text, a file to read or a label: to the end of the line
            i = _line_end(script, i) if command not in "btT:" else _label_end(script, i)
        elif command in "qQ":
            i += 1
            while i < len(script) and script[i].isdigit():
                i += 1
        elif command in SED_PLAIN:
            i += 1
        else:
            return K.UNKNOWN
    return K.READ_ONLY


def _line_end(script: str, i: int) -> int:
    end = script.find("\n", i)
    return len(script) if end < 0 else end


def _label_end(script: str, i: int) -> int:
    ends = [e for e in (script.find("\n", i), script.find(";", i)) if e >= 0]
    return min(ends) if ends else len(script)


def _sed_address(script: str, i: int) -> int | None:
    """Skip an address (`3`, `$`, `/re/`, `1,/re/`, `first~step`) and a `!`; None if it does not close."""
    for _ in range(2):
        if i < len(script) and script[i] == "/":
            end = _sed_delimited(script, i, parts=1)
            if end is None:
                return None
            i = end
            while i < len(script) and script[i] in "IM":
                i += 1
        else:
            while i < len(script) and (script[i].isdigit() or script[i] in "$~+"):
                i += 1
        if i < len(script) and script[i] == ",":
            i += 1
            continue
        break
    while i < len(script) and script[i] in " \t!":
        i += 1
    return i


def _sed_delimited(script: str, i: int, parts: int) -> int | None:
    """Index after `parts` fields delimited by script[i] (backslash escapes it); None if one does not close."""
    if i >= len(script) or script[i] in "\\\n":
        return None
    delimiter, i = script[i], i + 1
    for _ in range(parts):
        while i < len(script) and script[i] != delimiter:
            if script[i] == "\n":
                return None
            i += 2 if script[i] == "\\" else 1
        if i >= len(script):
            return None
        i += 1
    return i


def _curl(texts: list[str]) -> list[K]:
    """Only a plain GET of an http(s) URL is read-only: a method, a body, an upload or a file written is not."""
    urls, i = [], 0
    while i < len(texts):
        text = texts[i]
        name, attached = text.split("=", 1) if text.startswith("--") and "=" in text else (text, None)
        if text.startswith("--"):
            if name in CURL_WRITE_LONG or name.startswith(("--data", "--form")):
                return [K.MUTATING]
            if name in CURL_FLAG_LONG:
                i += 1
                continue
            if name not in CURL_VALUED_LONG:
                return [K.UNKNOWN]
            value = attached if attached is not None else (texts[i + 1] if i + 1 < len(texts) else "")
            i += 1 if attached is not None else 2
        elif _is_short_cluster(text):
            letters, takes_next = _short_letters(text, valued="".join(CURL_VALUED_SHORT))
            if set(letters) & CURL_WRITE_SHORT:
                return [K.MUTATING]
            if not set(letters) <= CURL_FLAG_SHORT | CURL_VALUED_SHORT:
                return [K.UNKNOWN]
            name = "-" + letters[-1]
            value = (texts[i + 1] if i + 1 < len(texts) else "") if takes_next else text[len(letters) + 1 :]
            i += 2 if takes_next else 1
        else:
            urls.append(text)
            i += 1
            continue
        if name in ("--url",):
            urls.append(value)
        if name in ("-w", "--write-out") and "%output{" in value:
            return [K.MUTATING]  # curl >= 8.3 writes the --write-out text to that file
    return _curl_urls(urls)


def _curl_urls(urls: list[str]) -> list[K]:
    if not urls:
        return [K.UNKNOWN]
    if any(ANY_SCHEME.match(u) and not HTTP_URL.match(u) for u in urls):
        return [K.MUTATING]  # dict://, gopher://, telnet:// send arbitrary commands (to Redis, say)
    # Without a scheme curl guesses the protocol from the host name (dict.example -> dict://).
    return [K.READ_ONLY] if all(HTTP_URL.match(u) for u in urls) else [K.UNKNOWN]


# Programs that classify their own words (they run another command, or read options per word).
DELEGATING: dict[str, Callable[[list[Word]], list[K]]] = {
    "kubectl": _kubectl,
    "redis-cli": _redis_cli,
    "sh": _shell,
    "bash": _shell,
    "env": _env,
    "xargs": _xargs,
    "watch": _watch,
}
# Programs judged on their argument texts; a computed argument makes them UNKNOWN.
CHECKED: dict[str, Callable[[list[str]], list[K]]] = {
    "flux": _flux,
    "helm": _helm,
    "curl": _curl,
    "find": _find,
    "date": _date,
    "hostname": _hostname,
    "nc": _nc,
    "sort": _sort,
    "uniq": _uniq,
    "awk": _awk,
    "sed": _sed,
}
