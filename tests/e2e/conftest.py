"""The local CloudFormation driver, wired to the function and the emulator."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.config import Config

from tests.conftest import client_for
from tests.fakes.cloudformation.server import LocalDrivers
from tests.harness.deploy import LocalCloudFormation
from tests.harness.lambda_service import LambdaService

# CloudFormation's own handlers wait out throttling patiently.
NATIVE_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 30})


@pytest.fixture(scope="session")
def lambdas(function_env: dict[str, str]) -> Iterator[LambdaService]:
    """The function's Lambda execution environments, kept warm across tests."""
    service = LambdaService(function_env)
    yield service
    service.close()


@pytest.fixture()
def cloudformation(
    lambdas: LambdaService, sink: Any, emulator: Any, local_drivers: LocalDrivers
) -> Iterator[LocalCloudFormation]:
    """The driver at AWS's documented request rates."""
    emulator.rates.reset()
    yield local_driver(lambdas, sink, emulator, local_drivers)
    local_drivers.clear()


def local_driver(
    lambdas: LambdaService, sink: Any, emulator: Any, drivers: LocalDrivers | None = None
) -> LocalCloudFormation:
    """A driver wired to the function and the emulator; ``drivers``: the session CloudFormation
    emulator's registry, which then serves this driver's stacks (to the function too)."""
    clients: dict[str, Any] = {}
    lock = threading.Lock()

    def native_client(account: str) -> Any:
        with lock:  # boto3's default session builds clients one thread at a time
            if account not in clients:
                clients[account] = client_for(account, emulator, NATIVE_RETRIES, observer=False)
            return clients[account]

    driver = LocalCloudFormation(
        sink=sink,
        lambdas=lambdas,
        client_for=native_client,
        ram=emulator.state.ram,
        models_lock=emulator.state.lock,
        iam=emulator.iam,
    )
    if drivers is not None:
        drivers.add(driver)
    return driver
