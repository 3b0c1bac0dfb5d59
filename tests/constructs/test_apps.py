"""The CDK apps people actually write: several stacks, nested stacks, stacks without an
account, ARNs from parameters and SSM, a consumer that only grants. Each test is a user's
app; what it checks is what that user would see in the template or the error."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ssm as ssm
from aws_cdk.assertions import Annotations, Match, Template

from shared_sms import OptOutList, PhoneNumber, Pool, ResourcePolicy, SenderId
from tests.constructs.helpers import CONSUMER, NUMBER_ARN, OPT_OUT_ARN, OWNER, REGION, SENDER_ARN
from tests.harness.intrinsics import resolve

ENV = cdk.Environment(account=OWNER, region=REGION)


def kinds(stack: cdk.Stack) -> set[str]:
    return {r["Type"] for r in Template.from_stack(stack).to_json().get("Resources", {}).values()}


def test_two_stacks_that_merge_into_one_arn_synthesize_with_a_warning_naming_the_other() -> None:
    app = cdk.App()
    platform, marketing = cdk.Stack(app, "Platform", env=ENV), cdk.Stack(app, "Marketing", env=ENV)
    PhoneNumber.from_phone_number_arn(platform, "Number", NUMBER_ARN).share_with(iam.AccountPrincipal(CONSUMER))
    PhoneNumber.from_phone_number_arn(marketing, "Number", NUMBER_ARN).allow_service("sns.amazonaws.com")

    for stack, other in ((platform, "Marketing"), (marketing, "Platform")):
        warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp(f"stack {other} "))
        assert len(warnings) == 1, f"{stack.stack_name} names {other}"


@pytest.mark.parametrize("mode", ["FAIL", "REPLACE"])
def test_fails_two_stacks_on_one_arn_when_either_would_not_merge(mode: str) -> None:
    app = cdk.App()
    platform, marketing = cdk.Stack(app, "Platform", env=ENV), cdk.Stack(app, "Marketing", env=ENV)
    PhoneNumber.from_phone_number_arn(platform, "Number", NUMBER_ARN).share_with(iam.AccountPrincipal(CONSUMER))
    number = PhoneNumber.from_phone_number_arn(marketing, "Number", NUMBER_ARN)
    with pytest.raises(ValueError, match=f"Marketing/Policy \\({mode}\\) and Platform/.*both write.*MERGE"):
        ResourcePolicy(marketing, "Policy", resource=number, on_existing_policy=mode)


def test_a_nested_stack_and_its_parent_on_one_arn_are_seen_too() -> None:
    app = cdk.App()
    parent = cdk.Stack(app, "Parent", env=ENV)
    nested = cdk.NestedStack(parent, "Child")
    PhoneNumber.from_phone_number_arn(parent, "Number", NUMBER_ARN).share_with(iam.AccountPrincipal(CONSUMER))
    PhoneNumber.from_phone_number_arn(nested, "Number", NUMBER_ARN, owned=True).allow_service("sns.amazonaws.com")
    warnings = Annotations.from_stack(parent).find_warning("*", Match.string_like_regexp("Parent/Child"))
    assert len(warnings) == 1


def test_a_nested_stack_shares_a_number_its_parent_created() -> None:
    app = cdk.App()
    parent = cdk.Stack(app, "Parent", env=ENV)
    number = PhoneNumber(
        parent,
        "Support",
        iso_country_code="US",
        number_type="SIMULATOR",
        number_capabilities=["SMS"],
        help_message="h",
        stop_message="s",
    )
    nested = cdk.NestedStack(parent, "Sharing")
    imported = PhoneNumber.from_phone_number_arn(nested, "Support", number.phone_number_arn)
    imported.share_with(iam.AccountPrincipal(CONSUMER))
    child = Template.from_stack(nested).to_json()
    (policy,) = [r for r in child["Resources"].values() if r["Type"] == "Custom::SmsResourcePolicy"]
    rendered = json.dumps(policy["Properties"])
    assert "Fn::GetAtt" not in rendered.replace('"Fn::GetAtt": ["SharedSmsPolicyFunction', "")
    assert rendered.count('"Ref": "referencetoParent') == 2, "the ARN reaches the nested stack as a parameter"


def test_fails_share_on_an_import_whose_owner_is_unknown_naming_the_fixes() -> None:
    agnostic = cdk.Stack(cdk.App(), "Agnostic")  # the `cdk init` default: no account
    number = PhoneNumber.from_phone_number_arn(agnostic, "Number", NUMBER_ARN)
    with pytest.raises(ValueError, match="pass owned=True to PhoneNumber.from_phone_number_arn.*ResourcePolicy"):
        number.share_with(iam.AccountPrincipal(CONSUMER))
    owned = PhoneNumber.from_phone_number_arn(agnostic, "Owned", NUMBER_ARN.replace("0123", "4567"), owned=True)
    owned.share_with(iam.AccountPrincipal(CONSUMER))
    assert {
        r["Properties"]["ResourceArn"]
        for r in Template.from_stack(agnostic).find_resources("Custom::SmsResourcePolicy").values()
    } == {NUMBER_ARN.replace("0123", "4567")}


def deploy_time_arn(stack: cdk.Stack, source: str) -> str:
    if source == "parameter":
        return cdk.CfnParameter(stack, "NumberArn").value_as_string
    return ssm.StringParameter.value_for_string_parameter(stack, "/sms/number-arn")


@pytest.mark.parametrize("source", ["parameter", "ssm"])
def test_a_deploy_time_arn_gets_identity_grants_only(source: str) -> None:
    stack = cdk.Stack(cdk.App(), "Consumer", env=cdk.Environment(account=CONSUMER, region=REGION))
    role = iam.Role(stack, "Sender", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))

    PhoneNumber.from_phone_number_arn(stack, "Number", deploy_time_arn(stack, source)).grant_send(role)

    assert not {k for k in kinds(stack) if k.startswith("Custom::")} and "AWS::Lambda::Function" not in kinds(stack)
    Template.from_stack(stack).resource_count_is("AWS::IAM::Policy", 1)


@pytest.mark.parametrize("source", ["parameter", "ssm"])
def test_a_deploy_time_arn_gets_a_policy_when_one_is_asked_for(source: str) -> None:
    stack = cdk.Stack(cdk.App(), "Owner", env=ENV)
    number = PhoneNumber.from_phone_number_arn(stack, "Number", deploy_time_arn(stack, source))
    ResourcePolicy(stack, "NumberPolicy", resource=number)
    number.grant_send(iam.AccountPrincipal(CONSUMER))
    (policy,) = Template.from_stack(stack).find_resources("Custom::SmsResourcePolicy").values()
    assert CONSUMER in json.dumps(policy["Properties"]["Policy"])


def test_fails_an_explicit_policy_outside_the_resources_stack() -> None:
    app = cdk.App()
    numbers, sharing = cdk.Stack(app, "Numbers", env=ENV), cdk.Stack(app, "Sharing", env=ENV)
    number = PhoneNumber.from_phone_number_arn(numbers, "Number", NUMBER_ARN)
    with pytest.raises(ValueError, match="belongs in the stack of its resource \\(Numbers/Number\\)"):
        ResourcePolicy(sharing, "Policy", resource=number)


def test_the_policy_path_of_a_literal_arn_does_not_depend_on_call_order() -> None:
    paths = []
    for first in ("Alerts", "Support"):
        stack = cdk.Stack(cdk.App(), "Producer", env=ENV)
        imports = {name: PhoneNumber.from_phone_number_arn(stack, name, NUMBER_ARN) for name in ("Alerts", "Support")}
        other = "Support" if first == "Alerts" else "Alerts"
        imports[first].share_with(iam.AccountPrincipal(CONSUMER))
        imports[other].allow_service("sns.amazonaws.com")
        paths.append(sorted(Template.from_stack(stack).find_resources("Custom::SmsResourcePolicy")))
    assert paths[0] == paths[1]


def test_a_sender_id_from_a_parameter_splits_into_its_id_and_country() -> None:
    stack = cdk.Stack(cdk.App(), "Producer", env=ENV)
    arn = cdk.CfnParameter(stack, "SenderArn").value_as_string
    sender = SenderId.from_sender_id_arn(stack, "Sender", arn)
    parameter = next(iter(stack.resolve(arn).values()))

    def ref(name: str) -> Any:
        assert name == parameter
        return SENDER_ARN

    values = [resolve(stack.resolve(v), ref, lambda *_: None) for v in (sender.sender_id, sender.iso_country_code)]
    assert values == ["EXAMPLECO", "GB"]


def test_a_pool_names_an_imported_opt_out_list_by_arn_and_its_own_by_name() -> None:
    stack = cdk.Stack(cdk.App(), "Producer", env=ENV)
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    shared = OptOutList.from_opt_out_list_arn(stack, "Shared", OPT_OUT_ARN.replace(OWNER, "777788889999"))
    own = OptOutList(stack, "Own", opt_out_list_name="own-list")
    Pool(stack, "WithShared", origination_identities=[number], help_message="h", stop_message="s", opt_out_list=shared)
    Pool(stack, "WithOwn", origination_identities=[number], help_message="h", stop_message="s", opt_out_list=own)
    names = sorted(
        json.dumps(p["Properties"]["OptOutListName"])
        for p in Template.from_stack(stack).find_resources("AWS::SMSVOICE::Pool").values()
    )
    assert f'"{OPT_OUT_ARN.replace(OWNER, "777788889999")}"' in names and any('"Ref"' in n for n in names)


def test_verify_shared_twice_adds_one_check() -> None:
    stack = cdk.Stack(cdk.App(), "Consumer", env=cdk.Environment(account=CONSUMER, region=REGION))
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN, verify_shared=True)
    assert number.verify_shared() is number.verify_shared()
    Template.from_stack(stack).resource_count_is("Custom::SmsSharedResourceCheck", 1)


def test_policy_document_statements_get_the_resource_and_the_callers_document_is_untouched() -> None:
    stack = cdk.Stack(cdk.App(), "Producer", env=ENV)
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    document = iam.PolicyDocument(
        statements=[
            iam.PolicyStatement(actions=["sms-voice:SendTextMessage"], principals=[iam.AccountPrincipal(CONSUMER)])
        ]
    )
    before = stack.resolve(document.to_json())
    ResourcePolicy(stack, "Policy", resource=number, policy_document=document)
    (policy,) = Template.from_stack(stack).find_resources("Custom::SmsResourcePolicy").values()
    assert json.loads(policy["Properties"]["Policy"])["Statement"][0]["Resource"] == NUMBER_ARN
    assert stack.resolve(document.to_json()) == before


IMPORTERS = {
    "phone-number": PhoneNumber.from_phone_number_arn,
    "sender-id": SenderId.from_sender_id_arn,
    "opt-out-list": OptOutList.from_opt_out_list_arn,
    "pool": Pool.from_pool_arn,
}


def arn_of(kind: str, index: int, account: str = OWNER) -> str:
    ident = f"BRAND{index}/GB" if kind == "sender-id" else f"{kind.split('-')[0]}-{index:032x}"
    return f"arn:aws:sms-voice:{REGION}:{account}:{kind}/{ident}"


def role_policy(stack: cdk.Stack) -> dict[str, Any]:
    (policy,) = Template.from_stack(stack).find_resources("AWS::IAM::Policy").values()
    return dict(policy["Properties"]["PolicyDocument"])


def test_the_function_role_stays_within_iam_limits_when_a_stack_shares_and_verifies_many() -> None:
    stack = cdk.Stack(cdk.App(), "Both", env=ENV)
    for index in range(15):
        for kind, importer in IMPORTERS.items():
            importer(stack, f"{kind}{index}", arn_of(kind, index)).share_with(iam.AccountPrincipal(CONSUMER))
            importer(stack, f"shared-{kind}{index}", arn_of(kind, index, "777788889999"), verify_shared=True)
    assert len(json.dumps(role_policy(stack), separators=(",", ":"))) < 10_240


def test_an_arn_checked_twice_is_listed_once_in_the_function_role() -> None:
    stack = cdk.Stack(cdk.App(), "Consumer", env=cdk.Environment(account=CONSUMER, region=REGION))
    for copy in ("Alerts", "Support"):
        PhoneNumber.from_phone_number_arn(stack, copy, NUMBER_ARN, verify_shared=True)
    (describe,) = [s for s in role_policy(stack)["Statement"] if "sms-voice:DescribePhoneNumbers" in s["Action"]]
    assert describe["Resource"] in (NUMBER_ARN, [NUMBER_ARN])
