#!/usr/bin/env python3
"""Example app: a producer stack shares SMS resources; a consumer stack sends through them.

Synthesizes with no AWS credentials. Override any value with ``-c key=value``
(see ``context`` in cdk.json).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks

from shared_sms import OptOutList, PhoneNumber, Pool, SenderId


class ProducerStack(cdk.Stack):
    """Owns the messaging resources and shares them with the consumer account and SNS."""

    def __init__(self, scope: cdk.App, id: str, *, consumer_account: str, **kwargs: object) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        number = PhoneNumber.from_phone_number_arn(self, "SupportNumber", self.node.get_context("phoneNumberArn"))
        sender = SenderId.from_sender_id_arn(self, "BrandSender", self.node.get_context("senderIdArn"))
        opt_outs = OptOutList(self, "OptOuts", opt_out_list_name="shared-opt-outs")
        pool = Pool(
            self,
            "SharedPool",
            origination_identities=[number, sender],
            opt_out_list=opt_outs,
            help_message="Example Corp alerts. Reply STOP to opt out.",
            stop_message="You are unsubscribed from Example Corp alerts.",
        )
        consumer = iam.AccountPrincipal(consumer_account)
        for resource in (number, sender, pool, opt_outs):
            resource.share_with(consumer)
        # Origination identities created after 2024-09-24 need this before SNS may send.
        number.allow_service("sns.amazonaws.com")
        sender.allow_service("sns.amazonaws.com")


class ConsumerStack(cdk.Stack):
    """A role in the consumer account that may send through the shared number and sender ID."""

    def __init__(self, scope: cdk.App, id: str, *, owner_account: str, **kwargs: object) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        sender_role = iam.Role(
            self,
            "NotificationSender",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Sends texts through numbers shared by account {owner_account}",
        )
        # verify_shared: the deployment fails with a clear message until the owner has shared them.
        number = PhoneNumber.from_phone_number_arn(
            self, "SharedNumber", self.node.get_context("phoneNumberArn"), verify_shared=True
        )
        sender = SenderId.from_sender_id_arn(
            self, "SharedSender", self.node.get_context("senderIdArn"), verify_shared=True
        )
        number.grant_send(sender_role)
        sender.grant_send(sender_role)


def build_app(app: cdk.App) -> cdk.App:
    region = app.node.get_context("region")
    owner = app.node.get_context("ownerAccount")
    consumer = app.node.get_context("consumerAccount")
    ProducerStack(app, "SmsProducer", consumer_account=consumer, env=cdk.Environment(account=owner, region=region))
    ConsumerStack(app, "SmsConsumer", owner_account=owner, env=cdk.Environment(account=consumer, region=region))
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


if __name__ == "__main__":
    build_app(cdk.App()).synth()
