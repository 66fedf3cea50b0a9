"""Cells without a cluster: their names, which worker drives which, the manifests moved into a cell's namespaces,
the monitoring that watches them, the undo records kept apart per cell, and the lock that keeps cluster-wide faults
alone."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import yaml

from chaos import records
from chaos.modes import MODES
from fixtures.core import options
from fixtures.core.cells import ClusterLock, cell_of_worker, lock_path
from fixtures.core.kube import ClusterUnreachable, context_servers
from fixtures.core.names import BITNAMI, CELL_LIMIT, RUNBOOK, TooManyCells, cell_names, client_specs, every_cell
from fixtures.monitoring.stack import SYSTEMS, prometheus_config
from fixtures.sut.client_apps import render_clients
from fixtures.sut.profiles import DEFAULT_PROFILE, PROFILES
from fixtures.sut.release import render_helmrelease

pytestmark = pytest.mark.unit


def test_cell_zero_keeps_the_runbooks_exact_names() -> None:
    assert cell_names(RUNBOOK, 0) is RUNBOOK


def test_another_cell_moves_every_namespace_and_keeps_the_names_inside() -> None:
    cell = cell_names(RUNBOOK, 2)
    assert cell.namespace == "redis-cell2"
    assert [c.namespace for c in cell.clients] == ["bruno-cell2", "homepage-cell2"]
    assert (cell.statefulset, cell.pod, cell.service, cell.pvc, cell.helmrelease) == (
        RUNBOOK.statefulset,
        RUNBOOK.pod,
        RUNBOOK.service,
        RUNBOOK.pvc,
        RUNBOOK.helmrelease,
    )
    assert cell.service_host == "redis-master.redis-cell2.svc.cluster.local"
    assert len({names.namespace for names in every_cell(RUNBOOK)}) == CELL_LIMIT


def test_more_cells_than_the_monitoring_watches_are_refused_with_the_limit() -> None:
    with pytest.raises(TooManyCells, match=f"at most {CELL_LIMIT} cells"):
        cell_names(RUNBOOK, CELL_LIMIT)


@pytest.mark.parametrize(("worker", "cell"), [(None, 0), ("master", 0), ("gw0", 0), ("gw3", 3)])
def test_a_worker_drives_the_cell_of_its_number(worker: str | None, cell: int) -> None:
    assert cell_of_worker(worker) == cell


class Options:
    """What the option helpers read of a pytest config: its options and, in a worker, xdist's workerinput."""

    def __init__(self, first_cell: int, workers: int | None, worker: str | None = None, **more: object) -> None:
        self.values = {"first_cell": first_cell, "numprocesses": workers, **more}
        if worker is not None:
            self.workerinput = {"workerid": worker, "workercount": workers}

    def getoption(self, name: str, default: object = None) -> object:
        return self.values.get(name, default)


@pytest.mark.parametrize(("first", "worker", "cell"), [(0, "gw1", 1), (3, "gw0", 3), (3, "gw2", 5), (2, None, 2)])
def test_a_run_beside_another_drives_the_cells_from_first_cell(first: int, worker: str | None, cell: int) -> None:
    assert options.cell_of(Options(first, 3, worker)) == cell  # type: ignore[arg-type]


@pytest.mark.parametrize(("first", "workers"), [(4, 3), (-1, 2), (CELL_LIMIT, None)])
def test_first_cell_past_the_cells_there_are_is_refused_saying_what_to_pass(first: int, workers: int | None) -> None:
    with pytest.raises(TooManyCells, match=r"cells are numbered 0 to 5: pass --first-cell between 0 and"):
        options.check_first_cell(Options(first, workers))  # type: ignore[arg-type]
    options.check_first_cell(Options(CELL_LIMIT - (workers or 1), workers))  # type: ignore[arg-type]


SERVERS = {"local": "https://10.222.0.1:6443", "kind": "https://127.0.0.1:41234", "alias": "https://10.222.0.1:6443"}


@pytest.mark.parametrize(("worker", "context"), [("gw0", "local"), ("gw1", "kind"), (None, "local")])
def test_with_cell_contexts_each_worker_drives_a_whole_cluster_as_cell_zero(worker: str | None, context: str) -> None:
    config = Options(0, 2, worker, cell_context=["local", "kind"])
    options.check_cell_contexts(config, SERVERS)  # type: ignore[arg-type]
    assert options.cell_context(config) == context  # type: ignore[arg-type]
    assert (options.cell_of(config), options.cell_count(config)) == (0, 1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("workers", "more", "message"),
    [
        (None, {"cell_context": ["local", "kind"]}, "2 --cell-context given: pass -n 2, one worker per cluster"),
        (3, {"cell_context": ["local", "kind"]}, "pass -n 2"),
        (
            2,
            {"cell_context": ["local", "prod"]},
            "'prod' is not a context of the kubeconfig .it has: alias, kind, local",
        ),
        (2, {"cell_context": ["local", "alias"]}, "'local' and 'alias' are one cluster .API server https://10.222"),
        (2, {"cell_context": ["local", "kind"], "context": "kind"}, "drop --context"),
        (2, {"cell_context": ["local", "kind"], "first_cell": 2}, "drop --first-cell"),
    ],
)
def test_cell_contexts_that_cannot_make_one_cell_per_cluster_are_refused_saying_what_to_pass(
    workers: int | None, more: dict[str, object], message: str
) -> None:
    config = Options(int(more.pop("first_cell", 0)), workers, **more)  # type: ignore[arg-type]
    with pytest.raises(options.BadCellContexts, match=message):
        options.check_cell_contexts(config, SERVERS)  # type: ignore[arg-type]


def test_a_kubeconfigs_contexts_and_their_servers_are_read_from_the_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text(
        yaml.safe_dump(
            {
                "clusters": [{"name": "a", "cluster": {"server": "https://a:6443"}}],
                "contexts": [{"name": "ctx-a", "context": {"cluster": "a"}}, {"name": "ctx-b", "context": {}}],
            }
        )
    )
    assert context_servers(path) == {"ctx-a": "https://a:6443", "ctx-b": ""}
    with pytest.raises(ClusterUnreachable, match="cannot be read"):
        context_servers(tmp_path / "missing")


def test_a_worker_id_that_is_not_xdists_is_refused() -> None:
    with pytest.raises(ValueError, match="gw0, gw1"):
        cell_of_worker("worker-a")


def test_the_helmrelease_of_a_cell_lives_in_its_namespace() -> None:
    docs = render_helmrelease(PROFILES[DEFAULT_PROFILE], cell_names(RUNBOOK, 1))
    namespace = next(d for d in docs if d["kind"] == "Namespace")
    release = next(d for d in docs if d["kind"] == "HelmRelease")
    assert namespace["metadata"]["name"] == "redis-cell1"
    assert release["metadata"]["namespace"] == "redis-cell1" and release["metadata"]["name"] == "redis"
    # Its NetworkPolicy lets in its own clients (the chart's default names the runbook's namespaces).
    assert release["spec"]["values"]["networkPolicy"]["clientNamespaces"] == ["bruno-cell1", "homepage-cell1"]
    # The chart's source stays the one repository in flux-system that every cell shares.
    assert release["spec"]["chart"]["spec"]["sourceRef"]["namespace"] == "flux-system"


def test_the_clients_of_a_cell_live_in_its_namespaces_and_use_its_redis() -> None:
    cell = cell_names(RUNBOOK, 1)
    docs = list(yaml.safe_load_all(render_clients(cell)))
    namespaces = {d["metadata"]["name"] for d in docs if d["kind"] == "Namespace"}
    assert namespaces == {"bruno-cell1", "homepage-cell1"}
    for doc in (d for d in docs if d["kind"] == "Deployment"):
        env = {e["name"]: e.get("value") for e in doc["spec"]["template"]["spec"]["containers"][0]["env"]}
        assert env["REDIS_HOST"] == cell.service_host
        assert doc["metadata"]["namespace"].endswith("-cell1")


def test_cell_zero_renders_the_clients_file_unchanged_in_substance() -> None:
    docs = list(yaml.safe_load_all(render_clients(RUNBOOK)))
    hosts = {
        e["value"]
        for d in docs
        if d["kind"] == "Deployment"
        for e in d["spec"]["template"]["spec"]["containers"][0]["env"]
        if e["name"] == "REDIS_HOST"
    }
    assert hosts == {RUNBOOK.service_host}


def test_prometheus_watches_every_cell_and_the_bitnami_system() -> None:
    assert set(SYSTEMS) == {*every_cell(RUNBOOK), BITNAMI}
    exporter_job = prometheus_config()["scrape_configs"][0]
    watched = exporter_job["relabel_configs"][0]["regex"].split("|")
    assert "redis-cell5" in watched and "redis" in watched and "redis-bitnami" in watched


def test_undo_records_are_kept_per_cell_and_rebuild_the_cells_names() -> None:
    cell = cell_names(RUNBOOK, 4)
    record = {"mode": "oom", "redis_namespace": cell.namespace, "clients": client_specs(cell.clients)}
    assert records.key(cell.namespace, "oom") == "redis-cell4.oom"
    assert records._split("redis-cell4.oom") == ("redis-cell4", "oom")
    assert records._split("oom") == (None, "oom")  # written before cells: whoever asks
    assert records.names_of(record, RUNBOOK) == cell
    assert records.names_of({"mode": "oom"}, RUNBOOK) == RUNBOOK


def test_only_modes_that_change_what_cells_share_run_alone() -> None:
    alone = {name for name, mode in MODES.items() if mode.shares}
    assert alone == {"node", "pvc-loss", "disk-full", "disk-full-backups"}


def test_the_lock_is_one_file_per_cluster(tmp_path: Path) -> None:
    assert lock_path("https://a:6443", tmp_path) != lock_path("https://b:6443", tmp_path)
    assert lock_path("https://a:6443", tmp_path) == lock_path("https://a:6443", tmp_path)


def test_an_exclusive_change_waits_for_the_shared_ones_and_they_for_it(tmp_path: Path) -> None:
    path = lock_path("https://cluster:6443", tmp_path)
    cell_a, cell_b, alone = ClusterLock(path), ClusterLock(path), ClusterLock(path)
    events: list[str] = []
    a_holding, exclusive_waiting = threading.Event(), threading.Event()

    def shared_then_release() -> None:
        with cell_a.hold(exclusive=False, what="cell a"):
            events.append("a in")
            a_holding.set()
            exclusive_waiting.wait(5)
            time.sleep(0.3)  # the exclusive one is queued behind a now
            events.append("a out")

    def exclusive() -> None:
        a_holding.wait(5)
        exclusive_waiting.set()
        with alone.hold(exclusive=True, what="node"):
            events.append("alone in")
            time.sleep(0.3)
            events.append("alone out")

    threads = [threading.Thread(target=shared_then_release), threading.Thread(target=exclusive)]
    for thread in threads:
        thread.start()
    exclusive_waiting.wait(5)
    time.sleep(0.1)
    with cell_b.hold(exclusive=False, what="cell b"):  # arrives after the exclusive one: queues behind it
        events.append("b in")
    for thread in threads:
        thread.join(10)
    assert events == ["a in", "a out", "alone in", "alone out", "b in"]


def test_a_change_inside_an_exclusive_hold_does_not_wait_for_itself(tmp_path: Path) -> None:
    lock = ClusterLock(lock_path("https://cluster:6443", tmp_path))
    with lock.hold(exclusive=True, what="rules changed"), lock.hold(exclusive=False, what="image-pull") as waited:
        assert waited == 0.0


def test_a_shared_hold_is_never_upgraded(tmp_path: Path) -> None:
    lock = ClusterLock(lock_path("https://cluster:6443", tmp_path))
    with (
        lock.hold(exclusive=False, what="install"),
        pytest.raises(RuntimeError, match="take it first"),
        lock.hold(exclusive=True, what="node"),
    ):
        pass
