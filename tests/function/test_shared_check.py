"""``Custom::SmsSharedResourceCheck`` in the consumer account, against two emulated accounts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import CONSUMER, OWNER, REGION, access_key_for, share
from tests.harness.cloudformation import STACK_ID, CustomResource, LambdaContext

CONSUMER_STACK = STACK_ID.replace(OWNER, CONSUMER).replace("SmsProducer", "SmsConsumer")


@pytest.fixture()
def consumer_function(function: Any, emulator: Any) -> Iterator[Any]:
    """The function deployed in the consumer account (its client signs as the consumer)."""
    from shared_sms_function.client import sms_voice_client

    owner_client = function.CLIENT
    function.CLIENT = sms_voice_client(
        REGION, endpoint_url=emulator.url, aws_access_key_id=access_key_for(CONSUMER), aws_secret_access_key="x"
    )
    yield function
    function.CLIENT = owner_client


@pytest.fixture()
def check(consumer_function: Any, sink: Any) -> CustomResource:
    resource = CustomResource(
        handler=consumer_function.handler, sink=sink, logical_id="SharedNumberCheck", stack_id=CONSUMER_STACK
    )
    return resource


def _check_event(check: CustomResource, arn: str, request_type: str = "Create") -> dict[str, Any]:
    event = check.event(request_type, {"ResourceArn": arn})
    event["ResourceType"] = "Custom::SmsSharedResourceCheck"
    return event


def test_check_passes_for_a_shared_number_and_exposes_its_fields(
    check: CustomResource, owner_client: Any, phone_number_arn: str
) -> None:
    share(owner_client, phone_number_arn)
    answer = check.send(_check_event(check, phone_number_arn))
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["PhysicalResourceId"] == phone_number_arn
    assert answer["Data"]["Status"] == "ACTIVE" and answer["Data"]["MessageType"] == "TRANSACTIONAL"
    assert answer["Data"]["TwoWayEnabled"] == "false"


def test_fails_check_for_an_unshared_number_naming_both_accounts(check: CustomResource, phone_number_arn: str) -> None:
    answer = check.send(_check_event(check, phone_number_arn))
    assert answer["Status"] == "FAILED"
    number_id = phone_number_arn.split("/", 1)[1]
    assert answer["Reason"].startswith(f"phone number {phone_number_arn} is not shared with {CONSUMER} yet")
    assert OWNER in phone_number_arn and number_id in answer["Reason"]
    # Resources shared through RAM with accounts outside the organization wait for an acceptance.
    assert answer["Reason"].endswith("outside the owner's organization, accept the RAM invitation first")


def test_a_check_denied_by_iam_is_tried_again_while_the_role_policy_applies(
    check: CustomResource, emulator: Any, owner_client: Any, phone_number_arn: str
) -> None:
    share(owner_client, phone_number_arn)
    emulator.faults.deny_next = 1  # IAM has not applied the role's policy yet
    answer = check.send(_check_event(check, phone_number_arn))
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert emulator.call_count("DescribePhoneNumbers") == 2


def test_a_check_still_denied_names_the_permission_it_needs_on_star(
    check: CustomResource, emulator: Any, owner_client: Any, phone_number_arn: str
) -> None:
    share(owner_client, phone_number_arn)
    emulator.faults.deny_next = 10  # an SCP or a boundary: IAM keeps saying no
    answer = check.send(_check_event(check, phone_number_arn), LambdaContext(timeout_s=16))
    assert answer["Status"] == "FAILED"
    assert answer["Reason"].startswith("DescribePhoneNumbers with Owner=SHARED was denied")
    assert 'needs sms-voice:DescribePhoneNumbers on Resource "*"' in answer["Reason"]
    assert 1 < emulator.call_count("DescribePhoneNumbers") < 10  # tried again while time allowed


def test_a_denial_for_an_account_state_is_not_tried_again(
    check: CustomResource, emulator: Any, owner_client: Any, phone_number_arn: str
) -> None:
    share(owner_client, phone_number_arn)
    emulator.faults.deny_next = 1
    emulator.faults.deny_reason = "ACCOUNT_DISABLED"
    answer = check.send(_check_event(check, phone_number_arn))
    assert answer["Status"] == "FAILED"
    assert "AccessDeniedException (ACCOUNT_DISABLED)" in answer["Reason"]
    assert emulator.call_count("DescribePhoneNumbers") == 1


def test_check_finds_a_shared_sender_id_with_filters_and_a_pool_past_the_first_page(
    check: CustomResource, emulator: Any, owner_client: Any
) -> None:
    sender = owner_client.request_sender_id(SenderId="EXAMPLECO", IsoCountryCode="GB")["SenderIdArn"]
    share(owner_client, sender)
    pools = [  # a sender ID may be in many pools, a phone number in one
        owner_client.create_pool(OriginationIdentity=sender, MessageType="TRANSACTIONAL")["PoolArn"] for _ in range(105)
    ]
    for arn in pools:
        share(owner_client, arn)
    last = sorted(pools)[-1]

    assert check.send(_check_event(check, sender))["Status"] == "SUCCESS"
    emulator.state.calls.clear()
    answer = check.send(_check_event(check, last))
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert emulator.call_count("DescribePools") == 2  # paginated


def test_deleting_a_check_calls_nothing(check: CustomResource, emulator: Any, phone_number_arn: str) -> None:
    event = _check_event(check, phone_number_arn, "Delete")
    event["PhysicalResourceId"] = phone_number_arn
    emulator.state.calls.clear()
    assert check.send(event)["Status"] == "SUCCESS"
    assert sum(emulator.state.calls.values()) == 0


def _update_keeping_the_arn(check: CustomResource, arn: str) -> dict[str, Any]:
    """The Update a library upgrade sends every check (ServiceTimeout changed, same ARN)."""
    event = _check_event(check, arn, "Update")
    event["PhysicalResourceId"] = arn
    event["OldResourceProperties"] = {"ServiceToken": "arn:aws:lambda:...", "ResourceArn": arn, "ServiceTimeout": "1"}
    return event


def test_an_update_that_cannot_check_again_fails_for_a_retry_instead_of_answering_no_attributes(
    check: CustomResource, emulator: Any, owner_client: Any, phone_number_arn: str
) -> None:
    """CloudFormation reads Fn::GetAtt from the latest answer: a SUCCESS without the attributes
    would break every reference to them (DOMAIN.md)."""
    share(owner_client, phone_number_arn)
    emulator.faults.throttle_next = 10_000  # throttled for longer than the invocation lasts
    answer = check.send(_update_keeping_the_arn(check, phone_number_arn), LambdaContext(timeout_s=12))
    assert answer["Status"] == "FAILED", answer.get("Data")
    assert answer["Reason"].endswith("retry")


def test_a_forward_update_fails_when_the_owner_stopped_sharing(
    check: CustomResource, emulator: Any, owner_client: Any, phone_number_arn: str
) -> None:
    """Not a rollback (the stack's status says so): the check checks, as a Create would."""
    answer = check.send(_update_keeping_the_arn(check, phone_number_arn))
    assert answer["Status"] == "FAILED"
    assert "is not shared with" in answer["Reason"]
