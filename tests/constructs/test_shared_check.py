"""The consumer side: checks that an imported ARN is shared with the deploying account."""

from __future__ import annotations

import json

import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from shared_sms import OptOutList, PhoneNumber, Pool, SenderId, SharedResourceCheck
from tests.constructs.helpers import CONSUMER, NUMBER_ARN, OPT_OUT_ARN, POOL_ARN, SENDER_ARN, new_stack


def test_verify_shared_adds_one_check_per_import_served_by_the_stack_function() -> None:
    stack = new_stack(account=CONSUMER)
    Pool.from_pool_arn(stack, "Pool", POOL_ARN, verify_shared=True)
    PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN, verify_shared=True)
    OptOutList.from_opt_out_list_arn(stack, "OptOuts", OPT_OUT_ARN, verify_shared=True)
    SenderId.from_sender_id_arn(stack, "Sender", SENDER_ARN, verify_shared=True)
    template = Template.from_stack(stack)

    template.resource_count_is("Custom::SmsSharedResourceCheck", 4)
    template.resource_count_is("AWS::Lambda::Function", 1)
    template.has_resource_properties("Custom::SmsSharedResourceCheck", {"ResourceArn": SENDER_ARN})
    (policy,) = template.find_resources("AWS::IAM::Policy").values()
    (describe,) = [
        s for s in policy["Properties"]["PolicyDocument"]["Statement"] if "sms-voice:DescribePools" in s["Action"]
    ]
    assert sorted(describe["Action"]) == [
        "sms-voice:DescribeOptOutLists",
        "sms-voice:DescribePhoneNumbers",
        "sms-voice:DescribePools",
        "sms-voice:DescribeSenderIds",
    ]
    # Describe* with Owner="SHARED" takes no ids: IAM authorizes the list against "*".
    assert describe["Resource"] == "*"
    assert "sms-voice:PutResourcePolicy" not in json.dumps(policy)


def test_check_attributes_read_the_owners_describe_fields() -> None:
    stack = new_stack(account=CONSUMER)
    pool = Pool.from_pool_arn(stack, "Pool", POOL_ARN)
    check = pool.verify_shared()
    assert stack.resolve(check.attr_status) == {"Fn::GetAtt": [stack.get_logical_id(check._resource), "Status"]}
    assert stack.resolve(check.attribute("TwoWayEnabled"))["Fn::GetAtt"][1] == "TwoWayEnabled"


def test_fails_check_of_a_resource_this_account_owns() -> None:
    stack = new_stack()
    with pytest.raises(ValueError, match="belongs to this stack's account 111122223333"):
        SharedResourceCheck(stack, "Check", resource=PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN))


def test_consumer_grant_send_after_verify_needs_no_resource_policy() -> None:
    stack = new_stack(account=CONSUMER)
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN, verify_shared=True).grant_send(role)
    template = Template.from_stack(stack)
    template.resource_count_is("Custom::SmsResourcePolicy", 0)
    template.resource_count_is("Custom::SmsSharedResourceCheck", 1)
