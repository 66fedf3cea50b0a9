"""Profiles of the system under test and the HelmRelease manifest each renders, without a cluster."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from fixtures.sut.chart_repo import CHART_DIR
from fixtures.sut.profiles import DEFAULT_PROFILE, PRECONDITIONS, PROFILES, Precondition, Profile
from fixtures.sut.release import (
    HELMRELEASE,
    POLICY_PARALLEL,
    POLICY_STOCK,
    PROFILE_ANNOTATION,
    leftover_fields,
    pod_management_policy,
    render_helmrelease,
)

pytestmark = pytest.mark.unit
KEYS = {"drift-detection", "parallel-pods", "release-timeout", "remediation", "image-alias"}


def _helmrelease(docs: list[dict[str, Any]]) -> dict[str, Any]:
    (release,) = [d for d in docs if d["kind"] == "HelmRelease"]
    return release


def test_runbook_has_every_precondition_and_stock_none() -> None:
    assert set(PRECONDITIONS) == KEYS
    assert all(p.key == key and p.what and p.why and p.stock for key, p in PRECONDITIONS.items())
    assert PROFILES["runbook"].preconditions == frozenset(PRECONDITIONS.values())
    assert PROFILES["stock"].preconditions == frozenset()
    assert DEFAULT_PROFILE == "runbook"
    assert all(name == p.name for name, p in PROFILES.items())


def test_runbook_profile_renders_the_file_as_it_is_plus_the_annotation() -> None:
    expected = [d for d in yaml.safe_load_all(HELMRELEASE.read_text()) if d]
    _helmrelease(expected)["metadata"]["annotations"] = {PROFILE_ANNOTATION: "runbook"}
    assert render_helmrelease(PROFILES["runbook"]) == expected


def test_stock_profile_drops_every_precondition_and_keeps_the_rest() -> None:
    runbook = _helmrelease(render_helmrelease(PROFILES["runbook"]))
    stock = _helmrelease(render_helmrelease(PROFILES["stock"]))
    spec = stock["spec"]
    assert stock["metadata"]["annotations"] == {PROFILE_ANNOTATION: "stock"}
    for field in ("driftDetection", "timeout", "install", "upgrade"):
        assert field not in spec, field
    assert "podManagementPolicy" not in spec["values"]["master"]
    for field in ("interval", "releaseName", "chart"):
        assert spec[field] == runbook["spec"][field]
    assert spec["values"]["master"]["resources"] == runbook["spec"]["values"]["master"]["resources"]
    assert spec["values"]["master"]["persistence"] == runbook["spec"]["values"]["master"]["persistence"]
    assert stock["metadata"]["name"] == runbook["metadata"]["name"] == "redis"


@pytest.mark.parametrize("key", sorted(KEYS - {"image-alias"}))
def test_each_precondition_alone_changes_only_its_own_fields(key: str) -> None:
    only = Profile(f"only-{key}", frozenset({PRECONDITIONS[key]}))
    spec = _helmrelease(render_helmrelease(only))["spec"]
    present = {
        "drift-detection": "driftDetection" in spec,
        "release-timeout": "timeout" in spec,
        "remediation": "install" in spec and "upgrade" in spec,
        "parallel-pods": spec["values"]["master"].get("podManagementPolicy") == POLICY_PARALLEL,
    }
    assert present == {k: k == key for k in present}


def test_pod_management_policy_follows_the_profile_and_the_chart_default_is_ordered_ready() -> None:
    assert pod_management_policy(PROFILES["runbook"]) == "Parallel"
    assert pod_management_policy(PROFILES["stock"]) == "OrderedReady"
    values = yaml.safe_load((CHART_DIR / "values.yaml").read_text())
    assert values["master"]["podManagementPolicy"] == POLICY_STOCK
    template = (CHART_DIR / "templates" / "statefulset.yaml").read_text()
    assert "podManagementPolicy: {{ .Values.master.podManagementPolicy }}" in template


def test_rendering_is_pure() -> None:
    first = render_helmrelease(PROFILES["stock"])
    render_helmrelease(PROFILES["runbook"])
    assert render_helmrelease(PROFILES["stock"]) == first


def test_leftover_fields_names_outermost_paths_the_profile_drops() -> None:
    runbook = _helmrelease(render_helmrelease(PROFILES["runbook"]))["spec"]
    stock = _helmrelease(render_helmrelease(PROFILES["stock"]))["spec"]
    assert leftover_fields(runbook, stock) == [
        ("driftDetection",),
        ("timeout",),
        ("install",),
        ("upgrade",),
        ("values", "master", "podManagementPolicy"),
    ]
    assert leftover_fields(stock, stock) == []
    assert leftover_fields(runbook, runbook) == []


def test_precondition_is_frozen() -> None:
    with pytest.raises(AttributeError):
        PRECONDITIONS["image-alias"].key = "x"  # type: ignore[misc]
    assert isinstance(PRECONDITIONS["image-alias"], Precondition)
