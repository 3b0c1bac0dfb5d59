"""CDK's own SMS references (``aws_cdk.interfaces.aws_smsvoice``): the library's L2s are
``IPhoneNumberRef``, ``IPoolRef``, ``ISenderIdRef`` and ``IOptOutListRef``, and an app that
already has the L1s (``CfnPhoneNumber``...) or CDK's imports of them shares them through
``from_*_ref``, whose owner is the reference's ``env``."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import jsii
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_smsvoice as smsvoice
from aws_cdk.assertions import Annotations, Match, Template
from aws_cdk.interfaces.aws_smsvoice import IPhoneNumberRef, PhoneNumberReference
from constructs import Construct

from shared_sms import OptOutList, PhoneNumber, Pool, SenderId
from shared_sms.base import SmsResourceBase
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


def _number_keywords() -> smsvoice.CfnPhoneNumber.MandatoryKeywordsProperty:
    keyword = smsvoice.CfnPhoneNumber.MandatoryKeywordProperty
    return smsvoice.CfnPhoneNumber.MandatoryKeywordsProperty(help=keyword(message="h"), stop=keyword(message="s"))


def _cfn_number(scope: Construct, id: str = "CfnNumber") -> smsvoice.CfnPhoneNumber:
    return smsvoice.CfnPhoneNumber(
        scope,
        id,
        iso_country_code="US",
        number_type="SIMULATOR",
        number_capabilities=["SMS"],
        mandatory_keywords=_number_keywords(),
    )


def _cfn_pool(scope: Construct, number: smsvoice.CfnPhoneNumber) -> smsvoice.CfnPool:
    keyword = smsvoice.CfnPool.MandatoryKeywordProperty
    return smsvoice.CfnPool(
        scope,
        "CfnPool",
        origination_identities=[number.attr_arn],
        mandatory_keywords=smsvoice.CfnPool.MandatoryKeywordsProperty(
            help=keyword(message="h"), stop=keyword(message="s")
        ),
    )


# -- the L2s are CDK's references -------------------------------------------------------------------


def test_imports_are_cdk_references_that_cdk_turns_back_into_their_arns() -> None:
    stack = new_stack()
    number = PhoneNumber.from_phone_number_arn(stack, "Number", NUMBER_ARN)
    pool = Pool.from_pool_arn(stack, "Pool", POOL_ARN)
    sender = SenderId.from_sender_id_arn(stack, "Sender", SENDER_ARN)
    opt_outs = OptOutList.from_opt_out_list_arn(stack, "OptOuts", OPT_OUT_ARN)

    # jsii hands the Python objects to CDK's Node code, which reads *_ref and env.
    assert smsvoice.CfnPhoneNumber.arn_for_phone_number(number) == NUMBER_ARN
    assert smsvoice.CfnPool.arn_for_pool(pool) == POOL_ARN
    assert smsvoice.CfnSenderId.arn_for_sender_id(sender) == SENDER_ARN
    assert smsvoice.CfnOptOutList.arn_for_opt_out_list(opt_outs) == OPT_OUT_ARN
    assert number.phone_number_ref.phone_number_id == "phone-0123456789abcdef0123456789abcdef"
    assert pool.pool_ref.pool_id == "pool-0123456789abcdef0123456789abcdef"
    assert (sender.sender_id_ref.sender_id, sender.sender_id_ref.iso_country_code) == ("EXAMPLECO", "GB")
    assert opt_outs.opt_out_list_ref.opt_out_list_name == "shared-opt-outs"
    assert (number.env.account, number.env.region) == (OWNER, REGION)


def test_created_resources_are_references_to_their_cfn_resources() -> None:
    stack = new_stack()
    number = PhoneNumber(
        stack,
        "Number",
        iso_country_code="US",
        number_type="SIMULATOR",
        number_capabilities=["SMS"],
        help_message="h",
        stop_message="s",
    )
    pool = Pool(stack, "Pool", origination_identities=[number], help_message="h", stop_message="s")
    template = Template.from_stack(stack)
    (number_logical,) = template.find_resources("AWS::SMSVOICE::PhoneNumber")
    (pool_logical,) = template.find_resources("AWS::SMSVOICE::Pool")
    assert stack.resolve(smsvoice.CfnPhoneNumber.arn_for_phone_number(number)) == {
        "Fn::GetAtt": [number_logical, "Arn"]
    }
    assert stack.resolve(smsvoice.CfnPool.arn_for_pool(pool)) == {"Fn::GetAtt": [pool_logical, "Arn"]}
    assert stack.resolve(pool.pool_ref.pool_id) == {"Fn::GetAtt": [pool_logical, "PoolId"]}


# -- an existing app's L1s, shared through the library ----------------------------------------------


def _share(stack: cdk.Stack, imported: SmsResourceBase) -> dict[str, Any]:
    imported.share_with(iam.AccountPrincipal(CONSUMER))
    (policy,) = policies(Template.from_stack(stack))
    return policy


def test_shares_a_cfn_phone_number_of_the_same_stack_by_its_arn_attribute() -> None:
    stack = new_stack()
    cfn = _cfn_number(stack)
    number = PhoneNumber.from_phone_number_ref(stack, "Number", cfn)
    role = iam.Role(stack, "Sender", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    number.grant_send(role)  # same account: an identity statement, no policy of its own
    policy = _share(stack, number)

    # CfnPhoneNumber's Ref is its PhoneNumberId: the policy must name the ARN (Fn::GetAtt Arn).
    logical = stack.get_logical_id(cfn)
    assert policy["ResourceArn"] == {"Fn::GetAtt": [logical, "Arn"]}
    (statement,) = policy["Policy"]["Statement"]
    assert statement["Resource"] == f"<{{'Fn::GetAtt': ['{logical}', 'Arn']}}>"
    assert statement["Principal"] == {"AWS": f"arn:aws:iam::{CONSUMER}:root"}
    assert "sms-voice:SendTextMessage" in statement["Action"]
    assert stack.resolve(number.phone_number_id) == {"Ref": logical}
    assert number.ownership == "this"


@pytest.mark.parametrize("kind", ["pool", "sender_id", "opt_out_list"])
def test_shares_the_other_cfn_types_of_the_same_stack(kind: str) -> None:
    stack = new_stack()
    cfn: cdk.CfnResource
    imported: SmsResourceBase
    if kind == "pool":
        cfn = _cfn_pool(stack, _cfn_number(stack))
        imported = Pool.from_pool_ref(stack, "Imported", cfn)
        assert stack.resolve(imported.pool_id) == {"Ref": stack.get_logical_id(cfn)}
    elif kind == "sender_id":
        cfn = smsvoice.CfnSenderId(stack, "CfnSender", sender_id="EXAMPLECO", iso_country_code="GB")
        imported = SenderId.from_sender_id_ref(stack, "Imported", cfn)
    else:
        cfn = smsvoice.CfnOptOutList(stack, "CfnOptOuts", opt_out_list_name="shared-opt-outs")
        imported = OptOutList.from_opt_out_list_ref(stack, "Imported", cfn)
        assert stack.resolve(imported.opt_out_list_name) == {"Ref": stack.get_logical_id(cfn)}
    policy = _share(stack, imported)
    assert policy["ResourceArn"] == {"Fn::GetAtt": [stack.get_logical_id(cfn), "Arn"]}
    assert policy["Policy"]["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{CONSUMER}:root"}


def test_shares_a_number_known_to_cdk_by_its_id_in_an_environment_agnostic_stack() -> None:
    stack = cdk.Stack(cdk.App(), "Agnostic")
    ref = smsvoice.CfnPhoneNumber.from_phone_number_id(stack, "Cdk", "phone-0123456789abcdef0123456789abcdef")
    number = PhoneNumber.from_phone_number_ref(stack, "Number", ref)
    assert number.ownership == "this"  # the ARN CDK built names AWS::AccountId
    policy = _share(stack, number)
    assert policy["ResourceArn"]["Fn::Join"][1][-1].endswith(":phone-number/phone-0123456789abcdef0123456789abcdef")


def test_a_cfn_number_of_another_stack_in_the_same_account_is_this_accounts() -> None:
    app = cdk.App()
    env = cdk.Environment(account=OWNER, region=REGION)
    numbers = cdk.Stack(app, "Numbers", env=env)
    sharing = cdk.Stack(app, "Sharing", env=env)
    number = PhoneNumber.from_phone_number_ref(sharing, "Number", _cfn_number(numbers))
    assert number.ownership == "this"
    _share(sharing, number)


# -- ownership from the reference's env --------------------------------------------------------------


def test_a_reference_into_another_account_is_theirs_and_gets_no_policy() -> None:
    stack = new_stack()
    foreign_arn = NUMBER_ARN.replace(OWNER, CONSUMER)
    ref = smsvoice.CfnPhoneNumber.from_phone_number_arn(stack, "Cdk", foreign_arn)
    number = PhoneNumber.from_phone_number_ref(stack, "Number", ref)
    assert number.owned_by_another_account and number.env.account == CONSUMER

    result = number.share_with(iam.AccountPrincipal("777788889999"))
    assert result.statement_added is False
    Template.from_stack(stack).resource_count_is("Custom::SmsResourcePolicy", 0)
    Annotations.from_stack(stack).has_warning(
        "/TestStack/Number", Match.string_like_regexp(f"belongs to account {CONSUMER}")
    )


@jsii.implements(IPhoneNumberRef)
class _NumberRef(cdk.Resource):
    """An ``IPhoneNumberRef`` of another construct library: an ARN only the deploy knows, in a
    known environment."""

    def __init__(self, scope: Construct, id: str, *, arn: str, account: str, region: str) -> None:
        super().__init__(scope, id, account=account, region=region)
        self._arn = arn

    @property
    def phone_number_ref(self) -> PhoneNumberReference:
        return PhoneNumberReference(phone_number_arn=self._arn, phone_number_id="phone-from-another-library")


def _token_arn(stack: cdk.Stack) -> str:
    return cdk.CfnParameter(stack, "NumberArn").value_as_string


def test_a_reference_with_a_deploy_time_arn_is_owned_as_its_env_says() -> None:
    stack = new_stack()
    arn = _token_arn(stack)
    ours = PhoneNumber.from_phone_number_ref(
        stack, "Ours", _NumberRef(stack, "OursRef", arn=arn, account=OWNER, region=REGION)
    )
    assert ours.ownership == "this"  # from_phone_number_arn(arn) would be "unknown" and refuse
    assert PhoneNumber.from_phone_number_arn(stack, "ByArn", arn).ownership == "unknown"
    policy = _share(stack, ours)
    assert policy["ResourceArn"] == {"Ref": "NumberArn"}

    theirs = PhoneNumber.from_phone_number_ref(
        stack, "Theirs", _NumberRef(stack, "TheirsRef", arn=arn, account=CONSUMER, region=REGION)
    )
    assert theirs.owned_by_another_account
    assert (
        PhoneNumber.from_phone_number_ref(
            stack, "Told", _NumberRef(stack, "ToldRef", arn=arn, account=CONSUMER, region=REGION), owned=True
        ).ownership
        == "this"
    )


def test_a_reference_in_another_region_fails_synth_with_a_policy() -> None:
    stack = new_stack()
    west = _NumberRef(stack, "WestRef", arn=_token_arn(stack), account=OWNER, region="us-west-2")
    PhoneNumber.from_phone_number_ref(stack, "West", west).share_with(iam.AccountPrincipal(CONSUMER))
    with pytest.raises(RuntimeError, match="West is in region us-west-2 but the stack deploys to us-east-1"):
        Template.from_stack(stack)


def test_verify_shared_on_a_reference_checks_the_number_the_reference_names() -> None:
    stack = new_stack(account=CONSUMER)
    ref = smsvoice.CfnPhoneNumber.from_phone_number_arn(stack, "Cdk", NUMBER_ARN)
    number = PhoneNumber.from_phone_number_ref(stack, "Number", ref, verify_shared=True)
    template = Template.from_stack(stack)
    (check,) = template.find_resources("Custom::SmsSharedResourceCheck").values()
    assert NUMBER_ARN in str(check["Properties"])
    assert number.owned_by_another_account


@pytest.mark.parametrize(
    ("cls", "importer", "interface"),
    [
        (PhoneNumber, "from_phone_number_ref", "IPhoneNumberRef"),
        (Pool, "from_pool_ref", "IPoolRef"),
        (SenderId, "from_sender_id_ref", "ISenderIdRef"),
        (OptOutList, "from_opt_out_list_ref", "IOptOutListRef"),
    ],
)
def test_an_import_of_a_reference_of_another_type_names_the_interface(cls: type, importer: str, interface: str) -> None:
    stack = new_stack()
    wrong: Any = smsvoice.CfnConfigurationSet(stack, "ConfigurationSet")
    with pytest.raises(TypeError, match=f"takes an {interface}.*not CfnConfigurationSet"):
        getattr(cls, importer)(stack, "Imported", wrong)


def test_a_malformed_literal_arn_in_a_reference_is_refused_naming_the_format() -> None:
    stack = new_stack()
    ref = _NumberRef(stack, "Ref", arn=POOL_ARN, account=OWNER, region=REGION)
    with pytest.raises(ValueError, match=r"phone-number/\$\{PhoneNumberId\}"):
        PhoneNumber.from_phone_number_ref(stack, "Number", ref)


# -- CDK references where the library takes a resource ------------------------------------------------


def test_a_pool_takes_cfn_numbers_sender_ids_and_opt_out_lists() -> None:
    stack = new_stack()
    cfn_number = _cfn_number(stack)
    cfn_sender = smsvoice.CfnSenderId(stack, "CfnSender", sender_id="EXAMPLECO", iso_country_code="GB")
    cfn_opt_outs = smsvoice.CfnOptOutList(stack, "CfnOptOuts")
    imported = PhoneNumber.from_phone_number_arn(stack, "Imported", NUMBER_ARN)
    pool = Pool(
        stack,
        "Pool",
        origination_identities=[cfn_number, imported, cfn_sender],
        opt_out_list=cfn_opt_outs,
        help_message="h",
        stop_message="s",
    )
    PhoneNumber(
        stack,
        "Requested",
        iso_country_code="US",
        number_type="SIMULATOR",
        number_capabilities=["SMS"],
        help_message="h",
        stop_message="s",
        opt_out_list=smsvoice.CfnOptOutList.from_opt_out_list_arn(stack, "CdkOptOuts", OPT_OUT_ARN),
    )
    template = Template.from_stack(stack)
    number_id, sender_id, opt_outs_id = (stack.get_logical_id(c) for c in (cfn_number, cfn_sender, cfn_opt_outs))
    template.has_resource_properties(
        "AWS::SMSVOICE::Pool",
        {
            "OriginationIdentities": [
                {"Fn::GetAtt": [number_id, "Arn"]},
                NUMBER_ARN,
                {"Fn::GetAtt": [sender_id, "Arn"]},
            ],
            "OptOutListName": {"Fn::GetAtt": [opt_outs_id, "Arn"]},
        },
    )
    template.has_resource_properties("AWS::SMSVOICE::PhoneNumber", {"OptOutListName": OPT_OUT_ARN})
    assert [type(i).__name__ for i in pool.origination_identities] == ["PhoneNumberBase"] * 2 + ["SenderIdBase"]
    assert pool.origination_identities[1] is imported
    assert pool.origination_identities[0].node.path == "TestStack/Pool/OriginationIdentity0"


def test_a_pool_refuses_what_is_not_an_origination_identity() -> None:
    stack = new_stack()
    opt_outs: Any = smsvoice.CfnOptOutList(stack, "CfnOptOuts")
    with pytest.raises(TypeError, match="a phone number or a sender ID .* not CfnOptOutList"):
        Pool(stack, "Pool", origination_identities=[opt_outs], help_message="h", stop_message="s")


def test_a_ram_share_of_a_pool_names_its_cfn_number_that_is_not_shared() -> None:
    stack = new_stack()
    pool = Pool(stack, "Pool", origination_identities=[_cfn_number(stack)], help_message="h", stop_message="s")
    pool.share_with_organization("arn:aws:organizations::999988887777:organization/o-exampleorgid")
    Annotations.from_stack(stack).has_warning(
        "*", Match.string_like_regexp("origination identities TestStack/Pool/OriginationIdentity0 are not shared")
    )
