"""Self-tests: each proves, by its real effect, a cluster capability the chaos suite depends on."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Callable

import pytest

from chaos.errors import InjectionFailed
from chaos.modes.disk_full import refuse_a_volume_on_the_nodes_disk
from fixtures.cluster import config
from fixtures.core.kube import Cluster, free_local_port, kubectl_binary
from fixtures.core.pods import last_terminated_reason, wait_for_pod, waiting_reason
from fixtures.core.waits import Seen, wait_for
from tests.cluster.helpers import create_claim, pod_spec, run_ready_pod

pytestmark = pytest.mark.cluster

STATE_TIMEOUT = 90
POLICY_TIMEOUT = 30
ECHO_PORT = 8080


def _phase_is(phase: str) -> Callable[[object], bool]:
    return lambda pod: pod.status.phase == phase


def test_disk_full_fills_a_pvc_of_its_own_and_refuses_the_nodes_disk(own_cluster: Cluster, namespace: str) -> None:
    create_claim(own_cluster, namespace)
    volumes = [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}, {"name": "scratch", "emptyDir": {}}]
    mounts = [{"name": "data", "mountPath": "/data"}, {"name": "scratch", "mountPath": "/scratch"}]
    run_ready_pod(own_cluster, namespace, pod_spec("vols", ["sleep", "infinity"], volumes=volumes, mounts=mounts))
    # An emptyDir is a directory in the kubelet's pod directory: the node's own disk.
    with pytest.raises(InjectionFailed, match="on the node's own disk"):
        refuse_a_volume_on_the_nodes_disk(own_cluster, namespace, "vols", "/scratch")
    refuse_a_volume_on_the_nodes_disk(own_cluster, namespace, "vols", "/data")  # StorageClass standard: its own


def test_container_over_memory_limit_is_oom_killed(own_cluster: Cluster, namespace: str) -> None:
    spec = pod_spec("hog", ["sh", "-c", "tail /dev/zero"], memory_limit="32Mi")
    own_cluster.core.create_namespaced_pod(namespace, spec)
    pod, _ = wait_for_pod(
        own_cluster,
        namespace,
        "hog",
        lambda p: last_terminated_reason(p) == "OOMKilled",
        timeout=STATE_TIMEOUT,
        wanted="lastState.terminated.reason OOMKilled",
    )
    assert last_terminated_reason(pod) == "OOMKilled"


def test_pvc_on_default_storage_class_binds_and_keeps_data_across_pods(own_cluster: Cluster, namespace: str) -> None:
    create_claim(own_cluster, namespace)
    volume = [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]
    mount = [{"name": "data", "mountPath": "/data"}]
    writer = pod_spec(
        "writer", ["sh", "-c", "echo kept-$HOSTNAME > /data/marker"], restart="Never", volumes=volume, mounts=mount
    )
    own_cluster.core.create_namespaced_pod(namespace, writer)
    wait_for_pod(own_cluster, namespace, "writer", _phase_is("Succeeded"), timeout=STATE_TIMEOUT, wanted="Succeeded")
    pvc = own_cluster.core.read_namespaced_persistent_volume_claim("data", namespace)
    assert pvc.status.phase == "Bound"
    assert pvc.spec.storage_class_name == "standard"
    own_cluster.core.delete_namespaced_pod("writer", namespace, grace_period_seconds=0)

    reader = pod_spec("reader", ["cat", "/data/marker"], restart="Never", volumes=volume, mounts=mount)
    own_cluster.core.create_namespaced_pod(namespace, reader)
    wait_for_pod(own_cluster, namespace, "reader", _phase_is("Succeeded"), timeout=STATE_TIMEOUT, wanted="Succeeded")
    assert own_cluster.core.read_namespaced_pod_log("reader", namespace).strip() == "kept-writer"


def test_missing_image_fails_to_pull_on_loopback(
    own_cluster: Cluster, namespace: str, registries_offline: bool
) -> None:
    spec = pod_spec("ghost", ["true"], image="docker.io/library/redis:0.0.0-does-not-exist")
    own_cluster.core.create_namespaced_pod(namespace, spec)
    pod, took = wait_for_pod(
        own_cluster,
        namespace,
        "ghost",
        lambda p: waiting_reason(p) in ("ErrImagePull", "ImagePullBackOff"),
        timeout=STATE_TIMEOUT,
        wanted="ErrImagePull or ImagePullBackOff",
    )
    message = pod.status.container_statuses[0].state.waiting.message or ""
    if registries_offline:  # the pull went to the dead loopback mirror, not out of the machine
        assert "127.0.0.1" in message, message
    else:  # kind from a published node image: the registry answered that the tag does not exist
        assert "not found" in message, message
    assert took < 30


def test_container_exiting_non_zero_reaches_crash_loop_back_off(own_cluster: Cluster, namespace: str) -> None:
    own_cluster.core.create_namespaced_pod(namespace, pod_spec("crasher", ["sh", "-c", "exit 3"]))
    pod, _ = wait_for_pod(
        own_cluster,
        namespace,
        "crasher",
        lambda p: waiting_reason(p) == "CrashLoopBackOff",
        timeout=STATE_TIMEOUT,
        wanted="CrashLoopBackOff",
    )
    assert pod.status.container_statuses[0].last_state.terminated.exit_code == 3


def _start_echo_service(cluster: Cluster, namespace: str) -> str:
    run_ready_pod(cluster, namespace, pod_spec("echo", ["nc", "-lk", str(ECHO_PORT)], labels={"app": "echo"}))
    cluster.core.create_namespaced_service(
        namespace,
        {"metadata": {"name": "echo"}, "spec": {"selector": {"app": "echo"}, "ports": [{"port": ECHO_PORT}]}},
    )
    return f"echo.{namespace}.svc.{config.CLUSTER_DOMAIN}"


def _connects(cluster: Cluster, namespace: str, pod: str, host: str, port: int) -> bool:
    return cluster.exec(namespace, pod, ["nc", "-zv", "-w", "2", host, str(port)], timeout=15).returncode == 0


@pytest.fixture
def echo_and_client(own_cluster: Cluster, make_namespace: Callable[[], str]) -> tuple[str, str, str]:
    """(server namespace, client namespace, service DNS name) with a client pod named `client`."""
    server_ns, client_ns = make_namespace(), make_namespace()
    host = _start_echo_service(own_cluster, server_ns)
    run_ready_pod(own_cluster, client_ns, pod_spec("client", ["sleep", "infinity"]))
    return server_ns, client_ns, host


def test_service_resolves_across_namespaces_and_accepts_tcp(
    own_cluster: Cluster, echo_and_client: tuple[str, str, str]
) -> None:
    _, client_ns, host = echo_and_client
    lookup = own_cluster.exec(client_ns, "client", ["getent", "hosts", host])
    assert lookup.returncode == 0 and lookup.stdout.split()[0].startswith("10.96."), lookup
    wait_for(
        lambda: Seen(_connects(own_cluster, client_ns, "client", host, ECHO_PORT), "connection refused"),
        timeout=POLICY_TIMEOUT,
        what=f"TCP connect to {host}:{ECHO_PORT} from ns {client_ns}",
    )


def test_names_outside_the_cluster_do_not_resolve(own_cluster: Cluster, namespace: str) -> None:
    run_ready_pod(own_cluster, namespace, pod_spec("asker", ["sleep", "infinity"]))
    # CoreDNS has no upstream: the query is answered in the cluster and goes no further.
    outside = own_cluster.exec(namespace, "asker", ["getent", "hosts", "deb.debian.org"])
    assert outside.returncode != 0, outside.stdout
    inside = own_cluster.exec(
        namespace, "asker", ["getent", "hosts", f"kubernetes.default.svc.{config.CLUSTER_DOMAIN}"]
    )
    assert inside.returncode == 0 and inside.stdout.split()[0] == config.KUBERNETES_SERVICE_IP


def test_deny_all_ingress_policy_blocks_and_its_removal_restores(
    own_cluster: Cluster, echo_and_client: tuple[str, str, str]
) -> None:
    server_ns, client_ns, host = echo_and_client
    what = f"TCP connect to {host}:{ECHO_PORT} from ns {client_ns}"
    wait_for(
        lambda: Seen(_connects(own_cluster, client_ns, "client", host, ECHO_PORT), "refused"),
        timeout=POLICY_TIMEOUT,
        what=f"{what} succeeds",
    )
    own_cluster.networking.create_namespaced_network_policy(
        server_ns,
        {"metadata": {"name": "deny-all"}, "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}},
    )
    wait_for(
        lambda: Seen(not _connects(own_cluster, client_ns, "client", host, ECHO_PORT), "still connects"),
        timeout=POLICY_TIMEOUT,
        what=f"{what} blocked by NetworkPolicy deny-all",
    )
    own_cluster.networking.delete_namespaced_network_policy("deny-all", server_ns)
    wait_for(
        lambda: Seen(_connects(own_cluster, client_ns, "client", host, ECHO_PORT), "still blocked"),
        timeout=POLICY_TIMEOUT,
        what=f"{what} restored after deleting the policy",
    )


def test_kubectl_exec_and_logs(own_cluster: Cluster, namespace: str) -> None:
    run_ready_pod(own_cluster, namespace, pod_spec("talker", ["sh", "-c", "echo hello-logs; sleep infinity"]))
    exec_result = own_cluster.exec(namespace, "talker", ["sh", "-c", "echo hello-exec; exit 4"])
    assert (exec_result.returncode, exec_result.stdout.strip()) == (4, "hello-exec")
    wait_for(
        lambda: Seen("hello-logs" in own_cluster.kubectl("logs", "-n", namespace, "talker").stdout, "no line"),
        timeout=10,
        what=f"pod/talker in ns {namespace}: log line hello-logs",
    )


def test_kubectl_port_forward_reaches_the_pod(own_cluster: Cluster, namespace: str) -> None:
    run_ready_pod(
        own_cluster, namespace, pod_spec("server", ["sh", "-c", f"while true; do echo pong | nc -l {ECHO_PORT}; done"])
    )
    port = free_local_port()
    forward = subprocess.Popen(
        [
            kubectl_binary(),
            f"--kubeconfig={own_cluster.kubeconfig}",
            f"--context={own_cluster.context}",
            "port-forward",
            "-n",
            namespace,
            "pod/server",
            f"{port}:{ECHO_PORT}",
            "--address=127.0.0.1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:

        def reply() -> Seen:
            with socket.create_connection(("127.0.0.1", port), timeout=3) as conn:
                data = conn.recv(16).decode()
            return Seen(data.strip() == "pong", f"got {data!r}")

        wait_for(reply, timeout=20, what=f"pod/server in ns {namespace} via 127.0.0.1:{port}: reply pong")
    finally:
        forward.terminate()
        forward.wait(timeout=10)


def test_kubectl_cordon_and_uncordon(own_cluster: Cluster) -> None:
    node = own_cluster.core.list_node().items[0].metadata.name
    try:
        own_cluster.kubectl("cordon", node, check=True)
        assert own_cluster.core.read_node(node).spec.unschedulable is True
    finally:
        own_cluster.kubectl("uncordon", node, check=True)
    assert not own_cluster.core.read_node(node).spec.unschedulable
