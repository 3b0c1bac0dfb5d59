"""Every Python block of the README and docs/ synthesizes as written.

A block runs on its own, or after the set-up of the fixture named in a
``<!-- docs-fixture: NAME -->`` comment on the line before it (see FIXTURES). Stacks the block
defines as classes are instantiated (with CLASS_ARGS where they take arguments); every app is
synthesized and must have no errors. The user-facing examples also get their shape checked."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match, Template

from tests.docs_pages import Block, blocks

OWNER = cdk.Environment(account="111122223333", region="us-east-1")
CONSUMER = cdk.Environment(account="444455556666", region="us-east-1")
NUMBER_ARN = "arn:aws:sms-voice:us-east-1:111122223333:phone-number/phone-0123456789abcdef0123456789abcdef"
SENDER_ARN = "arn:aws:sms-voice:us-east-1:111122223333:sender-id/EXAMPLECO/GB"

_PREAMBLE = """
import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from shared_sms import *

app = cdk.App()
"""
FIXTURES = {
    # A stack of the owner account.
    "stack": _PREAMBLE + "self = cdk.Stack(app, 'Docs', env=OWNER)\n",
    # The owner's stack with an imported number and sender ID and a pool created of them.
    "producer-stack": _PREAMBLE
    + """
self = cdk.Stack(app, 'Docs', env=OWNER)
number = PhoneNumber.from_phone_number_arn(self, 'Number', NUMBER_ARN)
sender = SenderId.from_sender_id_arn(self, 'Sender', SENDER_ARN)
pool = Pool(self, 'Pool', origination_identities=[number, sender], help_message='help', stop_message='stop')
""",
    # A stack of the consumer account, the owner's number ARN and a role.
    "consumer-stack": _PREAMBLE
    + """
self = cdk.Stack(app, 'Docs', env=CONSUMER)
shared_arn = NUMBER_ARN
role = iam.Role(self, 'Role', assumed_by=iam.ServicePrincipal('lambda.amazonaws.com'))
""",
}
CLASS_ARGS: dict[str, dict[str, Any]] = {"Consumer": {"shared_arn": NUMBER_ARN, "env": CONSUMER}}


def run(block: Block) -> tuple[dict[str, Any], list[cdk.Stack]]:
    """Execute the block and synthesize what it built; returns its namespace and its stacks."""
    namespace: dict[str, Any] = {
        "__name__": "docs_block",
        "OWNER": OWNER,
        "CONSUMER": CONSUMER,
        "NUMBER_ARN": NUMBER_ARN,
        "SENDER_ARN": SENDER_ARN,
    }
    if block.fixture is not None:
        assert block.fixture in FIXTURES, f"{block.name}: no fixture {block.fixture!r}"
        exec(compile(FIXTURES[block.fixture], f"<fixture {block.fixture}>", "exec"), namespace)
    # Line numbers in tracebacks point into the page.
    exec(compile("\n" * block.line + block.code, str(block.page), "exec"), namespace)

    apps = [value for value in namespace.values() if isinstance(value, cdk.App)]
    for cls in [v for v in list(namespace.values()) if isinstance(v, type) and issubclass(v, cdk.Stack)]:
        if cls.__module__ == "docs_block":
            app = cdk.App()
            cls(app, cls.__name__, **{"env": OWNER, **CLASS_ARGS.get(cls.__name__, {})})
            apps.append(app)
    assert apps, f"{block.name} builds no app and defines no stack"
    stacks = []
    for app in apps:
        app.synth()
        stacks += [child for child in app.node.find_all() if isinstance(child, cdk.Stack)]
    for stack in stacks:
        errors = Annotations.from_stack(stack).find_error("*", Match.any_value())
        assert errors == [], f"{block.name}: {errors}"
    return namespace, stacks


@pytest.mark.parametrize("block", blocks("python"), ids=lambda b: b.name)
def test_every_python_block_synthesizes(block: Block) -> None:
    run(block)


def _block_defining(name: str) -> Block:
    (found,) = [b for b in blocks("python") if f"class {name}(" in b.code]
    return found


def test_readme_producer_shares_three_resources_through_one_function() -> None:
    _, stacks = run(_block_defining("Producer"))
    template = Template.from_stack(stacks[0])
    template.resource_count_is("Custom::SmsResourcePolicy", 3)  # number, pool, opt-out list
    template.resource_count_is("AWS::Lambda::Function", 1)


def test_readme_consumer_checks_the_share_and_writes_no_policy() -> None:
    _, stacks = run(_block_defining("Consumer"))
    template = Template.from_stack(stacks[0])
    template.resource_count_is("Custom::SmsSharedResourceCheck", 1)
    template.resource_count_is("Custom::SmsResourcePolicy", 0)
    template.has_resource_properties("Custom::SmsSharedResourceCheck", {"ResourceArn": NUMBER_ARN})


def test_organization_example_makes_one_share_per_principal() -> None:
    namespace, stacks = run(_block_defining("OrgSharing"))
    shares = Template.from_stack(stacks[0]).find_resources("AWS::RAM::ResourceShare")
    by_principals = {tuple(r["Properties"]["Principals"]): r["Properties"] for r in shares.values()}
    assert set(by_principals) == {(namespace["MESSAGING_OU"],), (namespace["ORG"],), ("777788889999",)}
    assert len(by_principals[(namespace["MESSAGING_OU"],)]["ResourceArns"]) == 2  # number and sender: one share
    assert by_principals[("777788889999",)]["AllowExternalPrincipals"] is True
    Template.from_stack(stacks[0]).resource_count_is("AWS::Lambda::Function", 0)
