"""Small builders for construct tests."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Template

OWNER = "111122223333"
CONSUMER = "444455556666"
REGION = "us-east-1"
NUMBER_ARN = f"arn:aws:sms-voice:{REGION}:{OWNER}:phone-number/phone-0123456789abcdef0123456789abcdef"
POOL_ARN = f"arn:aws:sms-voice:{REGION}:{OWNER}:pool/pool-0123456789abcdef0123456789abcdef"
SENDER_ARN = f"arn:aws:sms-voice:{REGION}:{OWNER}:sender-id/EXAMPLECO/GB"
OPT_OUT_ARN = f"arn:aws:sms-voice:{REGION}:{OWNER}:opt-out-list/shared-opt-outs"


def new_stack(account: str = OWNER, region: str = REGION) -> cdk.Stack:
    return cdk.Stack(cdk.App(), "TestStack", env=cdk.Environment(account=account, region=region))


def policies(template: Template) -> list[dict[str, Any]]:
    """The properties of every Custom::SmsResourcePolicy, with Policy resolved where it is a literal
    or a Fn::Join of literals and pseudo parameters (rendered as <Ref>)."""
    found = []
    for resource in template.find_resources("Custom::SmsResourcePolicy").values():
        props = dict(resource["Properties"])
        props["Policy"] = json.loads(_flatten(props["Policy"]))
        found.append(props)
    return found


def _flatten(value: Any) -> str:
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(_flatten(part) for part in parts)
    if "Ref" in value:
        return "<" + value["Ref"] + ">"
    return "<" + json.dumps(value).replace('"', "'") + ">"
