"""A producer app whose number's ARN is known only at deploy time: a CloudFormation parameter
``NumberArn``, or with context ``ssm`` the SSM parameter ``/sms/number-arn``; shared with
consumerAccount."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ssm as ssm

from shared_sms import PhoneNumber

app = cdk.App()
context = app.node.try_get_context
stack = cdk.Stack(app, "SmsParam", env=cdk.Environment(account=context("ownerAccount"), region=context("region")))
if context("ssm"):
    arn = ssm.StringParameter.value_for_string_parameter(stack, "/sms/number-arn")
else:
    arn = cdk.CfnParameter(stack, "NumberArn", type="String").value_as_string
number = PhoneNumber.from_phone_number_arn(stack, "Number", arn, owned=True)
number.share_with(iam.AccountPrincipal(context("consumerAccount")))
app.synth()
