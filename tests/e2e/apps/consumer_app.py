"""A consumer app: imports shared phone numbers with verify_shared=True.

Context: ownerAccount, consumerAccount, region, arns (comma-separated; construct ids Shared0,
Shared1...), and ``outputs`` (any value: an Output of each check's Status attribute).
"""

from __future__ import annotations

import aws_cdk as cdk

from shared_sms import PhoneNumber

app = cdk.App()
context = app.node.try_get_context
stack = cdk.Stack(app, "SmsConsumer", env=cdk.Environment(account=context("consumerAccount"), region=context("region")))
for index, arn in enumerate(a for a in (context("arns") or "").split(",") if a):
    number = PhoneNumber.from_phone_number_arn(stack, f"Shared{index}", arn, verify_shared=True)
    if context("outputs"):
        cdk.CfnOutput(stack, f"Status{index}", value=number.verify_shared().attribute("Status"))
app.synth()
