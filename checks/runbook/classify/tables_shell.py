"""The shell program tables: programs read-only whatever their arguments, programs that write, the filters
allowed after a pipe, the options of find, hostname, awk, xargs and watch that matter, and curl's options
(short and long: those that write or send, those that stand alone, those that take a value).
"""

from __future__ import annotations

import re

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
