"""Events CloudFormation no longer waits for, and a function that does not know its stack, change
nothing (issue 23: replayed or late events; fail closed).

CloudFormation invokes the function asynchronously: Lambda may deliver an event late or again
(lambda/shared_sms_function/freshness.py). The ResponseURL's signing time plus the resource's
ServiceTimeout is when CloudFormation stops waiting."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.conftest import CONSUMER, attached, ours
from tests.harness.cloudformation import CustomResource, LambdaContext, policy_json

SERVICE_TIMEOUT_S = 1080  # the construct's (constructs/shared_sms/policy_function.py)


def signed(resource: CustomResource, event: dict[str, Any], seconds_ago: float) -> dict[str, Any]:
    event["ResponseURL"] = resource.sink.response_url(event["RequestId"], signed_at=time.time() - seconds_ago)
    event["ResourceProperties"]["ServiceTimeout"] = str(SERVICE_TIMEOUT_S)
    return event


def test_a_create_delivered_again_after_its_delete_writes_nothing(
    resource: CustomResource, owner_client: Any, phone_number_arn: str
) -> None:
    """Lambda's retry (or a late delivery) of a Create whose Delete already answered: acting on it
    would put back a grant that CloudFormation believes gone, with nothing left to remove it."""
    props = {"ResourceArn": phone_number_arn, "Policy": policy_json(CONSUMER, arn=phone_number_arn)}
    create = resource.event("Create", props)
    assert resource.send(create)["Status"] == "SUCCESS"
    resource.physical_id = phone_number_arn
    assert resource.delete()["Status"] == "SUCCESS"
    assert attached(owner_client, phone_number_arn) is None

    again = signed(resource, {**create, "RequestId": create["RequestId"] + "-again"}, SERVICE_TIMEOUT_S + 60)
    answer = resource.send(again)

    assert answer["Status"] == "FAILED" and "stopped waiting" in answer["Reason"], answer["Reason"]
    assert attached(owner_client, phone_number_arn) is None


def test_a_create_delivered_again_within_its_service_timeout_after_its_delete_writes_nothing(
    resource: CustomResource, owner_client: Any, phone_number_arn: str
) -> None:
    """The same, delivered soon: the update that created it failed, and its rollback's cleanup
    has deleted it while the function's role may still write there (the grant goes after the
    resource). CloudFormation no longer has the resource, so the event is not confirmed."""
    props = {"ResourceArn": phone_number_arn, "Policy": policy_json(CONSUMER, arn=phone_number_arn)}
    create = resource.event("Create", props)
    assert resource.send(create)["Status"] == "SUCCESS"
    resource.physical_id, resource.stack_status = phone_number_arn, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"
    assert resource.delete()["Status"] == "SUCCESS"

    again = signed(resource, {**create, "RequestId": create["RequestId"] + "-again"}, 5)
    answer = resource.send(again)

    assert answer["Status"] == "FAILED" and "not an event of this stack's deployment" in answer["Reason"], answer
    assert attached(owner_client, phone_number_arn) is None


def test_an_event_handled_near_its_service_timeout_stops_before_cloudformation_does(
    resource: CustomResource, emulator: Any, owner_client: Any, phone_number_arn: str
) -> None:
    """Delivered late but not too late: the function's deadline is the earlier of Lambda's
    timeout and CloudFormation's wait, so it does not write after CloudFormation moved on."""
    props = {"ResourceArn": phone_number_arn, "Policy": policy_json(CONSUMER, arn=phone_number_arn)}
    event = signed(resource, resource.event("Create", props), SERVICE_TIMEOUT_S - 3)

    answer = resource.send(event, LambdaContext(timeout_s=900))

    assert answer["Status"] == "FAILED" and "time" in answer["Reason"], answer["Reason"]
    assert emulator.call_count("PutResourcePolicy") == 0
    assert ours(attached(owner_client, phone_number_arn)) == []


def test_a_fresh_event_is_handled(resource: CustomResource, owner_client: Any, phone_number_arn: str) -> None:
    props = {"ResourceArn": phone_number_arn, "Policy": policy_json(CONSUMER, arn=phone_number_arn)}
    answer = resource.send(signed(resource, resource.event("Create", props), 5))
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert len(ours(attached(owner_client, phone_number_arn))) == 1


def test_a_function_that_does_not_know_its_stack_refuses_every_event(
    resource: CustomResource,
    function: Any,
    emulator: Any,
    phone_number_arn: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Fail closed: without SHARED_SMS_STACK_ID (a hand-built or customized function) it would
    otherwise serve events of any stack."""
    props = {"ResourceArn": phone_number_arn, "Policy": policy_json(CONSUMER, arn=phone_number_arn)}
    event = resource.event("Create", props)
    monkeypatch.delenv("SHARED_SMS_STACK_ID", raising=False)

    function.handler(event, LambdaContext())

    (answer,) = resource.sink.answers_for(event["RequestId"])
    assert answer["Status"] == "FAILED" and "SHARED_SMS_STACK_ID" in answer["Reason"], answer["Reason"]
    assert emulator.call_count("GetResourcePolicy") == 0 and emulator.call_count("PutResourcePolicy") == 0
