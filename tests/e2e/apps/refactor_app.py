"""A user's app before and after refactors: one number imported twice (an alerts team
shares it with a consumer account, a support team lets SNS send through it), with its
policy created explicitly.

Context: ``order`` (``share-first`` or ``service-first``: which import's call comes
first) and ``policyId`` (the policy construct's id, to rename it).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from shared_sms import PhoneNumber, ResourcePolicy

app = cdk.App()
context = app.node.try_get_context
stack = cdk.Stack(app, "SmsRefactor", env=cdk.Environment(account=context("ownerAccount"), region=context("region")))
arn = context("phoneNumberArn")
alerts = PhoneNumber.from_phone_number_arn(stack, "Alerts", arn)
support = PhoneNumber.from_phone_number_arn(stack, "Support", arn)
ResourcePolicy(stack, context("policyId") or "NumberPolicy", resource=alerts)
if context("order") == "service-first":
    support.allow_service("sns.amazonaws.com")
    alerts.share_with(iam.AccountPrincipal(context("consumerAccount")))
else:
    alerts.share_with(iam.AccountPrincipal(context("consumerAccount")))
    support.allow_service("sns.amazonaws.com")
app.synth()
