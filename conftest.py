"""Suite-wide options and fixtures: which cluster, and a handle on it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_kind import KindCluster

from chaos import runner, safety
from chaos.errors import ChaosRefused
from chaos.safety import Permit
from chaos.target import Target
from fixtures.core.cells import ClusterLock, lock_path
from fixtures.core.kube import Cluster, ClusterUnreachable, default_kubeconfig
from fixtures.core.names import BITNAMI, CELL_LIMIT, RunbookNames, cell_names
from fixtures.core.options import (
    REPORTS,
    cell_context,
    cell_count,
    cell_of,
    names_from_options,
    system_name,
    worker_input,
)
from fixtures.core.waits import WaitTimeout
from fixtures.kind import cluster as kind_cluster
from fixtures.kind import config as kind_config
from fixtures.kind.docker import DockerError
from fixtures.kind.nodeimage import NodeImageFailed
from fixtures.kind.settings import KindSettings, kind_settings
from fixtures.report import run_info
from fixtures.sut import install as sut_install
from fixtures.sut.kubectl import InstallFailed
from fixtures.sut.profiles import DEFAULT_PROFILE, PROFILES, Profile
from fixtures.sut.release import PROFILE_ANNOTATION, installed_profile
from tests.system import broken_states

log = logging.getLogger(__name__)

pytest_plugins = ["fixtures.plugin"]
# Set by the `cluster` fixture: this session's cluster is the kind cluster --cluster kind made.
KIND_MADE = pytest.StashKey[bool]()


@pytest.fixture(scope="session")
def names(request: pytest.FixtureRequest) -> RunbookNames:
    """The runbook's names, or the ones given with --redis-* and --client options."""
    return names_from_options(request.config)


@pytest.fixture(scope="session")
def cluster(request: pytest.FixtureRequest) -> Iterator[Cluster]:
    """The cluster chosen by --kubeconfig/--context, else by --cluster (default: the local one `fixtures.cluster up`
    made; kind: the two-node kind cluster, created here and deleted at the end unless --keep-cluster).

    A missing or unreadable kubeconfig, an unknown context or an API server that does not answer ends the
    session in one line (exit 4): no test can do anything without a cluster, so none is run to say it again.
    """
    path = request.config.getoption("kubeconfig")
    context = request.config.getoption("context") or cell_context(request.config)
    kind = None
    if path:
        kubeconfig = Path(path)
    elif request.config.getoption("cluster") == "kind":
        kind = _kind_cluster(request)
        kubeconfig, context = kind.kubeconfig_path, context or kind_config.CONTEXT
    else:
        kubeconfig = default_kubeconfig()
    try:
        handle = Cluster.connect(kubeconfig, context)
    except ClusterUnreachable as exc:
        pytest.exit(f"no cluster to test: {exc}", returncode=pytest.ExitCode.USAGE_ERROR)
    run_info.record(
        REPORTS / "run-info.json",
        run_info.collect(
            args=list(request.config.invocation_params.args),
            kubeconfig=handle.kubeconfig,
            context=handle.context,
            server=handle.server,
            kubernetes_version=handle.server_version(),
            runbook=Path(request.config.getoption("runbook")).resolve(),
            game_day=request.config.getoption("game_day"),
        ),
    )
    request.config.stash[KIND_MADE] = kind is not None
    yield handle
    if kind is not None and not request.config.getoption("keep_cluster"):
        kind_cluster.down(settings=_kind_settings(request.config))


def _suite_installs(request: pytest.FixtureRequest, cluster: Cluster) -> bool:
    """Whether the suite installs (and switches profiles) here: on the cluster `fixtures.cluster up` made, on the
    kind cluster --cluster kind made for this session, and on the one `python -m fixtures.kind up` made (a context
    of it can be a cell). Changing it still needs the safety gate's permit."""
    return _kind_made(request, cluster) or cluster.created_by_suite()


def _kind_made(request: pytest.FixtureRequest, cluster: Cluster) -> bool:
    """Whether this session's cluster is a kind cluster the suite made (here, or by `python -m fixtures.kind up`)."""
    return request.config.stash.get(KIND_MADE, False) or cluster.made_by_kind_up()


@pytest.fixture(scope="session")
def suite_installs(request: pytest.FixtureRequest, cluster: Cluster) -> bool:
    """Whether the suite installs systems (and cells) on this session's cluster."""
    return _suite_installs(request, cluster)


def _kind_cluster(request: pytest.FixtureRequest) -> KindCluster:
    """--cluster kind: the two-node kind cluster, created (or reused) and set up; one line and exit 4 on failure."""
    try:
        handle, timings = kind_cluster.up(settings=_kind_settings(request.config))
    except (kind_cluster.KindFailed, DockerError, NodeImageFailed, WaitTimeout) as exc:
        pytest.exit(f"no kind cluster to test: {exc}", returncode=pytest.ExitCode.USAGE_ERROR)
    log.info(f"KIND ready: {timings}")
    return handle


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest, cluster: Cluster, names: RunbookNames) -> Target:
    """Where chaos acts: the chosen cluster and context, the runbook, its names and the allow-list."""
    return Target(
        kubeconfig=cluster.kubeconfig,
        context=cluster.context,
        runbook=Path(request.config.getoption("runbook")).resolve(),
        names=names,
        allow_chaos_on=frozenset(request.config.getoption("allow_chaos_on")),
        docker_host=_docker_host(request, cluster),
        # Where the suite installs the system it installs the monitoring stack with it: the page must be measured.
        alert_path="required" if _suite_installs(request, cluster) else "if-present",
    )


def _kind_settings(config: pytest.Config) -> KindSettings:
    """--kind-node-image and --docker-host for --cluster kind (validated by the plugin at configure time)."""
    return kind_settings(config.getoption("kind_node_image"), config.getoption("docker_host"))


def _docker_host(request: pytest.FixtureRequest, cluster: Cluster) -> str:
    """The docker daemon whose containers are the kind nodes: --docker-host, else the one a kind cluster the suite
    made runs on (the suite's own docker for the offline node image), else docker's default ("")."""
    if request.config.getoption("docker_host"):
        return request.config.getoption("docker_host")
    return _kind_settings(request.config).docker_host if _kind_made(request, cluster) else ""


@pytest.fixture(scope="session")
def registries_offline(request: pytest.FixtureRequest, cluster: Cluster) -> bool:
    """Whether the nodes' registries point at the dead loopback mirror: on every cluster the suite builds (the local
    one, kind from the offline node image), not on kind from a published image, whose nodes pull from the registry."""
    made_kind = request.config.stash.get(KIND_MADE, False)
    return not made_kind or _kind_settings(request.config).offline


@pytest.fixture(scope="session")
def cluster_lock(cluster: Cluster) -> ClusterLock:
    """The cluster's lock (fixtures/core/cells.py): every change holds it shared, a cluster-wide fault exclusive."""
    return ClusterLock(lock_path(cluster.server))


@pytest.fixture(scope="session")
def permit(target: Target) -> Permit:
    """The safety gate's permit to change the target cluster; the test fails in one line without one."""
    try:
        return safety.authorize(target)
    except ChaosRefused as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def profile(request: pytest.FixtureRequest) -> Profile:
    """The profile of the system under test chosen with --profile (default: runbook)."""
    return PROFILES[request.config.getoption("profile") or DEFAULT_PROFILE]


@pytest.fixture(scope="session")
def redis_system(
    request: pytest.FixtureRequest,
    cluster: Cluster,
    target: Target,
    names: RunbookNames,
    profile: Profile,
    cluster_lock: ClusterLock,
) -> Iterator[sut_install.InstallReport]:
    """The system chosen with --system (through Flux, with its clients), installed and healthy; left unless
    --remove-system. The runbook's own is installed with `profile`; the other system is left as it is."""
    if system_name(request.config) == "bitnami":
        yield from _bitnami_system(request, cluster, target, cluster_lock)
        return
    if not _suite_installs(request, cluster):
        installed = installed_profile(cluster, names)
        if request.config.getoption("profile") is not None and installed != profile.name:
            seen = installed or f"unknown (no {PROFILE_ANNOTATION} annotation on the HelmRelease)"
            fix = f"pass --profile {installed} or drop --profile" if installed else "drop --profile"
            pytest.fail(
                f"--profile {profile.name}, but context {cluster.context!r} has Redis installed with profile {seen} "
                f"and the suite switches profiles only on the cluster `python -m fixtures.cluster up` made: {fix}",
                pytrace=False,
            )
    yield from _installed(
        request,
        cluster,
        target,
        names,
        "Redis",
        cluster_lock,
        install=lambda: sut_install.ensure_installed(cluster, profile=profile, names=names),
        remove=lambda: sut_install.remove(cluster, names),
    )


def _bitnami_system(
    request: pytest.FixtureRequest, cluster: Cluster, target: Target, cluster_lock: ClusterLock
) -> Iterator[sut_install.InstallReport]:
    """redis_system for --system bitnami: the Bitnami-shaped Redis in redis-bitnami and its clients."""
    if cell_of(request.config) > 0:
        pytest.fail("pytest -n (cells) is for --system runbook only: run --system bitnami without -n", pytrace=False)
    if request.config.getoption("profile") is not None:
        pytest.fail(
            "--profile applies only to --system runbook (the Bitnami-shaped system has the chart's and Flux's "
            "defaults): drop --profile",
            pytrace=False,
        )

    def install() -> sut_install.InstallReport:
        undone = broken_states.remove_leftovers(cluster, BITNAMI)
        if undone:
            log.info(f"INSTALL undone what a killed broken-state test left: {'; '.join(undone)}")
        return sut_install.ensure_bitnami_installed(cluster)

    yield from _installed(
        request,
        cluster,
        target,
        BITNAMI,
        f"the Bitnami-shaped Redis (ns {BITNAMI.namespace})",
        cluster_lock,
        install=install,
        remove=lambda: sut_install.remove_bitnami(cluster),
    )


def _cells_not_driven(config: pytest.Config, names: RunbookNames) -> Callable[[str], bool]:
    """For the first cell of a pytest-xdist run: whether a Redis namespace is a cell that no worker of this run
    drives (its records are a killed run's, safe to repair now). Other cells, and a run without xdist (which may
    run beside one: the interrupt test's), repair only their own; `python -m chaos repair` repairs every cell's."""
    if cell_of(config) != 0 or not worker_input(config):
        return lambda namespace: False
    idle = {cell_names(names, cell).namespace for cell in range(cell_count(config), CELL_LIMIT)}
    return lambda namespace: namespace in idle


def _installed(
    request: pytest.FixtureRequest,
    cluster: Cluster,
    target: Target,
    names: RunbookNames,
    what: str,
    cluster_lock: ClusterLock,
    *,
    install: Callable[[], sut_install.InstallReport],
    remove: Callable[[], None],
) -> Iterator[sut_install.InstallReport]:
    """`what`, installed and healthy with its baseline sentinel set, on the cluster the suite made; elsewhere only
    required healthy. Removed at the end with --remove-system."""
    if not _suite_installs(request, cluster):
        if cell_of(request.config) > 0:
            pytest.fail(
                f"pytest -n: cell {cell_of(request.config)} (ns {names.namespace}) is installed only on a cluster the "
                f"suite installs, and context {cluster.context!r} is not one: run without -n",
                pytrace=False,
            )
        if not sut_install.is_healthy(cluster, names):
            pytest.fail(
                f"{what} is not installed and healthy in context {cluster.context!r}, and the suite installs only "
                "into the cluster `python -m fixtures.cluster up` made",
                pytrace=False,
            )
        yield sut_install.InstallReport(installed=False, seconds=0.0)
        return
    # Undo every fault a killed chaos run left on this cell (its undo record says what was there) before anything
    # else runs, alone: a record may be of a cluster-wide fault. The first cell also repairs cells no worker drives.
    permit = safety.authorize(target)
    also, before_cells = _cells_not_driven(request.config, names), cell_of(request.config) == 0
    if runner.pending_repairs(permit, also, before_cells):
        with cluster_lock.hold(exclusive=True, what=f"repairing what a killed run left ({what})"):
            runner.repair(permit, also, before_cells)
    with cluster_lock.hold(exclusive=False, what=f"installing {what}"):
        try:
            report = install()
            sut_install.ensure_baseline_sentinels(cluster, names)
        except (InstallFailed, WaitTimeout) as exc:
            pytest.fail(f"installing {what} and its clients failed: {exc}", pytrace=False)
    yield report
    if request.config.getoption("remove_system"):
        remove()
