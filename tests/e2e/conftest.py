"""The local CloudFormation driver, wired to the function and the emulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import CONSUMER, OWNER, REGION, access_key_for, client_for
from tests.e2e.accounts import NEW_CONSUMER, ORG_MEMBER
from tests.harness.deploy import LocalCloudFormation


@pytest.fixture()
def cloudformation(function: Any, sink: Any, emulator: Any) -> Iterator[LocalCloudFormation]:
    from shared_sms_function.client import sms_voice_client

    clients = {
        a: sms_voice_client(
            REGION, endpoint_url=emulator.url, aws_access_key_id=access_key_for(a), aws_secret_access_key="x"
        )
        for a in (OWNER, CONSUMER, NEW_CONSUMER, ORG_MEMBER)
    }
    original = function.CLIENT

    def use_account(account: str) -> None:
        function.CLIENT = clients[account]

    yield LocalCloudFormation(
        sink=sink,
        handler=function.handler,
        client_for=lambda a: client_for(a, emulator),
        use_account=use_account,
        ram=emulator.state.ram,
    )
    function.CLIENT = original
