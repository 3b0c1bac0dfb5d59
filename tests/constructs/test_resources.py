"""Creating and importing pools, phone numbers, sender IDs and opt-out lists."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from shared_sms import OptOutList, PhoneNumber, Pool, SenderId
from tests.constructs.helpers import NUMBER_ARN, OPT_OUT_ARN, POOL_ARN, SENDER_ARN, new_stack


def test_imports_expose_attributes_from_literal_arns() -> None:
    stack = new_stack()
    pool = Pool.from_pool_arn(stack, "Pool", POOL_ARN)
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    opt_outs = OptOutList.from_opt_out_list_arn(stack, "OptOuts", OPT_OUT_ARN)
    sender = SenderId.from_sender_id_arn(stack, "Sender", SENDER_ARN)

    assert (pool.pool_arn, pool.pool_id) == (POOL_ARN, "pool-0123456789abcdef0123456789abcdef")
    assert number.phone_number_id == "phone-0123456789abcdef0123456789abcdef"
    assert opt_outs.opt_out_list_name == "shared-opt-outs"
    assert (sender.sender_id, sender.iso_country_code) == ("EXAMPLECO", "GB")
    assert pool.env.account == "111122223333" and pool.env.region == "us-east-1"


@pytest.mark.parametrize(
    ("importer", "arn", "expected"),
    [
        (Pool.from_pool_arn, NUMBER_ARN, "pool/${PoolId}"),
        (
            PhoneNumber.from_phone_number_arn,
            "arn:aws:sms-voice:us-east-1:1111:phone-number/x",
            "phone-number/${PhoneNumberId}",
        ),
        (OptOutList.from_opt_out_list_arn, "opt-out-list/x", "opt-out-list/${OptOutListName}"),
        (SenderId.from_sender_id_arn, SENDER_ARN.replace("/GB", ""), "sender-id/${SenderId}/${IsoCountryCode}"),
    ],
)
def test_fails_import_of_malformed_arn_naming_the_format(importer: object, arn: str, expected: str) -> None:
    with pytest.raises(ValueError, match="invalid .* arn") as raised:
        importer(new_stack(), "Imported", arn)  # type: ignore[operator]
    assert expected in str(raised.value) and arn in str(raised.value)


def test_import_accepts_token_arn_and_splits_it_at_deploy_time() -> None:
    stack = new_stack()
    arn = cdk.CfnParameter(stack, "SenderArn").value_as_string
    sender = SenderId.from_sender_id_arn(stack, "Sender", arn)
    cdk.CfnOutput(stack, "Country", value=sender.iso_country_code)
    output = Template.from_stack(stack).find_outputs("Country")["Country"]["Value"]
    assert "Fn::Select" in output


def test_pool_renders_identity_arns_opt_out_list_and_removal_policies() -> None:
    """The pool is deleted with the stack (it holds no data, and a kept pool would keep its
    numbers from the next deployment's pool); its opt-out list is kept."""
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    opt_outs = OptOutList(stack, "OptOuts", opt_out_list_name="shared-opt-outs")
    Pool(
        stack,
        "Pool",
        origination_identities=[number],
        opt_out_list=opt_outs,
        help_message="help text",
        stop_message="stop text",
    )
    template = Template.from_stack(stack)

    template.has_resource(
        "AWS::SMSVOICE::Pool",
        {
            "Properties": {
                "OriginationIdentities": [NUMBER_ARN],
                "OptOutListName": {"Ref": Match.string_like_regexp("OptOuts")},
                "MandatoryKeywords": {"HELP": {"Message": "help text"}, "STOP": {"Message": "stop text"}},
            },
            "DeletionPolicy": "Delete",
            "UpdateReplacePolicy": "Delete",
        },
    )
    template.has_resource(
        "AWS::SMSVOICE::OptOutList", {"DeletionPolicy": "RetainExceptOnCreate", "UpdateReplacePolicy": "Retain"}
    )


def test_fails_pool_without_origination_identities() -> None:
    with pytest.raises(ValueError, match="at least one phone number or sender id"):
        Pool(new_stack(), "Pool", origination_identities=[], help_message="h", stop_message="s")


def test_pool_keeps_an_explicit_removal_policy() -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    Pool(
        stack,
        "Pool",
        origination_identities=[number],
        help_message="h",
        stop_message="s",
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    Template.from_stack(stack).has_resource(
        "AWS::SMSVOICE::Pool", {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
    )


def test_created_phone_number_and_sender_id_honour_removal_policy() -> None:
    stack = new_stack()
    PhoneNumber(
        stack,
        "Number",
        iso_country_code="US",
        number_type="SIMULATOR",
        number_capabilities=["SMS"],
        help_message="h",
        stop_message="s",
        removal_policy=cdk.RemovalPolicy.DESTROY,
    )
    SenderId(stack, "Sender", sender_id="EXAMPLECO", iso_country_code="GB")
    template = Template.from_stack(stack)
    template.has_resource("AWS::SMSVOICE::PhoneNumber", {"DeletionPolicy": "Delete"})
    template.has_resource(
        "AWS::SMSVOICE::SenderId",
        {
            "Properties": {"SenderId": "EXAMPLECO", "IsoCountryCode": "GB"},
            "DeletionPolicy": "RetainExceptOnCreate",
            "UpdateReplacePolicy": "Retain",
        },
    )
