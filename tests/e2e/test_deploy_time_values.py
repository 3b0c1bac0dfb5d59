"""End to end: a principal given as a CloudFormation parameter (issue 23, review C-1).

Synthesis cannot check a value known at deploy time only, so it warns; the function checks the
policy it is about to write with synthesis's rules, and CloudFormation fills the value in as a
JSON value (the policy is an object), so a value with a quote in it cannot add JSON of its own."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CONSUMER, OWNER, REGION, attached, client_for, new_phone_number
from tests.harness.cdk_cli import cdk_synth
from tests.harness.deploy import LocalCloudFormation, StackOperationError

APP = Path(__file__).parent / "apps" / "principal_param_app.py"
STACK = "SmsPrincipalParam"
INJECTION = 'arn:aws:iam::444455556666:root"]},{"Effect":"Allow","Principal":"*","Action":"sms-voice:*","Resource":"*'


def granted(owner: Any, arn: str) -> list[dict[str, Any]]:
    return list((attached(owner, arn) or {}).get("Statement", []))


def test_a_principal_parameter_cannot_open_the_number_to_everyone(
    cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path
) -> None:
    owner = client_for(OWNER, emulator)
    number = new_phone_number(owner)
    assembly = cdk_synth(tmp_path / "app", app=APP, ownerAccount=OWNER, region=REGION, numberArn=number)
    template = json.loads((assembly / f"{STACK}.template.json").read_text())
    (policy,) = [r for r in template["Resources"].values() if r["Type"] == "Custom::SmsResourcePolicy"]
    assert isinstance(policy["Properties"]["Policy"], dict), "a deploy-time principal travels as a JSON value"

    with pytest.raises(StackOperationError, match="not written"):
        cloudformation.deploy(assembly, STACK, parameters={"ConsumerPrincipal": "*"})
    assert granted(owner, number) == [], "the public grant was refused where it is written"

    with contextlib.suppress(StackOperationError):  # refused or not: the value is one principal string
        cloudformation.deploy(assembly, STACK, parameters={"ConsumerPrincipal": INJECTION})
    statements = granted(owner, number)
    assert len(statements) <= 1, "the value added no statement of its own"
    assert all(s.get("Principal") != "*" and "sms-voice:*" not in s.get("Action", []) for s in statements)

    cloudformation.deploy(assembly, STACK, parameters={"ConsumerPrincipal": f"arn:aws:iam::{CONSUMER}:root"})
    assert CONSUMER in json.dumps(granted(owner, number))
