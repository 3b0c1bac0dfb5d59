"""A user's app of several stacks that reference each other.

- ``SmsNumbers`` (owner account) requests a phone number and publishes its ARN in SSM.
- ``SmsSenders`` (owner account) has the role that sends through it.
- ``SmsSharing`` (owner account) imports the number by the other stack's ARN and shares
  it: with the consumer account, with the role of ``SmsSenders`` (a principal from
  another stack) on a condition naming that role (a condition value from another stack),
  and with SNS.
- ``SmsAlerts`` (owner account) gets the number's ARN as a ``CfnParameter`` and, told that
  the account owns it (``owned=True``), lets Pinpoint send through it too.
- ``SmsConsumer`` (consumer account) reads the shared ARN from its own SSM parameter and
  grants a role send rights: identity statements only.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ssm as ssm
from cdk_nag import AwsSolutionsChecks

from shared_sms import PhoneNumber

app = cdk.App()
context = app.node.try_get_context
owner = cdk.Environment(account=context("ownerAccount"), region=context("region"))
consumer_env = cdk.Environment(account=context("consumerAccount"), region=context("region"))

numbers = cdk.Stack(app, "SmsNumbers", env=owner)
support = PhoneNumber(
    numbers,
    "Support",
    iso_country_code="US",
    number_type="SIMULATOR",
    number_capabilities=["SMS"],
    help_message="Example Corp support. Reply STOP to opt out.",
    stop_message="You are unsubscribed.",
)
ssm.StringParameter(
    numbers, "SupportArn", parameter_name="/sms/support-number-arn", string_value=support.phone_number_arn
)

senders = cdk.Stack(app, "SmsSenders", env=owner)
sender_role = iam.Role(senders, "Sender", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))

sharing = cdk.Stack(app, "SmsSharing", env=owner)
number = PhoneNumber.from_phone_number_arn(sharing, "Support", support.phone_number_arn)
number.share_with(iam.AccountPrincipal(context("consumerAccount")))
number.add_to_resource_policy(
    iam.PolicyStatement(
        actions=["sms-voice:SendTextMessage"],
        principals=[iam.ArnPrincipal(sender_role.role_arn)],
        conditions={"ArnEquals": {"aws:PrincipalArn": sender_role.role_arn}},
    )
)
number.allow_service("sns.amazonaws.com")

alerts = cdk.Stack(app, "SmsAlerts", env=owner)
alerts_number = cdk.CfnParameter(alerts, "NumberArn", description="the phone number the alerts team sends through")
PhoneNumber.from_phone_number_arn(alerts, "Number", alerts_number.value_as_string, owned=True).allow_service(
    "pinpoint.amazonaws.com"
)

consumer = cdk.Stack(app, "SmsConsumer", env=consumer_env)
shared_arn = ssm.StringParameter.value_for_string_parameter(consumer, "/sms/shared-support-number-arn")
role = iam.Role(consumer, "Notifier", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
PhoneNumber.from_phone_number_arn(consumer, "SharedSupport", shared_arn).grant_send(role)

cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
app.synth()
