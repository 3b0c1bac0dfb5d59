"""A producer app that pools one phone number and shares the number and the pool: the app a
user destroys and deploys again (tests/e2e/test_destroy_redeploy.py).

Context: ownerAccount, consumerAccount, region, and
  numberArn  optional: the number to import (one bought outside CloudFormation, or one an
             earlier deployment kept); without it the app requests a number (``PhoneNumber``,
             kept when the stack is deleted)
  cfnNumber  optional ("1"): also an ``AWS::SMSVOICE::CfnPhoneNumber`` of the app's own, shared
             through ``PhoneNumber.from_phone_number_ref``
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_smsvoice as smsvoice

from shared_sms import PhoneNumber, PhoneNumberBase, Pool

HELP, STOP = "Example Corp alerts. Reply STOP to opt out.", "You will get no more messages."

app = cdk.App()
context = app.node.try_get_context
stack = cdk.Stack(app, "SmsRedeploy", env=cdk.Environment(account=context("ownerAccount"), region=context("region")))
consumer = iam.AccountPrincipal(context("consumerAccount"))
number: PhoneNumberBase
if context("numberArn"):
    number = PhoneNumber.from_phone_number_arn(stack, "Kept", context("numberArn"))
else:
    number = PhoneNumber(
        stack,
        "Number",
        iso_country_code="US",
        number_type="SIMULATOR",
        number_capabilities=["SMS"],
        help_message=HELP,
        stop_message=STOP,
    )
number.share_with(consumer)
pool = Pool(stack, "Pool", origination_identities=[number], help_message=HELP, stop_message=STOP)
pool.share_with(consumer)
if context("cfnNumber"):
    keyword = smsvoice.CfnPhoneNumber.MandatoryKeywordProperty
    existing = smsvoice.CfnPhoneNumber(
        stack,
        "ExistingNumber",
        iso_country_code="US",
        number_type="SIMULATOR",
        number_capabilities=["SMS"],
        mandatory_keywords=smsvoice.CfnPhoneNumber.MandatoryKeywordsProperty(
            help=keyword(message=HELP), stop=keyword(message=STOP)
        ),
    )
    PhoneNumber.from_phone_number_ref(stack, "ExistingShared", existing).share_with(consumer)
app.synth()
