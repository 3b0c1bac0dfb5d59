"""End to end: sharing through AWS RAM with an organizational unit, an organization and a
partner outside it (tests/e2e/apps/organization_app.py), synthesized by the real CDK CLI,
checked by cfn-lint and cdk-nag, and deployed with the local CloudFormation driver against
an emulator that knows the organization: who is in which OU, and who accepted an invitation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CONSUMER, OWNER, REGION, client_for, new_phone_number
from tests.e2e.accounts import NEW_CONSUMER, ORG_MEMBER, shared_with
from tests.e2e.checks import assert_lint_and_nag_clean
from tests.fakes.sms_voice.ram import Organization
from tests.harness.assemblies import write_assembly
from tests.harness.cdk_cli import cdk_synth
from tests.harness.deploy import RAM_SHARE, LocalCloudFormation, StackOperationError

APP = Path(__file__).parent / "apps" / "organization_app.py"
STACKS = ("SmsOrgProducer", "SmsPartnerShare", "SmsOuMember", "SmsOrgMember", "SmsPartner")
ORG_ID, MESSAGING_OU, OTHER_OU = "o-a1b2c3d4e5", "ou-ab12-cdef5678", "ou-ab12-99998888"
PARTNER = NEW_CONSUMER  # outside the organization


def organization() -> Organization:
    return Organization(ORG_ID, OWNER, units={MESSAGING_OU: {CONSUMER}, OTHER_OU: {ORG_MEMBER}})


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    org = organization()
    return cdk_synth(
        tmp_path_factory.mktemp("organization"),
        app=APP,
        ownerAccount=OWNER,
        region=REGION,
        organization=org.arn,
        messagingOu=org.ou_arn(MESSAGING_OU),
        ouMemberAccount=CONSUMER,
        orgMemberAccount=ORG_MEMBER,
        partnerAccount=PARTNER,
    )


def resources_of(assembly: Path, stack: str, kind: str) -> list[dict[str, Any]]:
    template = json.loads((assembly / f"{stack}.template.json").read_text())
    return [r for r in template["Resources"].values() if r["Type"] == kind]


def test_one_share_per_principal_and_no_policy_function_for_ram_alone(assembly: Path) -> None:
    shares = resources_of(assembly, "SmsOrgProducer", "AWS::RAM::ResourceShare")
    principals = sorted(tuple(share["Properties"]["Principals"]) for share in shares)
    org = organization()
    assert principals == sorted([(org.ou_arn(MESSAGING_OU),), (org.arn,)])
    ou_share = next(s for s in shares if s["Properties"]["Principals"] == [org.ou_arn(MESSAGING_OU)])
    assert len(ou_share["Properties"]["ResourceArns"]) == 3  # number, sender ID, pool: one share
    assert all(share["Properties"]["AllowExternalPrincipals"] is False for share in shares)
    assert not resources_of(assembly, "SmsOrgProducer", "AWS::Lambda::Function")


def test_the_consumer_check_may_list_shared_resources(assembly: Path) -> None:
    (policy,) = [
        p
        for p in resources_of(assembly, "SmsOuMember", "AWS::IAM::Policy")
        if p["Properties"]["PolicyName"] == "shared-sms-function"
    ]
    describe = [
        s for s in policy["Properties"]["PolicyDocument"]["Statement"] if "sms-voice:Describe" in str(s["Action"])
    ]
    assert describe == [
        {
            "Effect": "Allow",
            "Action": ["sms-voice:DescribePhoneNumbers", "sms-voice:DescribeSenderIds"],
            "Resource": "*",  # Owner="SHARED" takes no ids: IAM authorizes the list against "*"
        }
    ]


def test_cfn_lint_and_cdk_nag_find_nothing(assembly: Path) -> None:
    assert_lint_and_nag_clean(assembly, STACKS)


def test_an_ou_share_reaches_the_ou_and_nobody_else(
    assembly: Path, cloudformation: LocalCloudFormation, emulator: Any
) -> None:
    emulator.state.ram.organization = organization()
    cloudformation.deploy(assembly, "SmsOrgProducer")
    outputs = cloudformation.outputs("SmsOrgProducer")

    cloudformation.deploy(assembly, "SmsOuMember", parameters=outputs)
    checks = [r for r in cloudformation.stacks["SmsOuMember"].resources.values() if r.type.startswith("Custom::")]
    assert {c.attributes.get("Status") for c in checks} >= {"ACTIVE"}  # the number's, read from the owner

    with pytest.raises(StackOperationError) as failed:
        cloudformation.deploy(assembly, "SmsOrgMember", parameters=outputs)
    assert f"is not shared with {ORG_MEMBER}" in failed.value.reason
    assert "RAM invitation" in failed.value.reason
    assert cloudformation.stacks["SmsOrgMember"].status == "ROLLBACK_COMPLETE"  # rolled back

    # The organization-wide share reaches the member outside the OU: the opt-out list only.
    member_sees = shared_with(client_for(ORG_MEMBER, emulator))
    assert [arn.split(":")[5] for arn in member_sees] == ["opt-out-list/org-opt-outs"]
    assert len(shared_with(client_for(CONSUMER, emulator))) == 4
    assert shared_with(client_for(PARTNER, emulator)) == set()


def test_a_partner_outside_the_organization_is_in_after_accepting_the_invitation(
    assembly: Path, cloudformation: LocalCloudFormation, emulator: Any
) -> None:
    emulator.state.ram.organization = organization()
    cloudformation.deploy(assembly, "SmsOrgProducer")
    outputs = cloudformation.outputs("SmsOrgProducer")
    cloudformation.deploy(assembly, "SmsPartnerShare", parameters=outputs)

    with pytest.raises(StackOperationError) as failed:
        cloudformation.deploy(assembly, "SmsPartner", parameters=outputs)
    assert "accept the RAM invitation first" in failed.value.reason

    share_arn = next(
        r.physical_id for r in cloudformation.stacks["SmsPartnerShare"].resources.values() if r.type == RAM_SHARE
    )
    emulator.state.ram.accept_invitation(PARTNER, share_arn)
    cloudformation.deploy(assembly, "SmsPartner", parameters=outputs)

    cloudformation.delete_stack("SmsPartnerShare")  # the owner stops sharing
    assert shared_with(client_for(PARTNER, emulator)) == set()


def test_sharing_with_the_organization_needs_ram_sharing_with_organizations_enabled(
    assembly: Path, cloudformation: LocalCloudFormation, emulator: Any
) -> None:
    org = organization()
    org.sharing_enabled = False
    emulator.state.ram.organization = org
    with pytest.raises(StackOperationError) as failed:
        cloudformation.deploy(assembly, "SmsOrgProducer")
    assert "enable-sharing-with-aws-organization" in failed.value.reason
    assert emulator.state.ram.shares == {}  # rolled back


def test_the_driver_updates_a_share_in_place_and_rolls_it_back_when_a_later_resource_fails(
    tmp_path: Path, cloudformation: LocalCloudFormation, emulator: Any
) -> None:
    org = emulator.state.ram.organization = organization()
    number = new_phone_number(client_for(OWNER, emulator))

    def template(principal: str, failing: bool) -> dict[str, Any]:
        resources: dict[str, Any] = {
            "Share": {
                "Type": "AWS::RAM::ResourceShare",
                "Properties": {"Name": "s", "ResourceArns": [number], "Principals": [principal]},
            }
        }
        if failing:  # an invalid ARN: the function answers FAILED
            resources["Policy"] = {
                "Type": "Custom::SmsResourcePolicy",
                "DependsOn": "Share",
                "Properties": {"ServiceToken": "arn:aws:lambda:us-east-1:111122223333:function:f", "ResourceArn": "x"},
            }
        return {"Resources": resources}

    write_assembly(tmp_path, "Sharing", template(org.arn, failing=False), account=OWNER, region=REGION)
    cloudformation.deploy(tmp_path, "Sharing")
    (share_arn,) = emulator.state.ram.shares

    write_assembly(tmp_path, "Sharing", template(org.ou_arn(MESSAGING_OU), failing=True), account=OWNER, region=REGION)
    with pytest.raises(StackOperationError):
        cloudformation.deploy(tmp_path, "Sharing")
    assert list(emulator.state.ram.shares) == [share_arn]  # updated in place, not replaced
    assert emulator.state.ram.shares[share_arn].principals == [org.arn]  # and rolled back
    cloudformation.delete_stack("Sharing")
    assert emulator.state.ram.shares == {}
