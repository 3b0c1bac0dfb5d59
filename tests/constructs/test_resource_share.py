"""AWS RAM resource shares: the ResourceShare L2, share_with_organization/_organizational_unit,
and their synth-time checks."""

from __future__ import annotations

import re

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Annotations, Match, Template

from shared_sms import OptOutList, PhoneNumber, Pool, ResourceShare, SenderId
from tests.constructs.helpers import CONSUMER, NUMBER_ARN, OPT_OUT_ARN, OWNER, SENDER_ARN, new_stack

ORG = f"arn:aws:organizations::{OWNER}:organization/o-a1b2c3d4e5"
OU = f"arn:aws:organizations::{OWNER}:ou/o-a1b2c3d4e5/ou-ab12-cdef5678"
OTHER_OU = f"arn:aws:organizations::{OWNER}:ou/o-a1b2c3d4e5/ou-ab12-99998888"


def number_arn(i: int, account: str = OWNER, region: str = "us-east-1") -> str:
    return f"arn:aws:sms-voice:{region}:{account}:phone-number/phone-{i:032x}"


def shares(stack: cdk.Stack) -> list[dict]:
    return [r["Properties"] for r in Template.from_stack(stack).find_resources("AWS::RAM::ResourceShare").values()]


def synth_error(stack: cdk.Stack) -> str:
    with pytest.raises(RuntimeError) as raised:
        Template.from_stack(stack)
    return str(raised.value)


def test_ten_numbers_shared_with_an_organization_are_one_share() -> None:
    stack = new_stack()
    for i in range(10):
        PhoneNumber.from_phone_number_arn(stack, f"N{i}", number_arn(i)).share_with_organization(ORG)
    (share,) = shares(stack)
    assert share["Principals"] == [ORG]
    assert share["ResourceArns"] == [number_arn(i) for i in range(10)]
    assert share["AllowExternalPrincipals"] is False
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Lambda::Function", 0)  # RAM needs no policy function
    template.resource_count_is("Custom::SmsResourcePolicy", 0)


def test_a_second_principal_gets_its_own_share_so_nothing_is_shared_wider_than_asked() -> None:
    stack = new_stack()
    first = PhoneNumber.from_phone_number_arn(stack, "First", number_arn(1))
    second = PhoneNumber.from_phone_number_arn(stack, "Second", number_arn(2))
    first.share_with_organizational_unit(OU)
    second.share_with_organizational_unit(OTHER_OU)
    second.share_with_organizational_unit(OU)
    by_principal = {tuple(s["Principals"]): s["ResourceArns"] for s in shares(stack)}
    assert by_principal == {(OU,): [number_arn(1), number_arn(2)], (OTHER_OU,): [number_arn(2)]}


def test_resource_share_l2_with_accounts_and_later_additions() -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    share = ResourceShare(
        stack,
        "Partners",
        resources=[number],
        principals=[CONSUMER],
        allow_external_principals=True,
        resource_share_name="partners",
    )
    share.add_resources(SenderId.from_sender_id_arn(stack, "Sender", SENDER_ARN), number)
    share.add_principals("777788889999", CONSUMER, OU)
    Template.from_stack(stack).has_resource_properties(
        "AWS::RAM::ResourceShare",
        {
            "Name": "partners",
            "ResourceArns": [NUMBER_ARN, SENDER_ARN],
            "Principals": [CONSUMER, "777788889999", OU],
            "AllowExternalPrincipals": True,
        },
    )
    (logical_id,) = Template.from_stack(stack).find_resources("AWS::RAM::ResourceShare")
    assert stack.resolve(share.resource_share_arn) == {"Fn::GetAtt": [logical_id, "Arn"]}


def test_resources_created_in_the_stack_and_deploy_time_principals() -> None:
    stack = new_stack()
    opt_outs = OptOutList(stack, "OptOuts", opt_out_list_name="org-opt-outs")
    org = cdk.CfnParameter(stack, "OrganizationArn").value_as_string
    opt_outs.share_with_organization(org)
    (share,) = shares(stack)
    assert share["Principals"] == [{"Ref": "OrganizationArn"}]
    (list_id,) = Template.from_stack(stack).find_resources("AWS::SMSVOICE::OptOutList")
    assert share["ResourceArns"] == [{"Fn::GetAtt": [list_id, "Arn"]}]


@pytest.mark.parametrize(
    ("principal", "message"),
    [
        ("12345678901", "12-digit account id"),
        ("o-a1b2c3d4e5", "12-digit account id, an organization ARN"),
        (f"arn:aws:organizations::{OWNER}:organization/a1b2c3d4e5", "malformed organization or OU ARN"),
        (f"arn:aws:organizations::{OWNER}:ou/ou-ab12-cdef5678", "malformed organization or OU ARN"),
        (f"arn:aws:iam::{CONSUMER}:root", "12-digit account id"),
    ],
)
def test_malformed_principals_are_refused_with_the_expected_form(principal: str, message: str) -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    with pytest.raises(ValueError, match=re.escape(message)) as raised:
        ResourceShare(stack, "Share", resources=[number], principals=[principal])
    assert "arn:aws:organizations::111122223333:organization/o-a1b2c3d4e5" in str(raised.value)  # the expected form


def test_share_with_organization_refuses_an_ou_arn_and_the_other_way_round() -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    with pytest.raises(ValueError, match="malformed organization ARN"):
        number.share_with_organization(OU)
    with pytest.raises(ValueError, match="malformed organizational unit ARN"):
        number.share_with_organizational_unit(ORG)


def test_a_resource_of_another_account_cannot_be_shared_through_ram() -> None:
    stack = new_stack()
    foreign = PhoneNumber.from_phone_number_arn(stack, "Foreign", number_arn(1, account=CONSUMER))
    with pytest.raises(ValueError, match="RAM shares only resources the deploying account owns"):
        foreign.share_with_organization(ORG)


def test_a_resource_of_another_region_fails_synthesis() -> None:
    stack = new_stack()
    elsewhere = PhoneNumber.from_phone_number_arn(stack, "Elsewhere", number_arn(1, region="eu-west-1"))
    elsewhere.share_with_organizational_unit(OU)
    error = synth_error(stack)
    assert "is in region eu-west-1 but the stack deploys to us-east-1" in error
    assert "RAM shares only resources of the deploying account in its own region" in error


def test_an_empty_share_fails_synthesis() -> None:
    stack = new_stack()
    ResourceShare(stack, "Empty")
    error = synth_error(stack)
    assert "has no resources" in error and "has no principals" in error


def test_a_shared_pool_whose_numbers_are_not_shared_warns() -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    sender = SenderId.from_sender_id_arn(stack, "Sender", SENDER_ARN)
    pool = Pool(stack, "Pool", origination_identities=[number, sender], help_message="h", stop_message="s")
    pool.share_with_organizational_unit(OU)
    sender.share_with_organizational_unit(OU)
    number.share_with_organizational_unit(OTHER_OU)  # not the same principals
    (warning,) = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("origination identities"))
    text = warning.entry.data
    assert "TestStack/Number" in text and "TestStack/Sender" not in text


def test_a_shared_pool_with_its_numbers_shared_alike_does_not_warn() -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    pool = Pool(stack, "Pool", origination_identities=[number], help_message="h", stop_message="s")
    ResourceShare(stack, "Share", resources=[pool, number], principals=[OU])
    assert Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("origination identities")) == []


@pytest.mark.parametrize("calls", ["one call", "a call per account"])
@pytest.mark.parametrize("env", ["literal", "agnostic"])
def test_too_many_accounts_for_a_policy_says_how_many_fit_and_proposes_ram(calls: str, env: str) -> None:
    def share_with(count: int) -> cdk.Stack:
        environment = cdk.Environment(account=OWNER, region="us-east-1") if env == "literal" else None
        stack = cdk.Stack(cdk.App(), "S", env=environment)
        number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN, owned=True)
        principals = [iam.AccountPrincipal(f"{100000000000 + i}") for i in range(count)]
        if calls == "one call":
            number.share_with(*principals)
        else:
            for principal in principals:
                number.share_with(principal)
        return stack

    error = synth_error(share_with(400))
    match = re.search(r"it names 400 accounts and about (\d+) fit", error)
    assert match, error
    assert "share_with_organization" in error and "ResourceShare" in error
    assert ("share_with(*principals) in one call" in error) == (calls != "one call")
    fit = int(match[1])
    assert 20 < fit < 400
    Template.from_stack(share_with(fit))  # the count it names does synthesize
    assert f"it names {fit + 1} accounts and about {fit} fit" in synth_error(share_with(fit + 1))


def test_opt_out_lists_can_be_shared_through_ram() -> None:
    stack = new_stack()
    OptOutList.from_opt_out_list_arn(stack, "OptOuts", OPT_OUT_ARN).share_with_organization(ORG)
    (share,) = shares(stack)
    assert share["ResourceArns"] == [OPT_OUT_ARN]


def test_a_trailing_newline_in_a_principal_is_refused() -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    with pytest.raises(ValueError, match="cannot share with"):
        ResourceShare(stack, "Partner", resources=[number], principals=[f"{CONSUMER}\n"])
    with pytest.raises(ValueError, match="malformed organization ARN"):
        number.share_with_organization(ORG + "\n")


def test_the_stacks_share_for_an_ou_takes_no_other_principal_and_its_settings_are_fixed() -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    share = number.share_with_organizational_unit(OU)
    with pytest.raises(ValueError, match="another principal would get all of them"):
        share.add_principals("777788889999")
    with pytest.raises(AttributeError):
        share.allow_external_principals = True  # type: ignore[misc]
    OptOutList(stack, "Internal", opt_out_list_name="internal").share_with_organizational_unit(OU)
    (properties,) = shares(stack)
    assert properties["Principals"] == [OU] and properties["AllowExternalPrincipals"] is False


def test_a_pool_whose_numbers_reach_the_same_principals_through_other_shares_does_not_warn() -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    pool = Pool(stack, "Pool", origination_identities=[number], help_message="h", stop_message="s")
    ResourceShare(stack, "Both", resources=[pool], principals=[OU, ORG])
    number.share_with_organizational_unit(OU)
    number.share_with_organization(ORG)
    second = PhoneNumber.from_phone_number_arn(stack, "Second", number_arn(2))  # a number is in one pool only
    second.share_with_organization(ORG)
    other = Pool(stack, "Other", origination_identities=[second], help_message="h", stop_message="s")
    other.share_with_organizational_unit(OTHER_OU)  # the number reaches OTHER_OU: it is in the organization
    assert Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("origination identities")) == []
