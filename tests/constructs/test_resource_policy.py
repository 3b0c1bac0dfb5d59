"""Resource policies: one per ARN, sharing, services, grants, and synth-time checks."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Annotations, Match, Template

from shared_sms import OnExistingPolicy, OptOutList, PhoneNumber, Pool, ResourcePolicy, SenderId
from shared_sms.resource_types import PHONE_NUMBER
from tests.constructs.helpers import (
    CONSUMER,
    NUMBER_ARN,
    OPT_OUT_ARN,
    OWNER,
    POOL_ARN,
    REGION,
    SENDER_ARN,
    new_stack,
    policies,
)


def test_share_with_two_accounts_and_sns_yields_one_policy() -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    number.share_with(iam.AccountPrincipal(CONSUMER), iam.AccountPrincipal("777788889999"))
    number.allow_service("sns.amazonaws.com")
    template = Template.from_stack(stack)

    template.resource_count_is("Custom::SmsResourcePolicy", 1)
    (policy,) = policies(template)
    assert policy["ResourceArn"] == NUMBER_ARN
    share, sns = policy["Policy"]["Statement"]
    assert share["Principal"]["AWS"] == [f"arn:aws:iam::{a}:root" for a in (CONSUMER, "777788889999")]
    assert "sms-voice:SendTextMessage" in share["Action"] and share["Resource"] == NUMBER_ARN
    assert sns["Principal"] == {"Service": "sns.amazonaws.com"}
    assert sns["Condition"] == {"StringEquals": {"aws:SourceAccount": OWNER}}
    assert "OnExistingPolicy" not in policy  # MERGE is the default


def test_policy_is_a_plain_string_when_the_region_pins_the_partition() -> None:
    pinned, agnostic = new_stack(), cdk.Stack(cdk.App(), "Agnostic")
    for stack in (pinned, agnostic):
        number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN, owned=True)
        number.share_with(iam.AccountPrincipal(CONSUMER))
    (pinned_policy,) = Template.from_stack(pinned).find_resources("Custom::SmsResourcePolicy").values()
    (agnostic_policy,) = Template.from_stack(agnostic).find_resources("Custom::SmsResourcePolicy").values()
    assert isinstance(pinned_policy["Properties"]["Policy"], str)
    assert {"Ref": "AWS::Partition"} in agnostic_policy["Properties"]["Policy"]["Fn::Join"][1]


def test_two_imports_of_one_arn_share_one_policy() -> None:
    stack = new_stack()
    PhoneNumber.from_phone_number_arn(stack, "A", NUMBER_ARN).share_with(iam.AccountPrincipal(CONSUMER))
    PhoneNumber.from_phone_number_arn(stack, "B", NUMBER_ARN).allow_service("pinpoint.amazonaws.com")
    template = Template.from_stack(stack)
    template.resource_count_is("Custom::SmsResourcePolicy", 1)
    assert len(policies(template)[0]["Policy"]["Statement"]) == 2


def test_fails_second_explicit_policy_for_same_arn() -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    ResourcePolicy(stack, "First", resource=number)
    expected = "already has a resource policy for TestStack/Number at TestStack/First.*create the ResourcePolicy before"
    with pytest.raises(ValueError, match=expected):
        ResourcePolicy(stack, "Second", resource=number)


def test_explicit_policy_collects_later_statements_and_renders_replace() -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    ResourcePolicy(stack, "Policy", resource=number, on_existing_policy=OnExistingPolicy.REPLACE)
    number.share_with(iam.AccountPrincipal(CONSUMER))
    template = Template.from_stack(stack)
    template.resource_count_is("Custom::SmsResourcePolicy", 1)
    template.has_resource_properties("Custom::SmsResourcePolicy", {"OnExistingPolicy": "REPLACE"})


@pytest.mark.parametrize("mode", [OnExistingPolicy.FAIL, "FAIL"])
def test_explicit_fail_mode_is_rendered_as_merge_is_the_default(mode: OnExistingPolicy | str) -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    ResourcePolicy(stack, "Policy", resource=number, on_existing_policy=mode)
    number.share_with(iam.AccountPrincipal(CONSUMER))
    Template.from_stack(stack).has_resource_properties("Custom::SmsResourcePolicy", {"OnExistingPolicy": "FAIL"})


def test_fails_unknown_on_existing_policy() -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    with pytest.raises(ValueError, match="'MERGE', 'FAIL' or 'REPLACE', got 'UPSERT'"):
        ResourcePolicy(stack, "Policy", resource=number, on_existing_policy="UPSERT")


def test_created_pool_policy_references_pool_arn_and_exposes_attributes() -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    pool = Pool(stack, "Pool", origination_identities=[number], help_message="h", stop_message="s")
    pool.share_with(iam.AccountPrincipal(CONSUMER))
    policy = ResourcePolicy.for_resource(pool)
    cdk.CfnOutput(stack, "Sha", value=policy.attr_policy_sha256)
    cdk.CfnOutput(stack, "Created", value=policy.attr_created_timestamp)
    template = Template.from_stack(stack)

    template.has_resource_properties(
        "Custom::SmsResourcePolicy", {"ResourceArn": {"Fn::GetAtt": [Match.string_like_regexp("Pool"), "Arn"]}}
    )
    (rendered,) = policies(template)
    assert rendered["Policy"]["Statement"][0]["Action"] == [
        "sms-voice:DescribePools",
        "sms-voice:ListPoolOriginationIdentities",
    ]
    outputs = template.find_outputs("*")
    assert outputs["Sha"]["Value"]["Fn::GetAtt"][1] == "PolicySha256"
    assert outputs["Created"]["Value"]["Fn::GetAtt"][1] == "CreatedTimestamp"


def test_statement_without_resource_gets_the_resource_arn() -> None:
    stack = new_stack()
    opt_outs = OptOutList.from_opt_out_list_arn(stack, "OptOuts", OPT_OUT_ARN)
    opt_outs.add_to_resource_policy(
        iam.PolicyStatement(actions=["sms-voice:PutOptedOutNumber"], principals=[iam.AccountPrincipal(CONSUMER)])
    )
    (policy,) = policies(Template.from_stack(stack))
    assert policy["Policy"]["Statement"][0]["Resource"] == OPT_OUT_ARN


def _synth_error(stack: cdk.Stack) -> str:
    with pytest.raises(RuntimeError) as raised:
        Template.from_stack(stack)
    return str(raised.value)


def test_an_action_the_reference_does_not_list_for_the_type_warns_and_can_be_acknowledged() -> None:
    stack = new_stack()
    opt_outs = OptOutList.from_opt_out_list_arn(stack, "OptOuts", OPT_OUT_ARN)
    opt_outs.add_to_resource_policy(
        iam.PolicyStatement(actions=["sms-voice:SendTextMessage"], principals=[iam.AccountPrincipal(CONSUMER)])
    )
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("does not list"))
    assert len(warnings) == 1 and "'sms-voice:SendTextMessage' for a opt-out list" in warnings[0].entry.data

    acknowledged = new_stack()
    opt_outs = OptOutList.from_opt_out_list_arn(acknowledged, "OptOuts", OPT_OUT_ARN)
    opt_outs.add_to_resource_policy(
        iam.PolicyStatement(actions=["sms-voice:SendTextMessage"], principals=[iam.AccountPrincipal(CONSUMER)])
    )
    cdk.Annotations.of(acknowledged).acknowledge_warning("shared-sms:action-not-listed-for-type", "known")
    assert Annotations.from_stack(acknowledged).find_warning("*", Match.string_like_regexp("does not list")) == []


def test_fails_synth_on_a_typo_naming_the_closest_action() -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    number.add_to_resource_policy(
        iam.PolicyStatement(actions=["sms-voice:SendTextMesage"], principals=[iam.AccountPrincipal(CONSUMER)])
    )
    message = _synth_error(stack)
    assert (
        "'sms-voice:SendTextMesage' does not exist in sms-voice: did you mean 'sms-voice:SendTextMessage'?" in message
    )


@pytest.mark.parametrize(
    "action", ["sms-voice:CreatePool", "sms-voice:PutResourcePolicy", "sms-voice:CreateRegistrationAssociation"]
)
def test_grant_accepts_every_action_the_reference_lists_for_the_type(action: str) -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    number.grant(iam.AccountPrincipal(CONSUMER), action)
    (policy,) = policies(Template.from_stack(stack))
    assert policy["Policy"]["Statement"][0]["Action"] == action


def test_fails_synth_on_public_principal_without_condition() -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    number.add_to_resource_policy(
        iam.PolicyStatement(actions=["sms-voice:SendTextMessage"], principals=[iam.AnyPrincipal()])
    )
    assert "allows every AWS account" in _synth_error(stack)


def test_public_principal_with_org_condition_or_allow_public_is_accepted() -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    number.add_to_resource_policy(
        iam.PolicyStatement(
            actions=["sms-voice:SendTextMessage"],
            principals=[iam.AnyPrincipal()],
            conditions={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
        )
    )
    sender = SenderId.from_sender_id_arn(stack, "Sender", SENDER_ARN)
    ResourcePolicy(stack, "Open", resource=sender, allow_public=True)
    sender.add_to_resource_policy(
        iam.PolicyStatement(actions=["sms-voice:SendTextMessage"], principals=[iam.AnyPrincipal()])
    )
    Template.from_stack(stack).resource_count_is("Custom::SmsResourcePolicy", 2)


def test_fails_synth_on_policy_over_ten_thousand_characters() -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    number.share_with(*[iam.AccountPrincipal(f"{100000000000 + i}") for i in range(300)])
    assert "over the service's limit of 10000" in _synth_error(stack)


def test_fails_synth_on_statement_naming_another_resource() -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    number.add_to_resource_policy(
        iam.PolicyStatement(
            actions=["sms-voice:SendTextMessage"], resources=[POOL_ARN], principals=[iam.AccountPrincipal(CONSUMER)]
        )
    )
    assert "can only name the resource it is attached to" in _synth_error(stack)


def test_fails_synth_when_resource_is_in_another_region() -> None:
    stack = new_stack(region="eu-west-1")
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    number.share_with(iam.AccountPrincipal(CONSUMER))
    message = _synth_error(stack)
    assert "region us-east-1 but the stack deploys to eu-west-1" in message


def test_allow_service_refuses_unknown_services_and_opt_out_lists() -> None:
    stack = new_stack()
    with pytest.raises(ValueError, match="does not know 'ses.amazonaws.com'"):
        PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN).allow_service("ses.amazonaws.com")
    with pytest.raises(ValueError, match="not an origination identity"):
        OptOutList.from_opt_out_list_arn(stack, "OptOuts", OPT_OUT_ARN).allow_service("sns.amazonaws.com")


def test_pinpoint_on_sender_id_gets_only_text() -> None:
    stack = new_stack()
    SenderId.from_sender_id_arn(stack, "Sender", SENDER_ARN).allow_service(
        iam.ServicePrincipal("pinpoint.amazonaws.com")
    )
    (policy,) = policies(Template.from_stack(stack))
    assert policy["Policy"]["Statement"][0]["Action"] == "sms-voice:SendTextMessage"


def test_grant_send_in_same_account_is_identity_only() -> None:
    stack = new_stack()
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN).grant_send(role)
    template = Template.from_stack(stack)
    template.resource_count_is("Custom::SmsResourcePolicy", 0)
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": [
                            "sms-voice:SendTextMessage",
                            "sms-voice:SendVoiceMessage",
                            "sms-voice:SendMediaMessage",
                        ],
                        "Effect": "Allow",
                        "Resource": NUMBER_ARN,
                    }
                ]
            }
        },
    )


def test_grant_to_another_account_adds_a_resource_policy_statement() -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    number.grant(iam.AccountPrincipal(CONSUMER), "sms-voice:SendTextMessage")
    (policy,) = policies(Template.from_stack(stack))
    assert policy["Policy"]["Statement"][0]["Principal"]["AWS"].endswith(f"{CONSUMER}:root")


def test_fails_grant_of_action_invalid_for_type() -> None:
    stack = new_stack()
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    with pytest.raises(ValueError, match="cannot grant .*sms-voice:DescribePools.* on a phone number"):
        PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN).grant(role, "sms-voice:DescribePools")


def test_consumer_import_of_foreign_arn_grants_identity_and_skips_policy_with_warning() -> None:
    stack = new_stack(account=CONSUMER)
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    number = PhoneNumber.from_phone_number_arn(stack, "Shared", NUMBER_ARN)
    number.grant_send(role)
    result = number.share_with(iam.AccountPrincipal("777788889999"))

    assert result.statement_added is False
    template = Template.from_stack(stack)
    template.resource_count_is("Custom::SmsResourcePolicy", 0)
    template.resource_count_is("AWS::Lambda::Function", 0)
    assert json.dumps(template.to_json()).count(NUMBER_ARN) == 1  # the role's statement
    Annotations.from_stack(stack).has_warning(
        "/TestStack/Shared", Match.string_like_regexp("belongs to account 111122223333")
    )


def test_warns_when_a_policy_takes_more_than_half_the_limit() -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    number.share_with(*(iam.AccountPrincipal(f"{100000000000 + n}") for n in range(170)))
    small = PhoneNumber.from_phone_number_arn(stack, "Small", NUMBER_ARN.replace("0123", "4567"))
    small.share_with(iam.AccountPrincipal(CONSUMER))
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("half|two copies"))
    assert [w.id for w in warnings] == [f"/TestStack/SharedSmsPolicies/phone-number-{NUMBER_ARN.rsplit('/', 1)[1]}"]


@pytest.mark.parametrize("minimize", [True, False], ids=["minimize", "no-minimize"])
@pytest.mark.parametrize("env", ["literal", "agnostic"])
@pytest.mark.parametrize(
    "calls",
    [[["444455556666"]], [["444455556666", "777788889999"]], [["444455556666"], ["777788889999"]]],
    ids=["one-account", "two-accounts", "two-calls"],
)
def test_share_with_renders_exactly_what_a_policy_statement_renders(
    calls: list[list[str]], env: str, minimize: bool
) -> None:
    """share_with builds its statement as Python data (no round trips to Node): the template
    must be the one CDK renders for the same PolicyStatement, whatever the feature flags."""

    def synth(fast: bool) -> dict[str, Any]:
        app = cdk.App(context={"@aws-cdk/aws-iam:minimizePolicies": minimize})
        environment = cdk.Environment(account=OWNER, region=REGION) if env == "literal" else None
        stack = cdk.Stack(app, "S", env=environment)
        number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN, owned=True)
        for accounts in calls:
            principals = [iam.AccountPrincipal(a) for a in accounts]
            if fast:
                number.share_with(*principals)
            else:
                number.add_to_resource_policy(
                    iam.PolicyStatement(
                        actions=[f"sms-voice:{a}" for a in PHONE_NUMBER.share_actions], principals=principals
                    )
                )
        return Template.from_stack(stack).to_json()

    assert synth(fast=True) == synth(fast=False)


def test_statements_added_after_a_share_are_rendered_too() -> None:
    """The first share_with renders the Policy property at once; what comes later still lands."""
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    number.share_with(iam.AccountPrincipal(CONSUMER))
    number.allow_service("sns.amazonaws.com")
    partner = iam.AccountPrincipal("777788889999")
    ResourcePolicy.for_resource(number).add_statements(
        iam.PolicyStatement(actions=["sms-voice:DescribePhoneNumbers"], principals=[partner])
    )
    (policy,) = policies(Template.from_stack(stack))
    principals = [json.dumps(s["Principal"]) for s in policy["Policy"]["Statement"]]
    assert len(principals) == 3
    assert CONSUMER in principals[0] and "sns.amazonaws.com" in principals[1] and "777788889999" in principals[2]


def test_a_deploy_time_principal_is_a_json_value_and_warned_about() -> None:
    """Issue 23 (review C-1): spliced into a JSON string, a parameter's value with a quote in it would
    add JSON of its own; as an object property, CloudFormation fills it in as one JSON value."""
    stack = new_stack()
    principal = cdk.CfnParameter(stack, "Consumer", type="String").value_as_string
    PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN, owned=True).share_with(iam.ArnPrincipal(principal))
    template = Template.from_stack(stack)

    (policy,) = template.find_resources("Custom::SmsResourcePolicy").values()
    document = policy["Properties"]["Policy"]
    assert isinstance(document, dict), "an object, not a Fn::Join of JSON text"
    assert document["Statement"][0]["Principal"] == {"AWS": {"Ref": "Consumer"}}
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("deploy-time-policy-value"))
    assert warnings and "Principal" in str([w.entry.data for w in warnings])


def test_allow_public_and_allow_unconditioned_service_travel_to_the_function() -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN, owned=True)
    ResourcePolicy(stack, "Open", resource=number, allow_public=True, allow_unconditioned_service=True)
    number.share_with(iam.AccountPrincipal(CONSUMER))
    (policy,) = Template.from_stack(stack).find_resources("Custom::SmsResourcePolicy").values()
    assert policy["Properties"]["AllowPublic"] == "true"
    assert policy["Properties"]["AllowUnconditionedService"] == "true"
