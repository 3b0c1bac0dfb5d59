"""A producer app that shares a number with a principal given at deploy time: the
CloudFormation parameter ``ConsumerPrincipal`` (issue 23: whoever can set a parameter must not
get a grant the library's rules refuse). Context: ownerAccount, region, numberArn."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from shared_sms import PhoneNumber

app = cdk.App()
context = app.node.try_get_context
stack = cdk.Stack(
    app, "SmsPrincipalParam", env=cdk.Environment(account=context("ownerAccount"), region=context("region"))
)
principal = cdk.CfnParameter(stack, "ConsumerPrincipal", type="String").value_as_string
number = PhoneNumber.from_phone_number_arn(stack, "Number", context("numberArn"))
number.share_with(iam.ArnPrincipal(principal))
app.synth()
