"""The pods the checks read and run programs in. RedisPod reads the Redis pod once and runs redis-cli (through
fixtures/core/redis_cli.py, authenticating as the pod does) and other read-only programs in it
through kubectl exec; running_client_pods finds a client Deployment's Running pods.
"""

from __future__ import annotations

import subprocess
from typing import Any

from kubernetes.client.exceptions import ApiException

from checks.verification.parsing import parse_info
from checks.verification.results import CheckError, NotCheckable
from fixtures.core import budgets, redis_cli
from fixtures.core.kube import Cluster
from fixtures.core.names import Client, RunbookNames
from fixtures.core.redis_cli import RedisCliFailed, last_words, missing_tool


class RedisPod:
    """The Redis pod as one check sees it: read once; every program run in it authenticates as the pod does."""

    def __init__(self, cluster: Cluster, names: RunbookNames) -> None:
        self.cluster, self.names = cluster, names
        self.pod: Any | None = None
        self.absent = ""
        try:
            self.pod = cluster.core.read_namespaced_pod(names.pod, names.namespace)
        except ApiException as exc:
            if exc.status != 404:
                raise
            self.absent = f"pod {names.pod} absent" + (
                "" if _namespace_exists(cluster, names.namespace) else f": namespace {names.namespace!r} not found"
            )

    def require(self, purpose: str) -> Any:
        """The pod, running; else CheckError saying there is nothing to run `purpose` in."""
        if self.pod is None:
            raise CheckError(f"{purpose}: no pod to run it in ({self.absent})")
        if self.pod.status.phase != "Running":
            raise CheckError(f"{purpose}: pod {self.names.pod} is {self.pod.status.phase}, no container runs")
        return self.pod

    @property
    def container(self) -> Any:
        containers = self.require("reading the Redis container").spec.containers
        return next((c for c in containers if c.name == self.names.container), containers[0])

    def run(self, argv: list[str], purpose: str) -> subprocess.CompletedProcess[str]:
        """`argv` run in the Redis container, whatever its outcome."""
        self.require(purpose)
        return self.cluster.kubectl(
            "exec", "-n", self.names.namespace, self.names.pod, "-c", self.container.name, "--", *argv,
            timeout=budgets.EXEC_TIMEOUT_S,
        )  # fmt: skip

    def exec(self, argv: list[str], purpose: str) -> str:
        """stdout of `argv` run in the Redis container; NotCheckable when the image lacks the program, else CheckError
        with what the program said (a file or directory it was given that is not there included)."""
        proc = self.run(argv, purpose)
        if proc.returncode != 0:
            said = last_words(proc)
            lacking = missing_tool(proc.stderr)
            if lacking:
                raise NotCheckable(f"{purpose}: pod {self.names.pod} cannot run it ({lacking})")
            raise CheckError(f"{purpose}: exec in pod {self.names.pod} failed: {said[:160]}")
        return proc.stdout

    def cli(self, *args: str, purpose: str, raw: bool = False) -> str:
        """A redis-cli command's reply (stripped unless `raw`; verify sends only reads); an error reply (redis-cli
        exits 0 on those) is CheckError stating it."""
        self.require(purpose)
        namespace, pod = self.names.namespace, self.names.pod
        try:
            out = redis_cli.run(
                self.cluster, namespace, pod, self.container, list(args), timeout=budgets.EXEC_TIMEOUT_S
            )
        except RedisCliFailed as exc:
            if exc.reply:
                raise CheckError(f"{purpose}: redis-cli answered {exc.reply[:120]}") from None
            if exc.lacking:
                raise NotCheckable(f"{purpose}: pod {pod} cannot run redis-cli ({exc.lacking})") from None
            raise CheckError(f"{purpose}: redis-cli in pod {pod} failed: {exc.said[:160]}") from None
        return out if raw else out.strip()

    def info(self, section: str) -> dict[str, str]:
        return parse_info(self.cli("info", section, purpose=f"INFO {section}"))

    def config(self, parameter: str) -> str:
        return self.configs(parameter).get(parameter, "")

    def configs(self, *parameters: str) -> dict[str, str]:
        """Several parameters in one CONFIG GET (Redis 7 takes many): name -> value."""
        lines = self.cli("config", "get", *parameters, purpose=f"CONFIG GET {' '.join(parameters)}").split("\n")
        return {lines[i].strip(): lines[i + 1].strip() for i in range(0, len(lines) - 1, 2)}


def _namespace_exists(cluster: Cluster, namespace: str) -> bool:
    try:
        cluster.core.read_namespace(namespace)
    except ApiException as exc:
        if exc.status == 404:
            return False
        raise
    return True


def running_client_pods(cluster: Cluster, client: Client) -> list[Any]:
    """The client Deployment's Running pods, found by its own selector."""
    try:
        deployment = cluster.apps.read_namespaced_deployment(client.deployment, client.namespace)
    except ApiException as exc:
        if exc.status == 404:
            raise CheckError(f"deployment/{client.deployment} absent in ns {client.namespace}") from None
        raise
    selector = ",".join(f"{k}={v}" for k, v in (deployment.spec.selector.match_labels or {}).items())
    pods = cluster.core.list_namespaced_pod(client.namespace, label_selector=selector).items
    return [p for p in pods if p.status.phase == "Running" and p.metadata.deletion_timestamp is None]
