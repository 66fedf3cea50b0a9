"""The Bitnami-shaped system's pieces without a cluster: the chart as rendered, the slim image, the helpers."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from fixtures.cluster.images import catalogue
from fixtures.core import prom_text
from fixtures.sut.chart_repo import BITNAMI_CHART_DIR, charts_digest, helm_path
from fixtures.sut.client_apps import BITNAMI_CLIENTS, CLIENTS
from fixtures.sut.install import BITNAMI_HELMRELEASE

pytestmark = pytest.mark.unit
CLIENT_MANIFESTS = (CLIENTS, BITNAMI_CLIENTS)


@pytest.fixture(scope="module")
def rendered() -> dict[tuple[str, str], dict[str, Any]]:
    """`helm template redis` of the chart with the HelmRelease's values: (kind, name) -> object."""
    helm = helm_path()
    if not helm.is_file():
        pytest.skip(f"no helm binary at {helm} (`python -m fixtures.cluster up` builds it)")
    release = next(d for d in yaml.safe_load_all(BITNAMI_HELMRELEASE.read_text()) if d["kind"] == "HelmRelease")
    proc = subprocess.run(
        [str(helm), "template", "redis", str(BITNAMI_CHART_DIR), "-n", "redis-bitnami", "-f", "-"],
        input=yaml.safe_dump(release["spec"]["values"]),
        capture_output=True,
        text=True,
        check=True,
    )
    return {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(proc.stdout) if d}


def _container(rendered: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    containers = rendered[("StatefulSet", "redis-master")]["spec"]["template"]["spec"]["containers"]
    (container,) = [c for c in containers if c["name"] == "redis"]
    return container


def test_chart_renders_the_bitnami_names(rendered: dict[tuple[str, str], dict[str, Any]]) -> None:
    assert set(rendered) >= {
        ("Secret", "redis"),
        ("StatefulSet", "redis-master"),
        ("Service", "redis-master"),
        ("Service", "redis-headless"),
        ("ConfigMap", "redis-configuration"),
        ("ConfigMap", "redis-scripts"),
        ("ConfigMap", "redis-health"),
        ("NetworkPolicy", "redis"),
    }
    sts = rendered[("StatefulSet", "redis-master")]["spec"]
    assert "podManagementPolicy" not in sts, "Bitnami leaves it to Kubernetes (OrderedReady)"
    assert sts["volumeClaimTemplates"][0]["metadata"]["name"] == "redis-data"


def test_chart_passes_the_password_as_a_file_only(rendered: dict[tuple[str, str], dict[str, Any]]) -> None:
    env = {e["name"]: e.get("value") for e in _container(rendered)["env"]}
    assert env["REDIS_PASSWORD_FILE"] == "/opt/bitnami/redis/secrets/redis-password"
    assert "REDISCLI_AUTH" not in env and "REDIS_PASSWORD" not in env
    assert list(rendered[("Secret", "redis")]["data"]) == ["redis-password"]


def test_chart_config_is_aof_only_without_maxmemory(rendered: dict[tuple[str, str], dict[str, Any]]) -> None:
    conf = rendered[("ConfigMap", "redis-configuration")]["data"]
    assert set(conf) == {"redis.conf", "master.conf"}
    assert "appendonly yes" in conf["redis.conf"] and 'save ""' in conf["redis.conf"]
    assert "maxmemory" not in conf["redis.conf"] + conf["master.conf"]


def test_chart_runs_read_only_as_1001_with_a_memory_limit(rendered: dict[tuple[str, str], dict[str, Any]]) -> None:
    container = _container(rendered)
    ctx = container["securityContext"]
    assert (ctx["runAsUser"], ctx["runAsGroup"], ctx["readOnlyRootFilesystem"]) == (1001, 1001, True)
    assert container["resources"]["limits"]["memory"] == "192Mi"
    mounts = {m["mountPath"].rstrip("/") for m in container["volumeMounts"]}
    assert {"/tmp", "/opt/bitnami/redis/etc", "/data", "/opt/bitnami/redis/mounted-etc"} <= mounts


def test_slim_client_image_has_no_shell_and_is_checked_without_one() -> None:
    (spec,) = [s for s in catalogue.image_specs(Path("/nonexistent")) if s.name == "runbook-client-slim"]
    assert spec.check[0] == "python3", "the check must not need /bin/sh: the image has none"
    assert "no-shell" in spec.check_expect
    for tool in ("sh", "bash", "dash", "curl", "nc", "redis-cli"):
        assert f'"$1"/usr/bin/{tool} ' in " ".join(spec.hooks) + " ", tool


def test_every_client_image_is_built_here() -> None:
    built = {ref for spec in catalogue.image_specs(Path("/nonexistent")) for ref in spec.refs}
    for manifest in CLIENT_MANIFESTS:
        for doc in yaml.safe_load_all(manifest.read_text()):
            for container in (doc or {}).get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
                assert container["image"] in built, f"{manifest.name}: {container['image']} is not built"


def test_metrics_text_parses_to_samples() -> None:
    text = '# HELP redis_up x\n# TYPE redis_up gauge\nredis_up{app="agent-bruno"} 1.0\nredis_requests_total 3\n'
    assert prom_text.samples(text) == {'redis_up{app="agent-bruno"}': 1.0, "redis_requests_total": 3.0}


def test_charts_digest_follows_the_chart_sources(tmp_path: Path) -> None:
    copy = tmp_path / "redis-bitnami"
    shutil.copytree(BITNAMI_CHART_DIR, copy)
    before = charts_digest((copy,))
    assert charts_digest((copy,)) == before
    (copy / "values.yaml").write_text((copy / "values.yaml").read_text() + "\n# changed\n")
    assert charts_digest((copy,)) != before
