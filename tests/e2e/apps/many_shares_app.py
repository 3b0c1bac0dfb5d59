"""A platform team's app with many shared resources, for deployments at AWS's request rates.

- ``SmsManyShares`` (owner account) shares ``count`` opt-out lists, bought outside
  CloudFormation and imported by ARN (``rates-0``, ``rates-1``...), with a consumer account:
  ``count`` ``Custom::SmsResourcePolicy`` resources, each one PutResourcePolicy.
  ``-c failing=yes`` adds one more share, a quarter of the way in, of a list that does not exist: its
  Create fails and the stack rolls back what was created. ``-c extraAccount=<id>`` also
  shares the first list with that account (an update of one policy among many).
- ``SmsManyChecks`` (consumer account) verifies that each of them is shared with it:
  ``count`` ``Custom::SmsSharedResourceCheck`` resources, each a DescribeOptOutLists.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from shared_sms import OptOutList

app = cdk.App()
context = app.node.try_get_context
owner, consumer, region = context("ownerAccount"), context("consumerAccount"), context("region")
count = int(context("count"))


def list_arn(name: str) -> str:
    return f"arn:aws:sms-voice:{region}:{owner}:opt-out-list/{name}"


producer = cdk.Stack(app, "SmsManyShares", env=cdk.Environment(account=owner, region=region))
names = [f"rates-{i}" for i in range(count)]
if context("failing") == "yes":
    names.insert(count // 4, "rates-missing")
for name in names:
    shared = OptOutList.from_opt_out_list_arn(producer, name, list_arn(name))
    shared.share_with(iam.AccountPrincipal(consumer))
    if name == "rates-0" and context("extraAccount"):
        shared.share_with(iam.AccountPrincipal(context("extraAccount")))

checks = cdk.Stack(app, "SmsManyChecks", env=cdk.Environment(account=consumer, region=region))
for i in range(count):
    OptOutList.from_opt_out_list_arn(checks, f"rates-{i}", list_arn(f"rates-{i}"), verify_shared=True)

app.synth()
