"""Issue 22: synthesis says what a deployment would say. Each test is a user's app: literal
properties against CloudFormation's schemas, one number in two pools, a pool shared by policy
without its numbers, policies that keep their logical ids in a Stage, check attributes per
type, and ResourceShare's RAM properties."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import botocore.session
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ram as ram
from aws_cdk.assertions import Annotations, Match, Template

from shared_sms import OptOutList, PhoneNumber, Pool, ResourceShare, SenderId
from tests.constructs.helpers import (
    CONSUMER,
    NUMBER_ARN,
    OPT_OUT_ARN,
    OWNER,
    POOL_ARN,
    REGION,
    SENDER_ARN,
    new_stack,
)
from tests.versions.dev_pins import older_than_dev_pin

ROOT = Path(__file__).resolve().parents[2]
ENV = cdk.Environment(account=OWNER, region=REGION)
ORG = f"arn:aws:organizations::{OWNER}:organization/o-a1b2c3d4e5"


def number(stack: cdk.Stack, id: str = "Number", **overrides: Any) -> PhoneNumber:
    props: dict[str, Any] = {
        "iso_country_code": "US",
        "number_type": "TOLL_FREE",
        "number_capabilities": ["SMS"],
        "help_message": "Example Corp. Reply STOP to opt out.",
        "stop_message": "You are unsubscribed.",
    }
    return PhoneNumber(stack, id, **{**props, **overrides})


def pool(stack: cdk.Stack, id: str, identities: list[Any], **overrides: Any) -> Pool:
    props: dict[str, Any] = {"help_message": "Example Corp.", "stop_message": "Unsubscribed."}
    return Pool(stack, id, origination_identities=identities, **{**props, **overrides})


def warnings(stack: cdk.Stack, pattern: str) -> list[str]:
    found = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp(pattern))
    return [str(w.entry.data) for w in found]


# -- 1. literal properties against CloudFormation's registry schemas


def test_a_short_code_number_type_fails_synthesis_with_what_cloudformation_accepts() -> None:
    stack = new_stack()
    with pytest.raises(ValueError) as raised:
        number(stack, number_type="SHORT_CODE")
    message = str(raised.value)
    assert "TestStack/Number" in message
    assert "number_type='SHORT_CODE' is not one of LONG_CODE, TOLL_FREE, TEN_DLC, SIMULATOR" in message
    assert "PhoneNumber.from_phone_number_arn" in message  # what to do
    assert "SHORT_CODE" not in (PhoneNumber.__doc__ or "")  # the docstring listed it


def test_a_lower_case_sender_id_fails_synthesis_naming_the_pattern() -> None:
    stack = new_stack()
    with pytest.raises(ValueError) as raised:
        SenderId(stack, "Brand", sender_id="MyBrand", iso_country_code="GB")
    message = str(raised.value)
    assert "sender_id='MyBrand' does not match the pattern ^[A-Z0-9_-]+$" in message
    assert "'MYBRAND'" in message


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda s: number(s, number_capabilities=["SMS", "TEXT"]), "number_capabilities[1]='TEXT' is not one of SMS"),
        (lambda s: number(s, number_capabilities=["SMS", "SMS"]), "number_capabilities names 'SMS' twice"),
        (lambda s: number(s, iso_country_code="us"), "iso_country_code='us' does not match"),
        (lambda s: number(s, help_message="   "), "help_message='   ' does not match"),
        (lambda s: number(s, stop_message="x" * 1601), "is longer than 1600 characters"),
        (lambda s: SenderId(s, "S", sender_id="BRAND\n", iso_country_code="GB"), "does not match"),
        (lambda s: OptOutList(s, "L", opt_out_list_name="my list"), "opt_out_list_name='my list' does not match"),
        (lambda s: OptOutList(s, "L", opt_out_list_name="x" * 65), "is longer than 64 characters"),
    ],
)
def test_literal_values_cloudformation_refuses_fail_synthesis(build: Any, expected: str) -> None:
    with pytest.raises(ValueError, match=re.escape(expected)):
        build(new_stack())


def test_valid_literals_and_deploy_time_values_synthesize() -> None:
    stack = new_stack()
    brand = cdk.CfnParameter(stack, "Brand").value_as_string
    SenderId(stack, "FromParameter", sender_id=brand, iso_country_code="GB")  # a token: not checked
    SenderId(stack, "Literal", sender_id="EXAMPLE_CO-1", iso_country_code="GB")
    capabilities = cdk.CfnParameter(stack, "Capabilities", type="CommaDelimitedList").value_as_list
    number(stack, "FromParameters", number_capabilities=capabilities)  # a list token: not checked
    opt_outs = OptOutList(stack, "OptOuts", opt_out_list_name="shared-opt-outs")
    created = number(stack, opt_out_list=opt_outs, number_capabilities=["SMS", "VOICE"])
    pool(stack, "Pool", [created, PhoneNumber.from_phone_number_arn(stack, "Imported", NUMBER_ARN)])
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::SMSVOICE::SenderId", 2)
    template.resource_count_is("AWS::SMSVOICE::Pool", 1)


def test_a_context_lookup_not_done_yet_synthesizes_so_that_the_cli_can_do_it() -> None:
    from aws_cdk import aws_ssm as ssm

    stack = new_stack()
    arn = ssm.StringParameter.value_from_lookup(stack, "/sms/number-arn")
    brand = ssm.StringParameter.value_from_lookup(stack, "/sms/brand")
    looked_up = PhoneNumber.from_phone_number_arn(stack, "Number", arn, owned=True)
    pool(stack, "Pool", [looked_up, SenderId(stack, "Brand", sender_id=brand, iso_country_code="GB")])
    pool(stack, "Other", [PhoneNumber.from_phone_number_arn(stack, "Same", arn, owned=True)])  # not known yet
    cdk.App.of(stack).synth()  # type: ignore[union-attr]


def test_one_number_in_two_pools_of_the_app_fails_naming_both() -> None:
    app = cdk.App()
    alerts = cdk.Stack(app, "Alerts", env=ENV)
    marketing = cdk.Stack(app, "Marketing", env=ENV)
    pool(alerts, "Pool", [PhoneNumber.from_phone_number_arn(alerts, "Number", NUMBER_ARN)])
    with pytest.raises(ValueError) as raised:
        pool(marketing, "Pool", [PhoneNumber.from_phone_number_arn(marketing, "Number", NUMBER_ARN)])
    message = str(raised.value)
    assert "Marketing/Pool: phone number Marketing/Number" in message
    assert "is already in pool Alerts/Pool" in message
    assert "a number is in at most one pool" in message


def test_a_number_created_in_the_app_in_two_pools_fails_and_a_sender_id_may_be_in_two() -> None:
    stack = new_stack()
    created = number(stack)
    sender = SenderId.from_sender_id_arn(stack, "Sender", SENDER_ARN)
    pool(stack, "First", [created, sender])
    pool(stack, "Second", [sender])  # a sender ID may be in several pools
    with pytest.raises(ValueError, match="phone number TestStack/Number is already in pool TestStack/First"):
        pool(stack, "Third", [created])
    with pytest.raises(ValueError, match="names .* twice"):
        pool(stack, "Twice", [sender, sender])


# -- 2. a pool shared by policy whose members are not


def test_a_pool_shared_by_policy_warns_when_its_numbers_are_not_shared_as_the_ram_path_does() -> None:
    stack = new_stack()
    imported = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    shared_pool = pool(stack, "Pool", [imported])
    shared_pool.share_with(iam.AccountPrincipal(CONSUMER))
    (warning,) = warnings(stack, "origination identities")
    assert "pool TestStack/Pool is shared but its origination identities TestStack/Number" in warning
    assert "not shared with the same principals" in warning
    assert "shared-sms:pool-identities-not-shared" in warning  # the RAM path's id


def test_no_warning_when_the_members_are_shared_with_the_same_principals() -> None:
    stack = new_stack()
    imported = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    sender = SenderId.from_sender_id_arn(stack, "Sender", SENDER_ARN)
    shared_pool = pool(stack, "Pool", [imported, sender])
    for resource in (shared_pool, imported):
        resource.share_with(iam.AccountPrincipal(CONSUMER))
    sender.add_to_resource_policy(
        iam.PolicyStatement(
            actions=["sms-voice:SendTextMessage"], principals=[iam.ArnPrincipal(f"arn:aws:iam::{CONSUMER}:root")]
        )
    )
    assert warnings(stack, "origination identities") == []


def test_a_pool_shared_with_a_role_whose_numbers_are_shared_with_its_account_does_not_warn() -> None:
    stack = new_stack()
    imported = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    shared_pool = pool(stack, "Pool", [imported])
    shared_pool.share_with(iam.ArnPrincipal(f"arn:aws:iam::{CONSUMER}:role/sender"))
    imported.share_with(iam.AccountPrincipal(CONSUMER))  # the account decides for its roles
    assert warnings(stack, "origination identities") == []


def test_a_member_shared_with_another_account_only_still_warns() -> None:
    stack = new_stack()
    imported = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    shared_pool = pool(stack, "Pool", [imported])
    shared_pool.share_with(iam.AccountPrincipal(CONSUMER))
    imported.share_with(iam.AccountPrincipal("777788889999"))
    assert len(warnings(stack, "origination identities TestStack/Number")) == 1


def test_a_member_shared_through_ram_with_the_account_counts_as_shared() -> None:
    stack = new_stack()
    imported = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    shared_pool = pool(stack, "Pool", [imported])
    shared_pool.share_with(iam.AccountPrincipal(CONSUMER))
    ResourceShare(stack, "Share", resources=[imported], principals=[CONSUMER])
    assert warnings(stack, "origination identities") == []


# -- 3. logical ids that survive moving the stacks into a Stage


def example_app(into_stage: bool) -> dict[str, dict[str, Any]]:
    """The example app (app.py), its stacks directly in the App or in a Stage ``Prod`` with
    the same stack names (as CDK Pipelines would deploy them): stack name -> template."""
    sys.path.insert(0, str(ROOT))
    try:
        from app import ConsumerStack, ProducerStack
    finally:
        sys.path.remove(str(ROOT))
    app = cdk.App(context=json.loads((ROOT / "cdk.json").read_text())["context"])
    scope: cdk.App | cdk.Stage = cdk.Stage(app, "Prod") if into_stage else app
    consumer_env = cdk.Environment(account=CONSUMER, region=REGION)
    stacks = [
        ProducerStack(scope, "SmsProducer", consumer_account=CONSUMER, env=ENV, stack_name="SmsProducer"),  # type: ignore[arg-type]
        ConsumerStack(scope, "SmsConsumer", owner_account=OWNER, env=consumer_env, stack_name="SmsConsumer"),  # type: ignore[arg-type]
    ]
    # A resource of the app whose ARN the policy's logical id comes from (app.py imports its numbers).
    OptOutList(stacks[0], "Extra", opt_out_list_name="extra").share_with(iam.AccountPrincipal(CONSUMER))
    ResourceShare(stacks[0], "Partner", resources=[stacks[0].node.find_child("OptOuts")], principals=[CONSUMER])  # type: ignore[list-item]
    return {stack.stack_name: Template.from_stack(stack).to_json() for stack in stacks}


def test_moving_the_example_apps_stacks_into_a_stage_replaces_nothing() -> None:
    before, after = example_app(into_stage=False), example_app(into_stage=True)
    assert set(before) == set(after) == {"SmsProducer", "SmsConsumer"}
    for name in before:
        old, new = before[name]["Resources"], after[name]["Resources"]
        assert {k: v["Type"] for k, v in old.items()} == {k: v["Type"] for k, v in new.items()}, name
        for logical_id in old:
            if old[logical_id]["Type"] != "AWS::CDK::Metadata":
                assert old[logical_id].get("Properties") == new[logical_id].get("Properties"), logical_id
    policies = [k for k, v in before["SmsProducer"]["Resources"].items() if v["Type"] == "Custom::SmsResourcePolicy"]
    # The ids the stacks directly in the App had before (unchanged: no replacement on upgrade).
    assert {
        "SharedSmsPoliciesSmsProducerOptOutsResourceB7A136F8",
        "SharedSmsPoliciesSmsProducerSharedPoolResource99293856",
        "SharedSmsPoliciesSmsProducerExtraResourceCBE67B98",
    } <= set(policies)


# -- 4. check attributes per type


def test_attr_status_of_a_sender_id_or_opt_out_list_check_fails_synthesis() -> None:
    stack = new_stack(account=CONSUMER)
    sender = SenderId.from_sender_id_arn(stack, "Sender", SENDER_ARN, verify_shared=True)
    opt_outs = OptOutList.from_opt_out_list_arn(stack, "OptOuts", OPT_OUT_ARN, verify_shared=True)
    with pytest.raises(ValueError, match="the check of a sender id has no attribute 'Status': DescribeSenderIds"):
        _ = sender.verify_shared().attr_status
    with pytest.raises(ValueError, match="the check of an opt-out list has no attribute 'Status'"):
        cdk.CfnOutput(stack, "Status", value=opt_outs.verify_shared().attribute("Status"))
    with pytest.raises(ValueError, match="no attribute 'MessageType'"):
        _ = sender.verify_shared().attribute("MessageType")


def test_typed_attributes_per_type_render_the_checks_fields() -> None:
    stack = new_stack(account=CONSUMER)
    number_check = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN, verify_shared=True).verify_shared()
    sender_check = SenderId.from_sender_id_arn(stack, "Sender", SENDER_ARN, verify_shared=True).verify_shared()
    pool_check = Pool.from_pool_arn(stack, "Pool", POOL_ARN, verify_shared=True).verify_shared()
    logical_id = stack.get_logical_id(number_check._resource)
    assert stack.resolve(number_check.phone_number_attributes.status) == {"Fn::GetAtt": [logical_id, "Status"]}
    assert stack.resolve(number_check.attr_status) == {"Fn::GetAtt": [logical_id, "Status"]}
    assert stack.resolve(sender_check.sender_id_attributes.registered)["Fn::GetAtt"][1] == "Registered"
    assert stack.resolve(pool_check.pool_attributes.shared_routes_enabled)["Fn::GetAtt"][1] == "SharedRoutesEnabled"
    with pytest.raises(ValueError, match="checks a sender id: PhoneNumberCheckAttributes are a phone number's"):
        _ = sender_check.phone_number_attributes
    assert not hasattr(sender_check.attributes, "status")
    # An optional field is offered with a warning: the deployment fails when the owner's entry lacks it.
    number_check.attribute("PoolId")
    assert len(warnings(stack, "PoolId is only in the owner's entry when it is set")) == 1


def test_the_attribute_sets_are_the_scalar_fields_of_the_describe_calls() -> None:
    """What the function's check_shared answers: the scalar members of each Describe entry
    (botocore's model); those the API always returns are the typed properties."""
    if reason := older_than_dev_pin("botocore"):  # the floors env: a model without the newer fields
        pytest.skip(reason)
    from shared_sms.check_attributes import BY_TYPE

    model = botocore.session.get_session().get_service_model("pinpoint-sms-voice-v2")
    scalars = {"string", "boolean", "integer", "long", "float", "double"}
    for attributes in BY_TYPE.values():
        operation = model.operation_model(attributes.operation)
        items = operation.output_shape.members[attributes.operation.removeprefix("Describe")].member
        names = {name for name, shape in items.members.items() if shape.type_name in scalars}
        assert set(attributes.always) | set(attributes.optional) == names, attributes.operation
        assert set(attributes.always) == names & set(items.required_members), attributes.operation
        typed = {name for name in vars(attributes) if isinstance(vars(attributes)[name], property)}
        assert typed == {re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower() for name in attributes.always}


# -- 5. ResourceShare's RAM properties


def test_resource_share_passes_permission_arns_sources_tags_and_configuration() -> None:
    stack = new_stack()
    imported = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    permission = "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionSMSVoicePhoneNumber"
    ResourceShare(
        stack,
        "Sns",
        resources=[imported],
        principals=["sns.amazonaws.com"],
        permission_arns=[permission, f"arn:aws:ram:{REGION}:{OWNER}:permission/SmsPoolsReadOnly"],
        sources=[OWNER],
        tags={"team": "messaging", "cost-centre": "42"},
        resource_share_configuration=ram.CfnResourceShare.ResourceShareConfigurationProperty(
            retain_sharing_on_account_leave_organization=True
        ),
    )
    (share,) = Template.from_stack(stack).find_resources("AWS::RAM::ResourceShare").values()
    props = share["Properties"]
    assert props["Principals"] == ["sns.amazonaws.com"]
    assert props["PermissionArns"] == [permission, f"arn:aws:ram:{REGION}:{OWNER}:permission/SmsPoolsReadOnly"]
    assert props["Sources"] == [OWNER]
    assert props["Tags"] == [{"Key": "cost-centre", "Value": "42"}, {"Key": "team", "Value": "messaging"}]
    assert props["ResourceShareConfiguration"] == {"RetainSharingOnAccountLeaveOrganization": True}


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"permission_arns": ["AWSRAMDefaultPermissionSMSVoicePool"]}, "is not a RAM permission ARN"),
        ({"sources": ["1234"]}, "sources: '1234' is not a 12-digit account id"),
        ({"tags": {"aws:team": "x"}}, "tags: key 'aws:team' must be 1 to 128 characters, not starting with aws:"),
        ({"tags": {"team": "x" * 257}}, "longer than 256 characters"),
    ],
)
def test_resource_share_refuses_literal_values_ram_would(props: dict[str, Any], expected: str) -> None:
    stack = new_stack()
    imported = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    with pytest.raises(ValueError, match=re.escape(expected)):
        ResourceShare(stack, "Share", resources=[imported], principals=[CONSUMER], **props)


def test_a_service_principal_needs_sources_and_sources_need_a_service_principal() -> None:
    stack = new_stack()
    imported = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    ResourceShare(stack, "Sns", resources=[imported], principals=["sns.amazonaws.com"])
    ResourceShare(stack, "Accounts", resources=[imported], principals=[CONSUMER], sources=[OWNER])
    with pytest.raises(RuntimeError) as raised:
        Template.from_stack(stack)
    assert "TestStack/Sns: shares with sns.amazonaws.com without sources" in str(raised.value)
    assert "TestStack/Accounts: sources only apply to service principals" in str(raised.value)


def test_a_share_with_an_organization_keeps_its_template_without_the_new_properties() -> None:
    stack = new_stack()
    PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN).share_with_organization(ORG)
    (share,) = Template.from_stack(stack).find_resources("AWS::RAM::ResourceShare").values()
    assert set(share["Properties"]) == {"Name", "ResourceArns", "Principals", "AllowExternalPrincipals"}
