"""End to end: the example app, synthesized by the real CDK CLI, deployed with the local
CloudFormation driver against the emulator, through create, update, replacement, a failed
update with rollback, and delete: in an account that stores policies byte for byte, one that
hands back equivalent rewrites and one whose numbers come with the console's SNS grant
(test_example_app_faults.py: one that does both under injected faults, and a failed first
deployment). At AWS's documented request rates, as every end-to-end test."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from shared_sms_function.equivalence import normalize_statement, statements_of
from tests.conftest import CONSUMER, OWNER, REGION, client_for, new_phone_number
from tests.e2e.accounts import NEW_CONSUMER, by_meaning, marked, policies, shared_with
from tests.harness.cdk_cli import cdk_synth
from tests.harness.deploy import LocalCloudFormation, StackOperationError

_SYNTHESIZED: dict[frozenset[tuple[str, str]], Path] = {}


def synth(outdir: Path, **context: str) -> Path:
    """``cdk synth`` with the real CLI; the emulator's ids repeat after a reset, so both
    scenarios deploy the same configurations and each is synthesized once."""
    key = frozenset(context.items())
    if key in _SYNTHESIZED:
        return _SYNTHESIZED[key]
    cdk_synth(outdir, **context)
    _SYNTHESIZED[key] = outdir
    return outdir


def assert_still_there(client: Any, pre_existing: dict[str, str]) -> None:
    """Every statement AWS or a person attached before any deployment is still attached."""
    live = policies(client)
    for arn, text in pre_existing.items():
        have = [normalize_statement(s) for s in statements_of(json.loads(live.get(arn, "{}")))]
        for statement in statements_of(json.loads(text)):
            assert normalize_statement(statement) in have, f"{arn} lost {statement}"


def crowded_policy(arn: str, already: str | None) -> str:
    """What another team attached by hand to a sender ID: one statement naming so many
    accounts that the example app's statements do not fit beside it."""
    accounts = [f"arn:aws:iam::{100000000000 + n}:root" for n in range(400)]
    statements = statements_of(json.loads(already)) if already else []
    by_hand = {"Sid": "ByHand", "Effect": "Allow", "Action": "sms-voice:SendTextMessage", "Resource": arn}
    while True:
        text = json.dumps(
            {"Version": "2012-10-17", "Statement": [*statements, {**by_hand, "Principal": {"AWS": accounts}}]},
            separators=(",", ":"),
        )
        if len(text) <= 9_800:
            return text
        accounts.pop()


def run_scenario(
    cloudformation: LocalCloudFormation, emulator: Any, tmp: Path, inject: Any = None, **realism: Any
) -> None:
    for option, value in realism.items():  # what the account does before anything is requested
        setattr(emulator.state, option, value)
    owner, consumer = client_for(OWNER, emulator), client_for(CONSUMER, emulator)
    number, second_number = new_phone_number(owner), new_phone_number(owner)
    sender = owner.request_sender_id(SenderId="EXAMPLECO", IsoCountryCode="GB")["SenderIdArn"]
    # A sender ID whose policy another team filled by hand: nothing here may touch it.
    guarded = owner.request_sender_id(SenderId="GUARDED", IsoCountryCode="GB")["SenderIdArn"]
    owner.put_resource_policy(ResourceArn=guarded, Policy=crowded_policy(guarded, policies(owner).get(guarded)))
    pre_existing = policies(owner)  # the guarded sender ID's, and the console's SNS grants where the account gives them
    base = {"ownerAccount": OWNER, "consumerAccount": CONSUMER, "region": REGION, "senderIdArn": sender}
    steps = {
        "create": {**base, "phoneNumberArn": number},
        "update": {**base, "consumerAccount": NEW_CONSUMER, "phoneNumberArn": number},
        "replace": {**base, "consumerAccount": NEW_CONSUMER, "phoneNumberArn": second_number},
        "fail": {**base, "senderIdArn": guarded, "phoneNumberArn": second_number},
        "unshared": {**base, "senderIdArn": guarded, "phoneNumberArn": number},
    }
    with ThreadPoolExecutor(max_workers=3) as pool:  # each synth is its own process
        apps = dict(zip(steps, pool.map(lambda item: synth(tmp / item[0], **item[1]), steps.items()), strict=True))
    if inject is not None:
        inject()  # faults start once the pre-existing resources are in place

    # 1. Create: the producer shares four resources, then the consumer verifies and grants.
    app = apps["create"]
    cloudformation.deploy(app, "SmsProducer")
    cloudformation.deploy(app, "SmsConsumer")
    stack = cloudformation.stacks["SmsProducer"]
    pool_arn = next(r.attributes["Arn"] for r in stack.resources.values() if r.type == "AWS::SMSVOICE::Pool")
    assert {number, sender, pool_arn} <= shared_with(consumer)
    assert CONSUMER in owner.get_resource_policy(ResourceArn=number)["Policy"]
    assert_still_there(owner, pre_existing)

    # 2. Update: the share moves to another consumer account (same ARNs, new principal).
    app = apps["update"]
    cloudformation.deploy(app, "SmsProducer")
    assert NEW_CONSUMER in owner.get_resource_policy(ResourceArn=number)["Policy"]
    assert shared_with(consumer) == set()
    assert_still_there(owner, pre_existing)

    # 3. Replacement: the number's policy moves to another number; the old one is cleaned up.
    app = apps["replace"]
    cloudformation.deploy(app, "SmsProducer")
    live = policies(owner)
    assert not marked(live.get(number)) and NEW_CONSUMER in live[second_number]
    assert_still_there(owner, pre_existing)
    before = policies(owner)

    # 4. A change that fails: back to the first consumer (policies update), but the sender ID now
    #    points at one whose hand-written policy leaves no room for ours. Everything rolls back.
    app = apps["fail"]
    with pytest.raises(StackOperationError, match="over the service's 10000"):
        cloudformation.deploy(app, "SmsProducer")
    assert by_meaning(policies(owner)) == by_meaning(before)  # statement for statement
    assert any(
        e["event"]["RequestType"] == "Update" and e["answer"]["Status"] == "SUCCESS" for e in cloudformation.events[-8:]
    ), "some resources were updated, then rolled back"

    # 4b. A consumer check for an ARN that is not shared fails the consumer's update, which rolls back.
    app = apps["unshared"]
    unshared = f"arn:aws:sms-voice:{REGION}:{OWNER}:.* is not shared with {CONSUMER} yet"
    with pytest.raises(StackOperationError, match=unshared):
        cloudformation.deploy(app, "SmsConsumer")
    assert by_meaning(policies(owner)) == by_meaning(before)

    # 5. Delete: nothing this stack wrote is left; what was there before is, exactly.
    cloudformation.delete_stack("SmsConsumer")
    cloudformation.delete_stack("SmsProducer")
    left = policies(owner)
    assert by_meaning(left) == by_meaning(pre_existing)
    assert not any(marked(text) for text in left.values())
    assert shared_with(client_for(NEW_CONSUMER, emulator)) == set()


@pytest.mark.parametrize(
    "realism",
    [{}, {"normalize_policies": True}, {"default_policy": "sns"}],
    ids=["byte-for-byte", "normalizing", "sns-default"],
)
def test_example_app_lifecycle_end_to_end(
    cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path, realism: dict[str, Any]
) -> None:
    run_scenario(cloudformation, emulator, tmp_path, **realism)
