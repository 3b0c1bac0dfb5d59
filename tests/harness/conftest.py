"""The local CloudFormation driver's own tests use the end-to-end tests' driver, without request
rates: they check CloudFormation's rules (order, rollback, cleanup), and the library's
end-to-end tests are the ones that meet the documented rates."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import lambdas, local_driver
from tests.harness.deploy import LocalCloudFormation

__all__ = ["cloudformation", "lambdas"]


@pytest.fixture()
def cloudformation(lambdas: Any, sink: Any, emulator: Any) -> LocalCloudFormation:
    return local_driver(lambdas, sink, emulator)  # the emulator fixture starts unlimited
