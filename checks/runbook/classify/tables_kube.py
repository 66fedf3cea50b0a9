"""The kubectl, flux and helm tables: which verbs (and sub-verbs) read, which write, and which options take a
value or stand alone, so that the verb can be found after them. A verb in no table is UNKNOWN.
"""

from __future__ import annotations

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
