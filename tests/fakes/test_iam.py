"""The emulator's IAM for the function's role, through real boto3 clients."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.conftest import OWNER, REGION, client_for, new_phone_number
from tests.fakes.sms_voice.iam import function_key, role_arn

STACK_ID = f"arn:aws:cloudformation:{REGION}:{OWNER}:stack/Shares/1b2c3d4e"
ROLE = role_arn("aws", OWNER, "Shares-FunctionRole-ABC")


def function_client(emulator: Any) -> Any:
    return boto3.client(
        "pinpoint-sms-voice-v2",
        region_name=REGION,
        endpoint_url=emulator.url,
        aws_access_key_id=function_key(STACK_ID),
        aws_secret_access_key="emulated",
        config=Config(retries={"total_max_attempts": 1}),
    )


def grant(*resources: str, effect: str = "Allow", action: str = "sms-voice:*ResourcePolicy") -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": effect, "Action": action, "Resource": list(resources)}]}


def denied(call: Any, **parameters: Any) -> str | None:
    """IAM's refusal of the call, or None when IAM let it through (whatever the service answered)."""
    try:
        call(**parameters)
    except ClientError as error:
        if error.response["Error"]["Code"] == "AccessDeniedException":
            return str(error)
    return None


def test_a_bound_role_may_call_only_what_its_policies_allow(emulator: Any) -> None:
    owner = client_for(OWNER, emulator)
    mine, other = new_phone_number(owner), new_phone_number(owner)
    function = function_client(emulator)
    assert denied(function.get_resource_policy, ResourceArn=mine) is None, "unbound: the account itself"

    emulator.iam.bind(STACK_ID, ROLE)
    reason = denied(function.get_resource_policy, ResourceArn=mine)
    assert reason and "no identity-based policy allows the sms-voice:GetResourcePolicy action" in reason
    assert "assumed-role/Shares-FunctionRole-ABC" in reason

    emulator.iam.put_role_policy(ROLE, "grants", grant(mine))
    assert denied(function.get_resource_policy, ResourceArn=mine) is None
    assert denied(function.get_resource_policy, ResourceArn=other), "only the ARNs the policy names"
    assert denied(function.describe_phone_numbers), "Describe* is authorized against *, not granted here"
    emulator.iam.put_role_policy(ROLE, "pattern", grant(mine.rsplit("/", 1)[0] + "/*"))
    assert denied(function.get_resource_policy, ResourceArn=other) is None, "a wildcard pattern"

    emulator.iam.delete_role_policy(ROLE, "pattern")
    assert denied(function.get_resource_policy, ResourceArn=other), "a deleted policy grants nothing"
    assert emulator.iam.denied[-1] == (ROLE, "sms-voice:GetResourcePolicy", other)


@pytest.mark.parametrize("how", ["identity", "scp"])
def test_an_explicit_deny_wins(emulator: Any, how: str) -> None:
    arn = new_phone_number(client_for(OWNER, emulator))
    emulator.iam.bind(STACK_ID, ROLE)
    emulator.iam.put_role_policy(ROLE, "grants", grant("*"))
    if how == "identity":
        emulator.iam.put_role_policy(ROLE, "deny", grant(arn, effect="Deny", action="sms-voice:PutResourcePolicy"))
    else:
        emulator.iam.deny_by_scp(OWNER, "sms-voice:Put*", arn)
    reason = denied(function_client(emulator).put_resource_policy, ResourceArn=arn, Policy="{}")
    assert reason and "explicit deny" in reason
    assert denied(function_client(emulator).get_resource_policy, ResourceArn=arn) is None


def test_a_change_reaches_callers_after_the_propagation_delay(emulator: Any) -> None:
    arn = new_phone_number(client_for(OWNER, emulator))
    emulator.iam.bind(STACK_ID, ROLE)
    emulator.iam.propagation_delay_s = 0.5
    emulator.iam.put_role_policy(ROLE, "grants", grant(arn))
    assert denied(function_client(emulator).get_resource_policy, ResourceArn=arn), "not applied yet"
    time.sleep(0.6)
    assert denied(function_client(emulator).get_resource_policy, ResourceArn=arn) is None


def test_cloudformation_authorizes_the_role_against_the_stacks_arn(emulator: Any) -> None:
    """The function reads its own stack's status (stack_status.py) with its role: CloudFormation
    asks the same IAM, against the stack's ARN."""
    from tests.fakes.cloudformation import CloudFormationEmulator

    other = STACK_ID.replace("Shares/1b2c3d4e", "Others/5f6a7b8c")
    stacks = [("Shares", STACK_ID, []), ("Others", other, [])]
    with CloudFormationEmulator(lambda: stacks, iam=emulator.iam) as server:
        cloudformation = boto3.client(
            "cloudformation",
            region_name=REGION,
            endpoint_url=server.url,
            aws_access_key_id=function_key(STACK_ID),
            aws_secret_access_key="emulated",
            config=Config(retries={"total_max_attempts": 1}),
        )

        def refused(stack: str) -> str | None:
            try:
                cloudformation.describe_stacks(StackName=stack)
            except ClientError as error:
                assert error.response["Error"]["Code"] == "AccessDenied"
                return str(error)
            return None

        assert refused(STACK_ID) is None, "unbound: the account itself"
        emulator.iam.bind(STACK_ID, ROLE)
        reason = refused(STACK_ID)
        assert reason and "cloudformation:DescribeStacks" in reason and STACK_ID in reason

        emulator.iam.put_role_policy(ROLE, "runtime", grant(STACK_ID, action="cloudformation:DescribeStacks"))
        assert refused(STACK_ID) is None
        assert refused("Shares") is None, "by name: the same stack's ARN"
        assert refused(other), "only the stack the policy names"
