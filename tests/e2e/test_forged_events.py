"""End to end, as someone who may invoke the function but may not deploy its stack (issue 23,
review C-2 and C-4): the stack id and logical ids are readable by anyone with DescribeStacks,
and many developer and CI roles hold lambda:InvokeFunction on "*".

The function confirms each event with CloudFormation (DescribeStacks, DescribeStackResource on
its own stack) before it writes: an event CloudFormation is not sending now writes nothing.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CONSUMER, OWNER, REGION, attached, client_for, new_phone_number
from tests.harness.cdk_cli import cdk_synth
from tests.harness.deploy import LocalCloudFormation

APP = Path(__file__).parent / "apps" / "shares_app.py"
STACK = "SmsShares"
ATTACKER = "999988887777"
POLICY_TYPE = "Custom::SmsResourcePolicy"


def deployed_events(cloudformation: LocalCloudFormation, arn: str) -> list[dict[str, Any]]:
    """The policy events CloudFormation sent for ``arn``, in order."""
    return [
        e["event"]
        for e in cloudformation.events
        if e["event"]["ResourceType"] == POLICY_TYPE and e["event"]["ResourceProperties"].get("ResourceArn") == arn
    ]


def deliver(cloudformation: LocalCloudFormation, event: dict[str, Any]) -> dict[str, Any]:
    """Invoke the deployed function with ``event`` under a request id of its own; its one answer."""
    request_id = str(uuid.uuid4())
    event = {**event, "RequestId": request_id, "ResponseURL": cloudformation.sink.response_url(request_id)}
    cloudformation.lambdas.invoke(event, 60.0)
    (answer,) = cloudformation.sink.answers_for(request_id)
    return dict(answer)


def attacker_policy(arn: str) -> str:
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ATTACKER}:root"},
        "Action": "sms-voice:SendTextMessage",
        "Resource": arn,
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@pytest.mark.parametrize("request_type", ["Create", "Update", "Delete"])
def test_an_event_naming_a_deployed_policy_writes_nothing_while_nothing_deploys_it(
    cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path, request_type: str
) -> None:
    """A forged event with the stack's id and the policy's logical id: REPLACE would wipe the
    consumer's statement and grant the attacker; a Delete would stop production messaging."""
    owner = client_for(OWNER, emulator)
    number = new_phone_number(owner)
    base = {"ownerAccount": OWNER, "consumerAccount": CONSUMER, "region": REGION}
    cloudformation.deploy(cdk_synth(tmp_path / "app", app=APP, **base, fixedArn=number), STACK)
    before = attached(owner, number)
    assert CONSUMER in json.dumps(before)
    (create,) = deployed_events(cloudformation, number)

    forged = {
        **create,
        "RequestType": request_type,
        "ResourceProperties": {
            **create["ResourceProperties"],
            "Policy": attacker_policy(number),
            "OnExistingPolicy": "REPLACE",
        },
    }
    if request_type != "Create":
        forged["PhysicalResourceId"] = number
    if request_type == "Update":
        forged["OldResourceProperties"] = create["ResourceProperties"]
    answer = deliver(cloudformation, forged)

    assert answer["Status"] == "FAILED", "an event CloudFormation is not sending is refused"
    assert answer["Reason"].startswith("not an event of this stack's deployment"), answer["Reason"]
    assert attached(owner, number) == before, "the policy is untouched"
