"""Pure logic of the kind path: the runc wrapper's capability filter, generated configs, names and cache keys."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from fixtures.cluster import config as cluster_config
from fixtures.cluster.images import archive, builder, catalogue, rootfs
from fixtures.kind import cluster, config, docker, nodeimage, settings
from fixtures.kind.__main__ import main as kind_main

pytestmark = pytest.mark.unit

# CapBnd of this machine: every capability up to CAP_CHECKPOINT_RESTORE (40) but CAP_SYS_RESOURCE (24).
CAPBND_WITHOUT_SYS_RESOURCE = "000001fffeffffff"


def _run_wrapper(tmp_path: Path, capbnd: str, *args: str) -> subprocess.CompletedProcess[str]:
    status = tmp_path / "status"
    status.write_text(f"Name:\tx\nCapBnd:\t{capbnd}\n")
    env = {"PATH": "/usr/bin:/bin", "RBK_RUNC": "echo", "RBK_STATUS": str(status)}
    return subprocess.run([str(config.RUNC_WRAPPER), *args], env=env, capture_output=True, text=True, check=True)


def test_wrapper_drops_capabilities_missing_from_the_bounding_set_in_the_bundle(tmp_path: Path) -> None:
    caps = ["CAP_CHOWN", "CAP_SYS_RESOURCE", "CAP_SYS_ADMIN"]
    spec = {"process": {"oomScoreAdj": -998, "capabilities": {"bounding": caps, "effective": caps}}, "root": {}}
    (tmp_path / "config.json").write_text(json.dumps(spec))
    out = _run_wrapper(tmp_path, CAPBND_WITHOUT_SYS_RESOURCE, "create", "--bundle", str(tmp_path), "c1")
    got = json.loads((tmp_path / "config.json").read_text())["process"]
    assert got["capabilities"] == {
        "bounding": ["CAP_CHOWN", "CAP_SYS_ADMIN"],
        "effective": ["CAP_CHOWN", "CAP_SYS_ADMIN"],
    }
    assert got["oomScoreAdj"] == 0
    assert out.stdout.split() == ["create", "--bundle", str(tmp_path), "c1"]  # runc gets the arguments unchanged


def test_wrapper_filters_exec_process_files_and_keeps_a_full_bounding_set(tmp_path: Path) -> None:
    process = tmp_path / "process.json"
    process.write_text(json.dumps({"args": ["sh"], "capabilities": {"bounding": ["CAP_KILL", "CAP_SYS_RESOURCE"]}}))
    _run_wrapper(tmp_path, CAPBND_WITHOUT_SYS_RESOURCE, "exec", "--process", str(process), "c1")
    assert json.loads(process.read_text())["capabilities"] == {"bounding": ["CAP_KILL"]}
    process.write_text(json.dumps({"capabilities": {"bounding": ["CAP_KILL", "CAP_SYS_RESOURCE"]}}))
    _run_wrapper(tmp_path, "000001ffffffffff", "exec", "--process", str(process), "c1")
    assert json.loads(process.read_text())["capabilities"] == {"bounding": ["CAP_KILL", "CAP_SYS_RESOURCE"]}


def test_wrapper_leaves_other_commands_alone(tmp_path: Path) -> None:
    out = _run_wrapper(tmp_path, CAPBND_WITHOUT_SYS_RESOURCE, "state", "c1")
    assert out.stdout.split() == ["state", "c1"]


def test_docker_never_uses_the_local_clusters_containerd_or_touches_iptables() -> None:
    paths = docker.Paths(state=Path("/s"), run=Path("/r"))
    daemon = docker.daemon_config(paths)
    assert daemon["containerd"] == "/r/containerd.sock" != cluster_config.CONTAINERD_SOCKET
    assert daemon["iptables"] is False and daemon["ip6tables"] is False
    assert daemon["ip-forward"] is False and daemon["ip-masq"] is False and daemon["bridge"] == "none"
    assert daemon["default-runtime"] == "rbk-runc"
    assert daemon["runtimes"] == {"rbk-runc": {"path": "/s/runc-wrapper.sh"}}
    own = tomllib.loads(docker.containerd_config(paths))
    assert own["grpc"]["address"] == "/r/containerd.sock"
    assert own["root"] == "/s/containerd" and own["state"] == "/r/containerd"
    assert "io.containerd.grpc.v1.cri" in own["disabled_plugins"]
    assert len(str(paths.socket)) < 108


def test_kind_network_has_our_bridge_and_no_masquerading() -> None:
    args = docker.network_create_args()
    assert args[-1] == "kind"
    assert "--opt=com.docker.network.bridge.name=rbk-kind0" in args
    assert "--opt=com.docker.network.bridge.enable_ip_masquerade=false" in args
    assert "--gateway=172.31.250.1" in args


def test_kind_config_for_the_offline_image_has_no_default_cni_and_the_suites_etcd_and_coredns() -> None:
    doc = yaml.safe_load(cluster.kind_config())
    assert [n["role"] for n in doc["nodes"]] == ["control-plane", "worker"]
    assert doc["networking"]["disableDefaultCNI"] is True
    assert doc["networking"]["podSubnet"] != cluster_config.POD_CIDR  # its packets cross this host's bridge
    patch = yaml.safe_load(doc["kubeadmConfigPatches"][0])
    assert patch["etcd"]["local"]["imageTag"] == "3.6.16-0"
    assert patch["dns"]["imageTag"] == cluster_config.COREDNS_VERSION
    # The API server's audit log lands on this host, where the tests read it.
    assert patch["apiServer"]["extraArgs"]["audit-log-path"] == f"{cluster.AUDIT_IN_NODE}/audit.log"
    assert doc["nodes"][0]["extraMounts"][0] == {
        "hostPath": str(cluster.AUDIT_DIR),
        "containerPath": cluster.AUDIT_IN_NODE,
    }


def test_each_kind_node_keeps_its_volumes_on_its_own_bounded_filesystem() -> None:
    doc = yaml.safe_load(cluster.kind_config(workers=2))
    volumes = [
        [m for m in n["extraMounts"] if m["containerPath"] == "/var/local-path-provisioner"] for n in doc["nodes"]
    ]
    assert volumes == [
        [{"hostPath": str(cluster.VOLUMES_DIR / role), "containerPath": "/var/local-path-provisioner"}]
        for role in ("control-plane", "worker", "worker2")
    ]


def test_node_containerd_config_uses_the_wrapper_and_no_registry() -> None:
    cri = tomllib.loads(nodeimage.containerd_config())["plugins"]["io.containerd.grpc.v1.cri"]
    assert cri["restrict_oom_score_adj"] is True
    assert cri["containerd"]["runtimes"]["runc"]["options"]["BinaryName"] == nodeimage.RUNC_WRAPPER_IN_NODE
    assert cri["sandbox_image"] == cluster_config.SANDBOX_IMAGE
    assert all(m["endpoint"] == [cluster_config.DEAD_MIRROR] for m in cri["registry"]["mirrors"].values())


def test_preloaded_images_carry_the_names_kubeadm_asks_for(tmp_path: Path) -> None:
    refs = {
        ref
        for spec in nodeimage.component_specs(tmp_path, {"etcd": tmp_path, "kube-router": tmp_path})
        for ref in spec.refs
    }
    for name in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy"):
        assert f"registry.k8s.io/{name}:{config.KUBERNETES_VERSION}" in refs
    assert f"registry.k8s.io/etcd:{nodeimage.ETCD_TAG}" in refs


def test_coredns_on_kind_has_no_upstream() -> None:
    corefile = cluster.coredns_corefile()
    assert "kubernetes cluster.local" in corefile
    assert "forward" not in corefile


def test_kind_wrapper_points_kind_at_the_suites_docker() -> None:
    own = docker.Paths(state=Path("/s"), run=Path("/r")).host
    script = cluster.kind_wrapper_script(Path("/bin/kind"), own, Path("/b"))
    assert 'DOCKER_HOST="unix:///r/docker.sock"' in script
    assert 'PATH="/b:$PATH"' in script and script.rstrip().endswith('exec "/bin/kind" "$@"')


def test_kind_wrapper_for_docker_default_sets_no_docker_host() -> None:
    script = cluster.kind_wrapper_script(Path("/bin/kind"), "", Path("/b"))
    assert "DOCKER_HOST" not in script.split("\n", 2)[2]  # the comment line may say "(default)"
    assert script.rstrip().endswith('exec "/bin/kind" "$@"')


PUBLISHED = settings.kind_settings(config.PUBLISHED_NODE_IMAGE)


def test_default_settings_are_the_offline_image_on_the_suites_docker() -> None:
    default = settings.kind_settings()
    assert default == settings.OFFLINE == settings.kind_settings(config.OFFLINE_NODE_IMAGE, "unix:///elsewhere")
    assert default.offline and default.cni == "kube-router"
    assert default.docker_host == docker.PATHS.host
    assert nodeimage.node_image_ref() == config.OFFLINE_NODE_IMAGE


def test_published_image_uses_the_running_docker_and_kindnet() -> None:
    assert not PUBLISHED.offline and PUBLISHED.cni == "kindnet"
    assert PUBLISHED.docker_host == ""  # docker's default: the runner's
    assert settings.kind_settings(config.PUBLISHED_NODE_IMAGE, "unix:///d.sock").docker_host == "unix:///d.sock"


def test_kind_config_for_a_published_image_has_kinds_cni_and_kubeadms_images() -> None:
    doc = yaml.safe_load(cluster.kind_config(settings=PUBLISHED))
    assert [n["role"] for n in doc["nodes"]] == ["control-plane", "worker"]
    assert doc["networking"]["disableDefaultCNI"] is False
    assert doc["networking"]["podSubnet"] == cluster.POD_SUBNET
    patch = yaml.safe_load(doc["kubeadmConfigPatches"][0])
    assert "etcd" not in patch and "dns" not in patch
    # Everything else is as on the offline image: audit log, untainted control plane.
    assert (
        patch["apiServer"]
        == yaml.safe_load(yaml.safe_load(cluster.kind_config())["kubeadmConfigPatches"][0])["apiServer"]
    )
    assert doc["nodes"][0] == yaml.safe_load(cluster.kind_config())["nodes"][0]


@pytest.mark.parametrize(
    "ref",
    [
        config.PUBLISHED_NODE_IMAGE,
        "kindest/node:v1.34.3",
        "kindest/node@sha256:" + "0" * 64,
        config.OFFLINE_NODE_IMAGE,
        "registry.example:5000/team/kind-node:v1.34.3",
    ],
)
def test_node_image_references_with_a_tag_or_digest_are_accepted(ref: str) -> None:
    assert settings.check_node_image(ref) == ref


@pytest.mark.parametrize(
    "ref", ["kindest/node", "", "kindest/node:", "Kindest/Node:v1", "kindest/node:v1 --x", "kindest/node@sha256:abc"]
)
def test_a_bad_node_image_is_refused_in_one_line(ref: str) -> None:
    with pytest.raises(settings.BadNodeImage) as err:
        settings.check_node_image(ref)
    assert "\n" not in str(err.value) and "--kind-node-image" in str(err.value)


def test_python_m_fixtures_kind_refuses_a_bad_node_image(capsys: pytest.CaptureFixture[str]) -> None:
    assert kind_main(["down", "--kind-node-image", "kindest/node"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --kind-node-image 'kindest/node'") and "\n" not in err


ROOT = Path(__file__).resolve().parents[2]


def _workflow_run() -> str:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "kind.yml").read_text())
    runs = [step["run"] for step in workflow["jobs"]["kind"]["steps"] if "test-kind.sh" in step.get("run", "")]
    assert len(runs) == 1
    return runs[0]


def test_workflow_runs_the_offline_stages_script_and_selection_with_the_published_image() -> None:
    run = _workflow_run()
    assert run.endswith(f"--kind-node-image {config.PUBLISHED_NODE_IMAGE}")
    # The kind stage of scripts/test.sh: its arguments to test-kind.sh, all of them, in the workflow's command.
    test_sh = (ROOT / "scripts" / "test.sh").read_text()
    lines = test_sh[test_sh.index("bash scripts/test-kind.sh") :].splitlines()
    end = next(i for i, line in enumerate(lines) if not line.endswith("\\"))  # the command's last line
    stage = " ".join(line.removesuffix("\\") for line in lines[: end + 1]).split("|| status")[0]
    offline_args = " ".join(stage.split()).removeprefix("bash scripts/test-kind.sh ")
    assert f"bash scripts/test-kind.sh {offline_args} --kind-node-image" in run


def test_stop_signal_keys_images_only_when_set() -> None:
    plain = catalogue.ImageSpec(name="x", refs=("x:1",))
    node = catalogue.ImageSpec(name="x", refs=("x:1",), stop_signal="SIGRTMIN+3")
    assert builder.cache_key(plain, ()) != builder.cache_key(node, ())
    # Without a stop signal the key is what it was before the field existed: no cached image is rebuilt.
    fields = {**dataclasses.asdict(plain), "files": []}
    del fields["stop_signal"]
    before = {"format": archive.FORMAT_VERSION, "spec": fields, "debian": None}
    assert (
        builder.cache_key(plain, ())
        == hashlib.sha256(json.dumps(before, sort_keys=True, default=str).encode()).hexdigest()
    )
    config_json = archive.image_config(node, "0" * 64, "k")["config"]
    assert config_json["StopSignal"] == "SIGRTMIN+3"  # type: ignore[index]
    assert "StopSignal" not in archive.image_config(plain, "0" * 64, "k")["config"]  # type: ignore[operator]


def test_pytest_refuses_a_bad_node_image_in_one_line() -> None:
    root = Path(__file__).resolve().parents[2]
    argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q"]
    proc = subprocess.run(
        [*argv, "--kind-node-image", "kindest/node", str(Path(__file__))],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == pytest.ExitCode.USAGE_ERROR, proc.stdout + proc.stderr
    assert "ERROR: --kind-node-image 'kindest/node': expected NAME:TAG" in proc.stderr


def test_default_mirror_names_debians_keyring_when_the_host_has_it(tmp_path: Path) -> None:
    keyring = tmp_path / "debian-archive-keyring.gpg"
    assert rootfs.default_mirror(keyring) == rootfs.DEFAULT_MIRROR
    keyring.write_bytes(b"")
    assert rootfs.default_mirror(keyring) == f"deb [signed-by={keyring}] http://deb.debian.org/debian bookworm main"


def test_docker_stop_without_the_suites_docker_touches_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # As on a CI runner: no pid file of the suite's docker, so its docker (docker's default) is left alone.
    paths = docker.Paths(state=tmp_path / "state", run=tmp_path / "run")
    with caplog.at_level(logging.INFO, logger=docker.log.name):
        docker.stop(paths)
    acted = [r.getMessage() for r in caplog.records if r.name == docker.log.name]
    assert not acted, f"stop acted: {acted}"
    assert not paths.run.exists()
