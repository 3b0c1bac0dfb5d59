"""A producer app whose shares come and go between deployments (issue 20's lifecycle paths).

Context: ownerAccount, consumerAccount, region, stackName (default SmsShares), and
  arns       comma-separated phone-number ARNs, each imported and shared with consumerAccount
             (each policy at the ARN-derived default path: removing one keeps the others' ids)
  fixedArn   optional: one more number, shared through a policy with the fixed id "Main"
             (another ARN between deployments moves that one logical id to another number)
  failArn    optional: a number shared through a ResourcePolicy "Strict" with
             on_existing_policy="FAIL" (its Create fails when the number has a statement already)
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from shared_sms import PhoneNumber, ResourcePolicy

app = cdk.App()
context = app.node.try_get_context
stack = cdk.Stack(
    app,
    context("stackName") or "SmsShares",
    env=cdk.Environment(account=context("ownerAccount"), region=context("region")),
)
consumer = iam.AccountPrincipal(context("consumerAccount"))
for index, arn in enumerate(a for a in (context("arns") or "").split(",") if a):
    PhoneNumber.from_phone_number_arn(stack, f"Number{index}", arn).share_with(consumer)
if context("fixedArn"):
    fixed = PhoneNumber.from_phone_number_arn(stack, "Fixed", context("fixedArn"))
    ResourcePolicy(stack, "Main", resource=fixed)
    fixed.share_with(consumer)
if context("failArn"):
    strict = PhoneNumber.from_phone_number_arn(stack, "StrictNumber", context("failArn"))
    ResourcePolicy(stack, "Strict", resource=strict, on_existing_policy="FAIL")
    strict.share_with(consumer)
app.synth()
