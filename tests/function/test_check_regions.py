"""Issue 22 (review M2): the function in us-west-2 checks an ARN of us-east-1 in us-east-1.

``Owner="SHARED"`` lists only the caller's region; the emulator scopes resources per region as
the service does, so a list in the function's own region cannot see the number."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import CONSUMER, OWNER, REGION, access_key_for, share
from tests.harness.cloudformation import STACK_ID, CustomResource

FUNCTION_REGION = "us-west-2"
CONSUMER_STACK = (
    STACK_ID.replace(OWNER, CONSUMER).replace("SmsProducer", "SmsConsumer").replace(REGION, FUNCTION_REGION)
)


@pytest.fixture()
def west_function(function: Any, emulator: Any) -> Iterator[Any]:
    """The function deployed in the consumer account, in us-west-2."""
    from shared_sms_function.client import sms_voice_client

    owner_client = function.CLIENT
    function.CLIENT = sms_voice_client(
        FUNCTION_REGION, aws_access_key_id=access_key_for(CONSUMER), aws_secret_access_key="x"
    )
    yield function
    function.CLIENT = owner_client


def test_a_number_of_another_region_is_listed_in_its_region(
    west_function: Any, sink: Any, owner_client: Any, phone_number_arn: str, emulator: Any
) -> None:
    from shared_sms_function import shared_check

    assert f":{REGION}:" in phone_number_arn
    share(owner_client, phone_number_arn)
    check = CustomResource(handler=west_function.handler, sink=sink, logical_id="Check", stack_id=CONSUMER_STACK)
    event = check.event("Create", {"ResourceArn": phone_number_arn})
    event["ResourceType"] = "Custom::SmsSharedResourceCheck"
    answer = check.send(event)
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["Data"]["Status"] == "ACTIVE"

    regional = shared_check.client_for(west_function.CLIENT, phone_number_arn)
    assert regional.meta.region_name == REGION and regional is shared_check.client_for(
        west_function.CLIENT, phone_number_arn
    )
    assert shared_check.client_for(west_function.CLIENT, phone_number_arn.replace(REGION, FUNCTION_REGION)) is (
        west_function.CLIENT
    )
    assert regional._get_credentials().access_key == access_key_for(CONSUMER)  # the same identity


def test_check_shared_with_an_explicit_endpoint_lists_there_in_the_arns_region(
    emulator: Any, owner_client: Any, phone_number_arn: str
) -> None:
    """The review's reproduction: ``check_shared`` called with a us-west-2 client of an explicit
    endpoint (an emulator, a proxy); the twin keeps the endpoint and signs for us-east-1."""
    from shared_sms_function import shared_check
    from shared_sms_function.client import sms_voice_client

    share(owner_client, phone_number_arn)
    west = sms_voice_client(
        FUNCTION_REGION,
        endpoint_url=emulator.url,
        aws_access_key_id=access_key_for(CONSUMER),
        aws_secret_access_key="x",
    )
    assert shared_check.check_shared(west, phone_number_arn, CONSUMER)["Status"] == "ACTIVE"
    assert shared_check.client_for(west, phone_number_arn).meta.endpoint_url == emulator.url
