"""A CDK Pipelines-shaped app for tests/cli/test_policy_diff.py: a ``cdk.Stage`` "Prod" with one
producer stack in us-east-1 and one in eu-west-1. Each shares an opt-out list and a sender ID
(imported by ARN; both have names, so the emulator gives them these ARNs) with the consumer
account, and lets SNS send with the sender ID: four policies, two of two statements."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from shared_sms import OptOutList, SenderId

OWNER, CONSUMER = "111122223333", "444455556666"
STACKS = {"us-east-1": "Virginia", "eu-west-1": "Ireland"}
OPT_OUT_LIST, SENDER_ID, COUNTRY = "prod-opt-outs", "EXAMPLE", "GB"


def opt_out_list_arn(region: str) -> str:
    return f"arn:aws:sms-voice:{region}:{OWNER}:opt-out-list/{OPT_OUT_LIST}"


def sender_id_arn(region: str) -> str:
    return f"arn:aws:sms-voice:{region}:{OWNER}:sender-id/{SENDER_ID}/{COUNTRY}"


class Producer(cdk.Stack):
    def __init__(self, scope: cdk.Stage, id: str, *, region: str) -> None:
        super().__init__(scope, id, env=cdk.Environment(account=OWNER, region=region))
        consumer = iam.AccountPrincipal(CONSUMER)
        OptOutList.from_opt_out_list_arn(self, "OptOuts", opt_out_list_arn(region)).share_with(consumer)
        sender = SenderId.from_sender_id_arn(self, "Sender", sender_id_arn(region))
        sender.share_with(consumer)
        sender.allow_service("sns.amazonaws.com")


def build(outdir: str | None = None) -> cdk.App:
    app = cdk.App(outdir=outdir)
    prod = cdk.Stage(app, "Prod")
    for region, name in STACKS.items():
        Producer(prod, name, region=region)
    return app


if __name__ == "__main__":
    build().synth()
