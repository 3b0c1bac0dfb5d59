"""The function confirms each policy event with CloudFormation before it writes (issue 23):
DescribeStacks and DescribeStackResource on its own stack (lambda/shared_sms_function/stack_status.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from shared_sms_function import stack_status
from tests.conftest import CONSUMER, attached
from tests.harness.cloudformation import CustomResource, policy_json
from tests.harness.stack import Deployed

OTHER_CONSUMER = "777788889999"


@pytest.fixture()
def created(resource: CustomResource, phone_number_arn: str) -> Iterator[CustomResource]:
    answer = resource.create(ResourceArn=phone_number_arn, Policy=policy_json(CONSUMER, arn=phone_number_arn))
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    yield resource


def send_while(resource: CustomResource, event: dict[str, Any], stack_now: str, resource_now: str) -> dict[str, Any]:
    """``event``'s answer while CloudFormation shows the stack and the resource in these statuses."""
    resource.stack.status = stack_now
    resource.stack.resource_status[resource.logical_id] = resource_now
    return resource.send(event)


@pytest.mark.parametrize("action", ["DescribeStacks", "DescribeStackResource"])
def test_an_event_cloudformation_cannot_confirm_writes_nothing(
    created: CustomResource,
    cloudformation_server: Any,
    emulator: Any,
    phone_number_arn: str,
    action: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Fail closed: a role without the permission writes nothing, and says what it needs."""
    monkeypatch.setattr(stack_status, "ACCESS_DENIED_DELAYS", (0.1,))  # not the 25 s IAM may take
    cloudformation_server.denied.add(action)
    try:
        emulator.state.calls.clear()
        update = {"ResourceArn": phone_number_arn, "Policy": policy_json(OTHER_CONSUMER, arn=phone_number_arn)}
        answer = created.send(created.event("Update", update))
    finally:
        cloudformation_server.denied.discard(action)
    assert answer["Status"] == "FAILED" and "could not confirm the event" in answer["Reason"], answer["Reason"]
    needs = "Allow cloudformation:DescribeStacks, DescribeStackResource and ListStackResources"
    assert needs in answer["Reason"], "names what the role needs"
    assert "continue-update-rollback" in answer["Reason"], "and how a rollback goes on"
    assert len(answer["Reason"]) <= 256, "whole, within CloudFormation's limit, whatever the logical id"
    assert emulator.call_count("PutResourcePolicy") == 0


def test_a_delete_cloudformation_cannot_confirm_removes_the_statements(
    created: CustomResource,
    cloudformation_server: Any,
    owner_client: Any,
    phone_number_arn: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A Delete only narrows access: refused, CloudFormation would skip it after three tries in
    a cleanup phase and the removed share would keep its grant."""
    monkeypatch.setattr(stack_status, "ACCESS_DENIED_DELAYS", (0.1,))  # not the 25 s IAM may take
    cloudformation_server.denied.add("DescribeStackResource")
    try:
        answer = created.send(created.event("Delete"))
    finally:
        cloudformation_server.denied.discard("DescribeStackResource")
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert attached(owner_client, phone_number_arn) is None


@pytest.mark.parametrize(
    ("stack_now", "resource_now", "physical_id", "reason"),
    [
        ("UPDATE_IN_PROGRESS", "UPDATE_COMPLETE", None, "sends no Delete while the stack is UPDATE_IN_PROGRESS"),
        ("UPDATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", None, "sends no Delete while the stack is UPDATE_IN_PROGRESS"),
        ("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_COMPLETE", None, "is not deleting"),
        # Not an ARN: the Delete would act on the event's ResourceArn, the live one.
        ("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_COMPLETE", "forged-not-an-arn", "is not deleting"),
        ("UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_FAILED", None, "is not deleting"),
    ],
    ids=["other-resource-updating", "this-resource-updating", "cleanup", "cleanup-made-up-id", "rollback-update"],
)
def test_a_delete_of_a_resource_cloudformation_is_not_deleting_writes_nothing(
    created: CustomResource,
    owner_client: Any,
    phone_number_arn: str,
    stack_now: str,
    resource_now: str,
    physical_id: str | None,
    reason: str,
) -> None:
    """A forged Delete of a policy CloudFormation keeps: a forward update (of another resource or
    of this one), the cleanup of an update that kept it, a rollback that sends it an Update."""
    event = created.event("Delete", {"ResourceArn": phone_number_arn})
    if physical_id is not None:
        event["PhysicalResourceId"] = physical_id
    answer = send_while(created, event, stack_now, resource_now)
    assert answer["Status"] == "FAILED" and reason in answer["Reason"], answer["Reason"]
    assert CONSUMER in str(attached(owner_client, phone_number_arn))


def test_a_create_while_cloudformation_updates_that_logical_id_writes_nothing(
    created: CustomResource, owner_client: Any, phone_number_arn: str
) -> None:
    """A forged Create (which may REPLACE) during CloudFormation's own Update of the resource."""
    event = created.event(
        "Create",
        {
            "ResourceArn": phone_number_arn,
            "Policy": policy_json(OTHER_CONSUMER, arn=phone_number_arn),
            "OnExistingPolicy": "REPLACE",
        },
    )
    answer = send_while(created, event, "UPDATE_IN_PROGRESS", "UPDATE_IN_PROGRESS")
    assert answer["Status"] == "FAILED" and "not sending" in answer["Reason"], answer["Reason"]
    assert OTHER_CONSUMER not in str(attached(owner_client, phone_number_arn))
    assert CONSUMER in str(attached(owner_client, phone_number_arn))


@pytest.mark.parametrize(
    ("attribute", "value", "reason"),
    [
        ("physical_id", "arn:aws:sms-voice:us-east-1:111122223333:pool/pool-x", "another physical id"),
        ("type", "AWS::SNS::Topic", "is a AWS::SNS::Topic in this stack"),
    ],
    ids=["another-physical-id", "another-type"],
)
def test_an_update_that_does_not_match_what_cloudformation_has_writes_nothing(
    created: CustomResource, owner_client: Any, phone_number_arn: str, attribute: str, value: str, reason: str
) -> None:
    event = created.event(
        "Update", {"ResourceArn": phone_number_arn, "Policy": policy_json(OTHER_CONSUMER, arn=phone_number_arn)}
    )
    setattr(created.stack.resources[created.logical_id], attribute, value)
    answer = created.send(event)
    assert answer["Status"] == "FAILED" and reason in answer["Reason"], answer["Reason"]
    assert OTHER_CONSUMER not in str(attached(owner_client, phone_number_arn))


def test_the_cleanup_delete_of_a_replaced_physical_id_is_confirmed(
    created: CustomResource, owner_client: Any, phone_number_arn: str
) -> None:
    """A policy moved to another number: CloudFormation deletes the old physical id in the cleanup
    phase while the logical id shows its new one, in whatever status DescribeStackResource gives."""
    created.stack_status = "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
    event = created.event("Delete")
    moved = Deployed("Custom::SmsResourcePolicy", "arn:aws:sms-voice:us-east-1:111122223333:pool/pool-new", {}, {})
    created.stack.resources[created.logical_id] = moved
    created.stack.resource_status[created.logical_id] = "UPDATE_COMPLETE"
    answer = created.send(event)
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert attached(owner_client, phone_number_arn) is None


@pytest.mark.parametrize(
    ("stack_now", "resource_now"),
    [
        ("ROLLBACK_IN_PROGRESS", "CREATE_FAILED"),
        ("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "CREATE_FAILED"),
        ("DELETE_IN_PROGRESS", "DELETE_FAILED"),
    ],
    ids=["first-create-rolled-back", "update-rolled-back", "stack-delete-tried-again"],
)
def test_a_delete_of_a_failed_resource_is_confirmed_while_the_stack_undoes(
    created: CustomResource, owner_client: Any, phone_number_arn: str, stack_now: str, resource_now: str
) -> None:
    """Should CloudFormation's reads still show the failure when it sends the Delete."""
    answer = send_while(created, created.event("Delete"), stack_now, resource_now)
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert attached(owner_client, phone_number_arn) is None


def test_a_resource_cloudformation_lists_a_moment_late_is_confirmed(
    resource: CustomResource, owner_client: Any, phone_number_arn: str
) -> None:
    """CloudFormation's reads may lag its own state (not documented either way): a mismatch is
    asked again for a few seconds before a legitimate Create is refused."""
    event = resource.event(
        "Create", {"ResourceArn": phone_number_arn, "Policy": policy_json(CONSUMER, arn=phone_number_arn)}
    )
    shown = resource.stack.resources.pop(resource.logical_id)
    late = threading.Timer(0.5, lambda: resource.stack.resources.setdefault(resource.logical_id, shown))
    late.start()
    try:
        answer = resource.send(event)
    finally:
        late.cancel()
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert CONSUMER in str(attached(owner_client, phone_number_arn))
