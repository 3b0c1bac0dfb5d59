"""The local CloudFormation driver's own tests use the end-to-end tests' driver, without request
rates: they check CloudFormation's rules (order, rollback, cleanup), and the library's
end-to-end tests are the ones that meet the documented rates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import lambdas, local_driver
from tests.harness.deploy import LocalCloudFormation

__all__ = ["cloudformation", "lambdas"]


@pytest.fixture()
def cloudformation(lambdas: Any, sink: Any, emulator: Any, local_drivers: Any) -> Iterator[LocalCloudFormation]:
    """The emulator fixture starts unlimited; the session CloudFormation emulator serves this
    driver's stacks (the function reads its own stack's status there)."""
    yield local_driver(lambdas, sink, emulator, local_drivers)
    local_drivers.clear()
