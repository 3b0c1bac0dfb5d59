"""Issue 22 (review M2): a shared-resource check of an ARN in another region, as a user's app.

The check lists in the ARN's region (tests/e2e/test_cross_region.py deploys it); synthesis
refuses only what can never pass, an ARN of another partition, naming its region."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from shared_sms import PhoneNumber, Pool
from tests.constructs.helpers import CONSUMER, NUMBER_ARN, OWNER

CN_POOL_ARN = f"arn:aws-cn:sms-voice:cn-north-1:{OWNER}:pool/pool-0123456789abcdef0123456789abcdef"


def consumer(region: str) -> cdk.Stack:
    return cdk.Stack(cdk.App(), "SmsConsumer", env=cdk.Environment(account=CONSUMER, region=region))


def test_a_consumer_in_us_west_2_checks_a_number_of_us_east_1() -> None:
    stack = consumer("us-west-2")
    PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN, verify_shared=True)
    checks = Template.from_stack(stack).find_resources("Custom::SmsSharedResourceCheck")
    assert [c["Properties"]["ResourceArn"] for c in checks.values()] == [NUMBER_ARN]


def test_a_check_of_another_partition_fails_synthesis_naming_the_region() -> None:
    stack = consumer("us-east-1")
    with pytest.raises(
        ValueError, match="is in region cn-north-1 of partition aws-cn, but the stack deploys to us-east-1"
    ):
        Pool.from_pool_arn(stack, "Pool", CN_POOL_ARN, verify_shared=True)


def test_an_environment_agnostic_consumer_leaves_it_to_the_deployment() -> None:
    stack = cdk.Stack(cdk.App(), "Agnostic")
    Pool.from_pool_arn(stack, "Pool", CN_POOL_ARN, verify_shared=True)
    Template.from_stack(stack).resource_count_is("Custom::SmsSharedResourceCheck", 1)
