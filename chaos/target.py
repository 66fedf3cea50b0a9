"""The one target of a chaos run: which cluster, which runbook, which names, and who may be broken.

Resolved once, from pytest's options or from a Chaos Toolkit experiment's `configuration` block
(whose entries read environment variables for the `chaos run` CLI, the way chaoslib intends), and
handed to every phase. Nothing else in the chaos suite reads the environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fixtures.cluster import config as cluster_config
from fixtures.core.names import NAME_FIELDS, RUNBOOK, BadClientSpec, RunbookNames, client_specs, with_overrides
from fixtures.core.runbook_source import RUNBOOK_PATH

# configuration key -> (environment variable the `chaos run` CLI reads it from, default)
CONFIGURATION_ENV = {
    "kubeconfig": ("KUBECONFIG", str(cluster_config.KUBECONFIG)),
    "context": ("RUNBOOK_CONTEXT", ""),
    "runbook": ("RUNBOOK_PATH", str(RUNBOOK_PATH.relative_to(cluster_config.REPO))),
    "allow_chaos_on": ("RUNBOOK_ALLOW_CHAOS_ON", ""),
    **{f"redis_{field}": (f"RUNBOOK_REDIS_{field.upper()}", getattr(RUNBOOK, field)) for field in NAME_FIELDS},
    "clients": ("RUNBOOK_CLIENTS", client_specs(RUNBOOK.clients)),
    "docker_host": ("DOCKER_HOST", ""),
    # required | if-present | off: measure the alert path during each experiment (chaos/pager.py)
    "alert_path": ("RUNBOOK_ALERT_PATH", "if-present"),
}
ALERT_PATH_SETTINGS = ("required", "if-present", "off")


class BadTarget(ValueError):
    """A setting of the target cannot be used; the message says which and what to do."""


@dataclass(frozen=True)
class Target:
    """Everything that says where a run acts; passed explicitly to every phase."""

    kubeconfig: Path
    context: str | None
    runbook: Path
    names: RunbookNames = RUNBOOK
    allow_chaos_on: frozenset[str] = frozenset()
    docker_host: str = ""  # the docker daemon running a kind cluster's nodes ("": docker's default)
    alert_path: str = "if-present"  # ALERT_PATH_SETTINGS: required where the suite installed the monitoring

    def __post_init__(self) -> None:
        if self.alert_path not in ALERT_PATH_SETTINGS:
            choices = ", ".join(ALERT_PATH_SETTINGS)
            raise BadTarget(f"alert_path {self.alert_path!r}: choose one of {choices} (RUNBOOK_ALERT_PATH)")

    @classmethod
    def from_configuration(cls, configuration: dict[str, Any]) -> Target:
        """The target a Chaos Toolkit run was configured with (missing keys take the defaults above)."""

        def get(key: str) -> str:
            value = configuration.get(key)
            return str(value) if value not in (None, "") else CONFIGURATION_ENV[key][1]

        specs = [spec for spec in get("clients").split(",") if spec.strip()]
        try:
            names = with_overrides(RUNBOOK, {f: get(f"redis_{f}") for f in NAME_FIELDS}, specs)
        except BadClientSpec as exc:
            raise BadTarget(f"{exc} (RUNBOOK_CLIENTS)") from None
        runbook = Path(get("runbook"))
        return cls(
            kubeconfig=Path(get("kubeconfig")),
            context=get("context") or None,
            runbook=runbook if runbook.is_absolute() else cluster_config.REPO / runbook,
            names=names,
            allow_chaos_on=frozenset(c for c in get("allow_chaos_on").split(",") if c),
            docker_host=get("docker_host"),
            alert_path=get("alert_path"),
        )

    def as_configuration(self) -> dict[str, str]:
        """The same target as Chaos Toolkit configuration values (what pytest hands to chaoslib)."""
        n = self.names
        return {
            "kubeconfig": str(self.kubeconfig),
            "context": self.context or "",
            "runbook": str(self.runbook),
            "allow_chaos_on": ",".join(sorted(self.allow_chaos_on)),
            **{f"redis_{f}": getattr(n, f) for f in NAME_FIELDS},
            "clients": client_specs(n.clients),
            "docker_host": self.docker_host,
            "alert_path": self.alert_path,
        }


def configuration_block() -> dict[str, Any]:
    """The experiment files' `configuration`: each key read from its environment variable, with a default."""
    return {key: {"type": "env", "key": env, "default": default} for key, (env, default) in CONFIGURATION_ENV.items()}
