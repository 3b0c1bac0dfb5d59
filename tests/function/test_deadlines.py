"""The answer is right at the edges: when time runs out, when the ResponseURL fails, when
IAM is still applying a change, when an event comes from another stack."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from shared_sms_function.client import ATTEMPT_MAX_S
from shared_sms_function.lifecycle import SAFETY_MARGIN_S
from tests.conftest import CONSUMER, attached, new_phone_number, ours
from tests.harness.cloudformation import STACK_ID, CustomResource, LambdaContext, policy_json

OTHER_CONSUMER = "777788889999"
GUARD_S = SAFETY_MARGIN_S + ATTEMPT_MAX_S  # a try starts only with more than this left


def test_the_answer_gets_through_a_response_url_that_answers_503(
    resource: CustomResource, sink: Any, phone_number_arn: str
) -> None:
    sink.unavailable_next = 2  # S3 is briefly unavailable: crhelper alone took the 503 as delivered
    answer = resource.create(ResourceArn=phone_number_arn, Policy=policy_json(CONSUMER, arn=phone_number_arn))
    assert answer["Status"] == "SUCCESS" and sink.unavailable_next == 0


def test_a_response_url_that_keeps_failing_costs_at_most_the_time_left(
    resource: CustomResource, function: Any, sink: Any, phone_number_arn: str
) -> None:
    sink.unavailable_next = 10_000
    event = resource.event(
        "Create", {"ResourceArn": phone_number_arn, "Policy": policy_json(CONSUMER, arn=phone_number_arn)}
    )
    started = time.monotonic()
    function.handler(event, LambdaContext(timeout_s=GUARD_S + 6))
    sink.unavailable_next = 0
    assert time.monotonic() - started < GUARD_S + 6
    assert sink.answers_for(event["RequestId"]) == []


def test_refuses_an_event_of_another_stack_without_calling_the_service(
    resource: CustomResource, emulator: Any, phone_number_arn: str
) -> None:
    forged = resource.event(
        "Create",
        {
            "ResourceArn": phone_number_arn,
            "Policy": policy_json("999999999999", arn=phone_number_arn),
            "OnExistingPolicy": "REPLACE",
        },
        StackId=STACK_ID.replace("SmsProducer", "Intruder"),
    )
    emulator.state.calls.clear()
    answer = resource.send(forged)
    assert answer["Status"] == "FAILED" and "serves the custom resources of stack" in answer["Reason"]
    assert emulator.state.calls == {}


def test_access_denied_while_iam_applies_a_change_is_tried_again(
    resource: CustomResource, emulator: Any, phone_number_arn: str
) -> None:
    emulator.faults.deny_next = 2
    answer = resource.create(ResourceArn=phone_number_arn, Policy=policy_json(CONSUMER, arn=phone_number_arn))
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert emulator.faults.deny_next == 0


def test_an_access_denied_that_is_an_account_state_fails_at_once(
    resource: CustomResource, emulator: Any, phone_number_arn: str
) -> None:
    emulator.faults.deny_next, emulator.faults.deny_reason = 1, "ACCOUNT_DISABLED"
    emulator.state.calls.clear()
    answer = resource.create(ResourceArn=phone_number_arn, Policy=policy_json(CONSUMER, arn=phone_number_arn))
    assert answer["Status"] == "FAILED" and "AccessDeniedException (ACCOUNT_DISABLED)" in answer["Reason"]
    assert emulator.state.calls == {"GetResourcePolicy": 1}


def test_a_replacement_that_fails_after_its_put_removes_what_it_wrote(
    resource: CustomResource, emulator: Any, owner_client: Any, phone_number_arn: str
) -> None:
    """CloudFormation keeps the old physical id after a failed update: nothing else would ever
    delete what the update wrote on the new ARN."""
    new = new_phone_number(owner_client)
    assert (
        resource.create(ResourceArn=phone_number_arn, Policy=policy_json(CONSUMER, arn=phone_number_arn))["Status"]
        == "SUCCESS"
    )
    emulator.faults.after["PutResourcePolicy"] = {
        "deny_next": 1,
        "deny_reason": "ACCOUNT_DISABLED",
    }  # the read-back fails

    answer = resource.update(ResourceArn=new, Policy=policy_json(CONSUMER, arn=new))

    assert answer["Status"] == "FAILED" and answer["PhysicalResourceId"] == phone_number_arn
    assert emulator.faults.after == {}, "the Put to the new ARN went through"
    assert ours(attached(owner_client, new)) == []


def test_a_failing_cleanup_keeps_the_original_reason(
    resource: CustomResource, emulator: Any, owner_client: Any, phone_number_arn: str
) -> None:
    new = new_phone_number(owner_client)
    owner_client.put_resource_policy(ResourceArn=new, Policy=policy_json("999999999999", arn=new))  # someone's
    assert (
        resource.create(ResourceArn=phone_number_arn, Policy=policy_json(CONSUMER, arn=phone_number_arn))["Status"]
        == "SUCCESS"
    )
    # The replacement's first read succeeds and FAIL refuses; the cleanup's reads are then denied.
    emulator.faults.after["GetResourcePolicy"] = {"deny_next": 5, "deny_reason": "ACCOUNT_DISABLED"}

    answer = resource.update(ResourceArn=new, Policy=policy_json(CONSUMER, arn=new), OnExistingPolicy="FAIL")

    assert answer["Status"] == "FAILED" and "this stack did not write" in answer["Reason"], answer["Reason"]
    assert emulator.faults.deny_next < 5, "the cleanup ran, and failed"


@pytest.mark.parametrize("kind", ["Update", "Delete"])
def test_the_timers_failed_answer_carries_the_physical_id_and_nothing_is_written_after_it(
    resource: CustomResource, function: Any, emulator: Any, owner_client: Any, phone_number_arn: str, kind: str
) -> None:
    assert (
        resource.create(ResourceArn=phone_number_arn, Policy=policy_json(CONSUMER, arn=phone_number_arn))["Status"]
        == "SUCCESS"
    )
    before = attached(owner_client, phone_number_arn)
    emulator.faults.latency_s = 1.0
    event = resource.event(
        kind, {"ResourceArn": phone_number_arn, "Policy": policy_json(OTHER_CONSUMER, arn=phone_number_arn)}
    )
    # crhelper's timer fires while the first call is in flight (as it would 0.5 s before a timeout).
    threading.Timer(0.5, function.helper._timeout).start()
    answer = resource.send(event, LambdaContext(timeout_s=120))
    emulator.faults.latency_s = 0

    assert answer["Status"] == "FAILED" and "ran out of time" in answer["Reason"]
    assert answer["PhysicalResourceId"] == phone_number_arn
    assert attached(owner_client, phone_number_arn) == before, "nothing was written after the FAILED answer"


@pytest.mark.parametrize("deadline", [GUARD_S + 1, GUARD_S + 9, GUARD_S + 30])
@pytest.mark.parametrize("kind", ["Create", "Update", "Replace", "Delete"])
def test_a_deadline_leaves_the_answer_right_and_no_orphan(
    function: Any, sink: Any, emulator: Any, owner_client: Any, kind: str, deadline: float
) -> None:
    """Every call takes a second; the invocation has ``deadline`` seconds. Whatever it manages,
    the answer names the right physical id and what is written is what CloudFormation will
    clean up: no statement is left on an ARN that no physical id names."""
    old, new = new_phone_number(owner_client), new_phone_number(owner_client)
    resource = CustomResource(handler=function.handler, sink=sink)
    if kind != "Create":
        assert resource.create(ResourceArn=old, Policy=policy_json(CONSUMER, arn=old))["Status"] == "SUCCESS"
    target = new if kind in ("Create", "Replace") else old
    request = "Update" if kind == "Replace" else kind
    emulator.faults.latency_s = 1.0
    answer = resource.send(
        resource.event(request, {"ResourceArn": target, "Policy": policy_json(OTHER_CONSUMER, arn=target)}),
        LambdaContext(timeout_s=deadline),
    )
    emulator.faults.latency_s = 0

    expected_id = new if kind == "Create" else old
    assert answer["PhysicalResourceId"] == (new if kind == "Replace" and answer["Status"] == "SUCCESS" else expected_id)
    if kind == "Replace" and answer["Status"] == "FAILED":
        assert ours(attached(owner_client, new)) == [], "a failed replacement leaves nothing on the new ARN"
    if kind == "Create" and answer["Status"] == "FAILED":
        assert resource.delete(physical_id=new)["Status"] == "SUCCESS"  # CloudFormation's cleanup
        assert ours(attached(owner_client, new)) == []
    if kind == "Delete" and answer["Status"] == "SUCCESS":
        assert ours(attached(owner_client, old)) == []
    if answer["Status"] == "FAILED":
        assert "time" in answer["Reason"], answer["Reason"]
