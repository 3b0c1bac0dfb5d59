"""The function checks the policy it is about to write with synthesis's rules (issue 23): values
known at deploy time only (parameters, SSM, other stacks' outputs) reach it unchecked."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import CONSUMER, attached
from tests.harness.cloudformation import CustomResource


def policy(arn: str, **statement: Any) -> str:
    base = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{CONSUMER}:root"},
        "Action": "sms-voice:SendTextMessage",
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [{**base, "Resource": arn, **statement}]})


@pytest.mark.parametrize(
    ("statement", "rule"),
    [
        ({"Principal": "*"}, "public"),
        ({"Principal": {"AWS": "*"}}, "public"),
        ({"Principal": {"Service": "sns.amazonaws.com"}}, "aws:SourceAccount"),
        ({"Action": "iam:PassRole"}, "sms-voice"),
        ({"Resource": "*"}, "is not this phone number"),
    ],
    ids=["star", "aws-star", "service-without-source", "other-service-action", "resource-star"],
)
def test_a_policy_that_breaks_a_rule_is_not_written(
    resource: CustomResource, owner_client: Any, phone_number_arn: str, statement: dict[str, Any], rule: str
) -> None:
    answer = resource.create(ResourceArn=phone_number_arn, Policy=policy(phone_number_arn, **statement))
    assert answer["Status"] == "FAILED" and answer["Reason"].startswith("the policy was not written"), answer
    assert rule in answer["Reason"], answer["Reason"]
    assert attached(owner_client, phone_number_arn) is None


def test_what_synthesis_was_told_to_allow_travels_with_the_policy(
    resource: CustomResource, owner_client: Any, phone_number_arn: str
) -> None:
    arn = phone_number_arn
    public = policy(arn, Principal="*")
    assert resource.create(ResourceArn=arn, Policy=public, AllowPublic="true")["Status"] == "SUCCESS"
    service = policy(arn, Principal={"Service": "sns.amazonaws.com"})
    answer = resource.update(ResourceArn=arn, Policy=service, AllowUnconditionedService="true")
    assert answer["Status"] == "SUCCESS", answer["Reason"]


def test_a_policy_as_an_object_is_written_as_the_string_would_be(
    resource: CustomResource, owner_client: Any, phone_number_arn: str
) -> None:
    """With deploy-time principals the construct hands the policy over as an object."""
    answer = resource.create(ResourceArn=phone_number_arn, Policy=json.loads(policy(phone_number_arn)))
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert CONSUMER in json.dumps(attached(owner_client, phone_number_arn))


def test_a_rollback_puts_back_what_was_deployed_even_if_it_breaks_a_rule_now(
    resource: CustomResource, owner_client: Any, phone_number_arn: str
) -> None:
    """A stack deployed before the function checked (or with allow_public since removed): its
    rollback must not be refused, or the stack stays in UPDATE_ROLLBACK_FAILED."""
    arn = phone_number_arn
    assert resource.create(ResourceArn=arn, Policy=policy(arn))["Status"] == "SUCCESS"
    resource.stack_status = "UPDATE_ROLLBACK_IN_PROGRESS"
    answer = resource.update(ResourceArn=arn, Policy=policy(arn, Principal="*"))
    assert answer["Status"] == "SUCCESS", answer["Reason"]
