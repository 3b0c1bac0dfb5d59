"""A user's app that shares through AWS RAM instead of account lists.

- ``SmsOrgProducer`` (owner account) requests a phone number and a sender ID, puts them in
  a pool, shares the three with an organizational unit, and its opt-out list with the
  whole organization (``share_with_organizational_unit`` / ``share_with_organization``).
- ``SmsPartnerShare`` (owner account) shares the number and the sender ID (ARNs as
  parameters) with a partner account outside
  the organization through an explicit ``ResourceShare`` that allows external principals.
- ``SmsOuMember``, ``SmsOrgMember``, ``SmsPartner``: the same consumer stack in an account
  of the OU, an account of the organization outside the OU, and the partner account. Each
  takes the ARNs as parameters, verifies that they are shared with it and grants a role
  send rights.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks

from shared_sms import OptOutList, PhoneNumber, Pool, ResourceShare, SenderId

app = cdk.App()
context = app.node.try_get_context
owner = cdk.Environment(account=context("ownerAccount"), region=context("region"))

producer = cdk.Stack(app, "SmsOrgProducer", env=owner)
number = PhoneNumber(
    producer,
    "Alerts",
    iso_country_code="US",
    number_type="SIMULATOR",
    number_capabilities=["SMS"],
    help_message="Example Corp alerts. Reply STOP to opt out.",
    stop_message="You are unsubscribed.",
)
sender = SenderId(producer, "Brand", sender_id="EXAMPLE", iso_country_code="GB")
pool = Pool(
    producer,
    "AlertsPool",
    origination_identities=[number, sender],
    help_message="Example Corp alerts. Reply STOP to opt out.",
    stop_message="You are unsubscribed.",
)
opt_outs = OptOutList(producer, "OptOuts", opt_out_list_name="org-opt-outs")
for resource in (number, sender, pool):
    resource.share_with_organizational_unit(context("messagingOu"))
opt_outs.share_with_organization(context("organization"))
cdk.CfnOutput(producer, "NumberArn", value=number.phone_number_arn)
cdk.CfnOutput(producer, "SenderIdArn", value=sender.sender_id_arn)

partner = cdk.Stack(app, "SmsPartnerShare", env=owner)
ResourceShare(
    partner,
    "Partner",
    resources=[
        PhoneNumber.from_phone_number_arn(partner, "Number", cdk.CfnParameter(partner, "NumberArn").value_as_string),
        SenderId.from_sender_id_arn(partner, "Sender", cdk.CfnParameter(partner, "SenderIdArn").value_as_string),
    ],
    principals=[context("partnerAccount")],
    allow_external_principals=True,
    resource_share_name="example-partner",
)


def consumer_stack(name: str, account: str) -> None:
    consumer = cdk.Stack(app, name, env=cdk.Environment(account=account, region=context("region")))
    role = iam.Role(consumer, "Notifier", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    number_arn = cdk.CfnParameter(consumer, "NumberArn", description="the phone number shared with this account")
    PhoneNumber.from_phone_number_arn(consumer, "Number", number_arn.value_as_string, verify_shared=True).grant_send(
        role
    )
    sender_arn = cdk.CfnParameter(consumer, "SenderIdArn", description="the sender ID shared with this account")
    SenderId.from_sender_id_arn(consumer, "Sender", sender_arn.value_as_string, verify_shared=True).grant_send(role)


consumer_stack("SmsOuMember", context("ouMemberAccount"))
consumer_stack("SmsOrgMember", context("orgMemberAccount"))
consumer_stack("SmsPartner", context("partnerAccount"))

cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
app.synth()
