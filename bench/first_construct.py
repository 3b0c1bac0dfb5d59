"""What a user's app pays to start: ``import aws_cdk`` and a stack, then (mode ``shared_sms``)
``import shared_sms`` and its first construct. Run in its own process by bench/synthesis.py.

Usage: python bench/first_construct.py {cdk,shared_sms}
"""

from __future__ import annotations

import sys

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

app = cdk.App()
stack = cdk.Stack(app, "First", env=cdk.Environment(account="111122223333", region="us-east-1"))
if sys.argv[1] == "shared_sms":
    from shared_sms import PhoneNumber

    PhoneNumber.from_phone_number_arn(
        stack, "Number", "arn:aws:sms-voice:us-east-1:111122223333:phone-number/phone-0123456789abcdef0123456789abcdef"
    ).share_with(iam.AccountPrincipal("444455556666"))
