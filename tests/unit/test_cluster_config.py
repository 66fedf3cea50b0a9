"""Pure logic of the cluster tooling: generated configuration and rule clean-up."""

from __future__ import annotations

import json
import tomllib

import pytest

from fixtures.cluster import components, config, host
from fixtures.cluster.build import version_ldflags
from fixtures.core.waits import Seen, WaitTimeout, wait_for

pytestmark = pytest.mark.unit


def test_every_registry_maps_to_the_dead_loopback_mirror() -> None:
    cri = tomllib.loads(components.containerd_config())["plugins"]["io.containerd.grpc.v1.cri"]
    mirrors = cri["registry"]["mirrors"]
    assert set(mirrors) == set(config.REGISTRIES)
    assert all(m["endpoint"] == ["http://127.0.0.1:5999"] for m in mirrors.values())
    assert cri["sandbox_image"] == "registry.k8s.io/pause:3.6"
    assert cri["containerd"]["runtimes"]["runc"]["options"]["SystemdCgroup"] is False


def test_pod_network_does_not_masquerade() -> None:
    bridge = json.loads(components.cni_conflist())["plugins"][0]
    assert bridge["ipMasq"] is False
    assert bridge["ipam"]["ranges"] == [[{"subnet": config.NODE_POD_CIDR}]]


def test_kubelet_uses_cgroupfs_and_no_host_resolver() -> None:
    kubelet = components.kubelet_config()
    assert kubelet["cgroupDriver"] == "cgroupfs"
    assert kubelet["resolvConf"] == ""
    assert kubelet["clusterDNS"] == [config.DNS_SERVICE_IP]


def test_version_is_stamped_into_both_version_packages() -> None:
    flags = version_ldflags("v1.34.4")
    for pkg in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        assert f"-X {pkg}.gitVersion=v1.34.4" in flags
        assert f"-X {pkg}.gitMinor=34" in flags


def test_strip_owned_removes_our_chains_and_jumps_and_keeps_the_rest() -> None:
    saved = "\n".join(
        [
            "*filter",
            ":INPUT ACCEPT [0:0]",
            ":FORWARD DROP [0:0]",
            ":KUBE-FORWARD - [0:0]",
            ":RUNBOOK-EGRESS - [0:0]",
            ":DOCKER-USER - [0:0]",
            "-A FORWARD -j RUNBOOK-EGRESS",
            "-A FORWARD -m comment --comment kube -j KUBE-FORWARD",
            "-A FORWARD -j DOCKER-USER",
            "-A KUBE-FORWARD -j ACCEPT",
            "-A RUNBOOK-EGRESS -s 10.244.0.0/16 -j REJECT",
            "COMMIT",
        ]
    )
    kept = host._strip_owned(saved).splitlines()
    assert kept == [
        "*filter",
        ":INPUT ACCEPT [0:0]",
        ":FORWARD DROP [0:0]",
        ":DOCKER-USER - [0:0]",
        "-A FORWARD -j DOCKER-USER",
        "COMMIT",
    ]


def test_wait_for_names_what_it_waited_for_and_the_last_state() -> None:
    with pytest.raises(WaitTimeout) as err:
        wait_for(lambda: Seen(False, "CrashLoopBackOff (3 restarts)"), timeout=0.1, what="pod/redis-master-0 Ready")
    assert str(err.value) == (
        "pod/redis-master-0 Ready: not reached within 0.1s; last seen: CrashLoopBackOff (3 restarts)"
    )


def test_wait_for_reports_probe_errors_as_state() -> None:
    def probe() -> Seen:
        raise ConnectionRefusedError("connection refused")

    with pytest.raises(WaitTimeout, match="last seen: ConnectionRefusedError: connection refused"):
        wait_for(probe, timeout=0.05, what="etcd healthy")


def test_wait_for_returns_elapsed_time_when_done() -> None:
    calls = iter([Seen(False, "starting"), Seen(True)])
    assert wait_for(lambda: next(calls), timeout=5, what="thing", interval=0.01) < 1
