"""`pytest -m verify`: prove Redis is really back, by the runbook's Verification section. Read-only.

One test per check of checks/verification/registry.py (the list every chaos experiment judges too), once per
client for a client's check. Every check runs on its own: a broken system fails each check with what it measured,
never an error in setup.
"""

from __future__ import annotations

import pytest

from checks.runbook.model import Runbook
from checks.verification.registry import REGISTRY, Inputs, VerificationCheck
from fixtures.core.kube import Cluster
from fixtures.core.names import Client, RunbookNames
from fixtures.core.options import names_from_options

pytestmark = pytest.mark.verify


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "verification" in metafunc.fixturenames:
        clients = names_from_options(metafunc.config).clients
        cases = [
            pytest.param(check, client, id=f"{check.id}-{client.deployment}" if client else check.id)
            for check in REGISTRY
            for client in (clients if check.per_client else [None])
        ]
        metafunc.parametrize(("verification", "client"), cases)


@pytest.fixture(scope="session")
def verify_inputs(
    cluster: Cluster, names: RunbookNames, verify_runbook: Runbook, request: pytest.FixtureRequest
) -> Inputs:
    return Inputs(
        cluster,
        names,
        verify_runbook,
        expected_version=request.config.getoption("expected_redis_version"),
        clients_since=request.config.getoption("clients_clean_since"),
        prometheus=request.config.getoption("prometheus"),
    )


def test_verification(verification: VerificationCheck, client: Client | None, verify_inputs: Inputs, check) -> None:
    check(lambda: verification.run(verify_inputs, client))
