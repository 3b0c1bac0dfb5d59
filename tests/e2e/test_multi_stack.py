"""End to end: an app of four stacks that reference each other (tests/e2e/apps/multi_stack_app.py),
synthesized by the real CDK CLI, checked by cfn-lint and cdk-nag, and deployed with the
local CloudFormation driver, which resolves the exports of the stacks it deployed before."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shared_sms_function.equivalence import equivalent, statements_of
from tests.conftest import CONSUMER, OWNER, REGION, attached, client_for
from tests.e2e.accounts import shared_with
from tests.e2e.checks import assert_lint_and_nag_clean
from tests.harness.cdk_cli import cdk_synth
from tests.harness.deploy import LocalCloudFormation

APP = Path(__file__).parent / "apps" / "multi_stack_app.py"
STACKS = ("SmsNumbers", "SmsSenders", "SmsSharing", "SmsAlerts", "SmsConsumer")


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("multi")
    return cdk_synth(outdir, app=APP, ownerAccount=OWNER, consumerAccount=CONSUMER, region=REGION)


def template(assembly: Path, stack: str) -> dict[str, Any]:
    return json.loads((assembly / f"{stack}.template.json").read_text())


def test_the_sharing_stack_imports_what_it_references_from_other_stacks(assembly: Path) -> None:
    sharing = template(assembly, "SmsSharing")
    (policy,) = [r for r in sharing["Resources"].values() if r["Type"] == "Custom::SmsResourcePolicy"]
    rendered = json.dumps(policy["Properties"]["Policy"])
    assert "Fn::GetAtt" not in rendered, "no logical id of another stack inside the policy"
    assert rendered.count("Fn::ImportValue") >= 3  # the resource, the principal, the condition value
    manifest = json.loads((assembly / "manifest.json").read_text())
    assert set(manifest["artifacts"]["SmsSharing"]["dependencies"]) >= {"SmsNumbers", "SmsSenders"}


def test_the_consumer_stack_only_grants(assembly: Path) -> None:
    consumer = template(assembly, "SmsConsumer")
    kinds = {r["Type"] for r in consumer["Resources"].values()}
    assert not {k for k in kinds if k.startswith("Custom::")} and "AWS::Lambda::Function" not in kinds
    (policy,) = [r for r in consumer["Resources"].values() if r["Type"] == "AWS::IAM::Policy"]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Resource"] == {"Ref": next(iter(consumer["Parameters"].keys() - {"BootstrapVersion"}))}


def test_cfn_lint_and_cdk_nag_find_nothing(assembly: Path) -> None:
    assert_lint_and_nag_clean(assembly, STACKS)


def test_the_app_deploys_shares_and_leaves_the_number_as_it_was(
    assembly: Path, cloudformation: LocalCloudFormation, emulator: Any
) -> None:
    emulator.state.normalize_policies = True
    emulator.state.default_policy = "sns"
    owner, consumer = client_for(OWNER, emulator), client_for(CONSUMER, emulator)

    for stack in ("SmsNumbers", "SmsSenders", "SmsSharing"):
        cloudformation.deploy(assembly, stack)
    number = cloudformation.ssm_parameters[(OWNER, REGION, "/sms/support-number-arn")]
    role_arn = next(
        r.attributes["Arn"]
        for r in cloudformation.stacks["SmsSenders"].resources.values()
        if r.type == "AWS::IAM::Role"
    )
    live = json.dumps(attached(owner, number))
    assert f"arn:aws:iam::{CONSUMER}:root" in live and live.count(role_arn) == 2  # principal and condition
    assert number in shared_with(consumer)
    console_grant = [s for s in statements_of(attached(owner, number)) if "Sid" not in s]
    assert len(console_grant) == 1, "the console's SNS grant is still there"

    # Another stack of the owner gets the ARN as a parameter and adds its own statement beside.
    cloudformation.deploy(assembly, "SmsAlerts", parameters={"NumberArn": number})
    assert "pinpoint.amazonaws.com" in json.dumps(attached(owner, number))
    assert f"arn:aws:iam::{CONSUMER}:root" in json.dumps(attached(owner, number))

    # The consumer's own SSM parameter holds the ARN the owner shared.
    cloudformation.ssm_parameters[(CONSUMER, REGION, "/sms/shared-support-number-arn")] = number
    cloudformation.deploy(assembly, "SmsConsumer")
    assert not [e for e in cloudformation.events if e["event"]["StackId"].split("/")[1] == "SmsConsumer"]

    for stack in ("SmsConsumer", "SmsSharing", "SmsAlerts"):
        cloudformation.delete_stack(stack)
    assert equivalent(attached(owner, number), {"Version": "2012-10-17", "Statement": console_grant})
    assert number not in shared_with(consumer)
