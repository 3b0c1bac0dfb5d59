"""The CDK apps people actually write: several stacks, nested stacks, stacks without an
account, ARNs from parameters and SSM, a consumer that only grants. Each test is a user's
app; what it checks is what that user would see in the template or the error."""

from __future__ import annotations

import json
from pathlib import Path
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


def support_number(stack: cdk.Stack) -> PhoneNumber:
    return PhoneNumber(
        stack,
        "Support",
        iso_country_code="US",
        number_type="SIMULATOR",
        number_capabilities=["SMS"],
        help_message="h",
        stop_message="s",
    )


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
    number = support_number(parent)
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
    other = PhoneNumber.from_phone_number_arn(stack, "Other", NUMBER_ARN.replace("phone-0", "phone-1"))  # one pool each
    Pool(stack, "WithOwn", origination_identities=[other], help_message="h", stop_message="s", opt_out_list=own)
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
    """Every statement of the function role's policies (inline and the managed grant), as one document."""
    template = Template.from_stack(stack)
    found = [
        *template.find_resources("AWS::IAM::Policy").values(),
        *template.find_resources("AWS::IAM::ManagedPolicy").values(),
    ]
    return {"Statement": [s for p in found for s in p["Properties"]["PolicyDocument"]["Statement"]]}


def test_the_function_role_stays_within_iam_limits_when_a_stack_shares_and_verifies_many() -> None:
    stack = cdk.Stack(cdk.App(), "Both", env=ENV)
    for index in range(15):
        for kind, importer in IMPORTERS.items():
            importer(stack, f"{kind}{index}", arn_of(kind, index)).share_with(iam.AccountPrincipal(CONSUMER))
            importer(stack, f"shared-{kind}{index}", arn_of(kind, index, "777788889999"), verify_shared=True)
    template = Template.from_stack(stack)
    for kind, limit in (("AWS::IAM::Policy", 10_240), ("AWS::IAM::ManagedPolicy", 6_144)):
        documents = [p["Properties"]["PolicyDocument"] for p in template.find_resources(kind).values()]
        assert documents and sum(len(json.dumps(d, separators=(",", ":"))) for d in documents) < limit


def test_an_arn_checked_twice_gives_the_function_role_one_describe_grant() -> None:
    stack = cdk.Stack(cdk.App(), "Consumer", env=cdk.Environment(account=CONSUMER, region=REGION))
    for copy in ("Alerts", "Support"):
        PhoneNumber.from_phone_number_arn(stack, copy, NUMBER_ARN, verify_shared=True)
    (describe,) = [s for s in role_policy(stack)["Statement"] if "sms-voice:DescribePhoneNumbers" in s["Action"]]
    assert describe == {"Effect": "Allow", "Action": ["sms-voice:DescribePhoneNumbers"], "Resource": "*"}


@pytest.mark.parametrize("builder", ["format_arn", "sub", "join"])
@pytest.mark.parametrize("env", [ENV, None], ids=["env", "agnostic"])
def test_an_arn_built_from_the_stacks_own_account_is_this_stacks(builder: str, env: cdk.Environment | None) -> None:
    stack = cdk.Stack(cdk.App(), "Owner", env=env)
    ident = "phone-0123456789abcdef0123456789abcdef"
    arn = {
        "format_arn": lambda: stack.format_arn(
            service="sms-voice",
            resource="phone-number",
            resource_name=ident,
            arn_format=cdk.ArnFormat.SLASH_RESOURCE_NAME,
        ),
        "sub": lambda: cdk.Fn.sub(
            f"arn:${{AWS::Partition}}:sms-voice:${{AWS::Region}}:${{AWS::AccountId}}:phone-number/{ident}"
        ),
        "join": lambda: f"arn:{cdk.Aws.PARTITION}:sms-voice:{cdk.Aws.REGION}:{cdk.Aws.ACCOUNT_ID}:phone-number/{ident}",
    }[builder]()
    PhoneNumber.from_phone_number_arn(stack, "Number", arn).grant_send(iam.AccountPrincipal(CONSUMER))
    assert "Custom::SmsResourcePolicy" in kinds(stack)


def test_fails_a_cross_account_grant_that_nothing_could_write() -> None:
    stack = cdk.Stack(cdk.App(), "Owner", env=ENV)
    number = PhoneNumber.from_phone_number_arn(stack, "Number", deploy_time_arn(stack, "ssm"))
    with pytest.raises(ValueError, match="cannot tell at synth time which account owns.*owned=True"):
        number.grant_send(iam.AccountPrincipal(CONSUMER))


@pytest.mark.parametrize("env", [ENV, None], ids=["env", "agnostic"])
def test_a_number_created_in_one_stack_and_shared_from_another(env: cdk.Environment | None) -> None:
    app = cdk.App()
    numbers, sharing = cdk.Stack(app, "SmsNumbers", env=env), cdk.Stack(app, "SmsSharing", env=env)
    support = support_number(numbers)
    PhoneNumber.from_phone_number_arn(sharing, "Support", support.phone_number_arn).share_with(
        iam.AccountPrincipal(CONSUMER)
    )
    assert "Custom::SmsResourcePolicy" in kinds(sharing)


def test_fails_a_created_number_shared_from_two_stacks_when_one_would_not_merge() -> None:
    app = cdk.App()
    numbers, sharing = cdk.Stack(app, "Numbers", env=ENV), cdk.Stack(app, "Sharing", env=ENV)
    support = support_number(numbers)
    ResourcePolicy(numbers, "Strict", resource=support, on_existing_policy="FAIL")
    imported = PhoneNumber.from_phone_number_arn(sharing, "Support", support.phone_number_arn)
    with pytest.raises(ValueError, match="Sharing/.* \\(MERGE\\) and Numbers/Strict \\(FAIL\\) both write"):
        imported.share_with(iam.AccountPrincipal(CONSUMER))


def test_fails_at_synth_a_number_created_in_another_region() -> None:
    app = cdk.App()
    west = cdk.Stack(app, "West", env=cdk.Environment(account=OWNER, region="us-west-2"), cross_region_references=True)
    east = cdk.Stack(app, "East", env=ENV, cross_region_references=True)
    PhoneNumber.from_phone_number_arn(east, "West", support_number(west).phone_number_arn).share_with(
        iam.AccountPrincipal(CONSUMER)
    )
    with pytest.raises(RuntimeError, match="East/West is in region us-west-2 but the stack deploys to us-east-1"):
        app.synth()


def test_an_arn_from_a_context_lookup_synthesizes_and_asks_for_the_lookup() -> None:
    app = cdk.App()
    consumer = cdk.Stack(app, "Consumer", env=cdk.Environment(account=CONSUMER, region=REGION))
    arn = ssm.StringParameter.value_from_lookup(consumer, "/sms/shared-number-arn")
    role = iam.Role(consumer, "Sender", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    PhoneNumber.from_phone_number_arn(consumer, "Shared", arn, verify_shared=True).grant_send(role)
    manifest = json.loads(Path(app.synth().directory, "manifest.json").read_text())
    assert [m["key"] for m in manifest["missing"]] == [
        m["key"] for m in manifest["missing"] if m["key"].startswith("ssm:")
    ]
    assert manifest["missing"], "the CLI is asked to look the ARN up"


def test_a_deploy_time_arn_imported_twice_keeps_its_policy_path_whatever_the_call_order() -> None:
    paths = []
    for first in ("Alerts", "Support"):
        stack = cdk.Stack(cdk.App(), "Owner", env=ENV)
        arn = cdk.CfnParameter(stack, "NumberArn").value_as_string
        imports = {n: PhoneNumber.from_phone_number_arn(stack, n, arn, owned=True) for n in ("Alerts", "Support")}
        imports[first].share_with(iam.AccountPrincipal(CONSUMER))
        imports["Support" if first == "Alerts" else "Alerts"].allow_service("sns.amazonaws.com")
        paths.append(sorted(Template.from_stack(stack).find_resources("Custom::SmsResourcePolicy")))
    assert paths[0] == paths[1] and len(paths[0]) == 1


def test_a_foreign_import_warns_without_printing_tokens() -> None:
    stack = cdk.Stack(cdk.App(), "Consumer", env=cdk.Environment(account=CONSUMER, region=REGION))
    number = PhoneNumber.from_phone_number_arn(stack, "Shared", deploy_time_arn(stack, "parameter"), owned=False)
    number.share_with(iam.AccountPrincipal("777788889999"))
    (warning,) = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("belongs to"))
    assert "${Token" not in warning.entry.data and "another account" in warning.entry.data
