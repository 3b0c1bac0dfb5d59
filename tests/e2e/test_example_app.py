"""End to end: the example app, synthesized by the real CDK CLI, deployed with the local
CloudFormation driver against the emulator, through create, update, replacement, a failed
update with rollback, and delete; then the same under injected faults."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from shared_sms.cli.inventory import LISTINGS
from tests.conftest import CONSUMER, OWNER, REGION, access_key_for, client_for, new_phone_number
from tests.harness.cdk_cli import cdk_synth
from tests.harness.deploy import LocalCloudFormation, StackOperationError

NEW_CONSUMER = "777788889999"
MARKER = "SharedSms"


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


@pytest.fixture()
def cloudformation(function: Any, sink: Any, emulator: Any) -> Iterator[LocalCloudFormation]:
    from shared_sms_function.client import sms_voice_client

    clients = {
        a: sms_voice_client(
            REGION, endpoint_url=emulator.url, aws_access_key_id=access_key_for(a), aws_secret_access_key="x"
        )
        for a in (OWNER, CONSUMER, NEW_CONSUMER)
    }
    original = function.CLIENT

    def use_account(account: str) -> None:
        function.CLIENT = clients[account]

    yield LocalCloudFormation(
        sink=sink, handler=function.handler, client_for=lambda a: client_for(a, emulator), use_account=use_account
    )
    function.CLIENT = original


def policies(client: Any) -> dict[str, str]:
    """Every policy the owner account has, by ARN."""
    found = {}
    for listing in LISTINGS:
        for page in client.get_paginator(listing.operation).paginate():
            for item in page[listing.items_key]:
                with contextlib.suppress(client.exceptions.ResourceNotFoundException):
                    arn = item[listing.arn_key]
                    found[arn] = client.get_resource_policy(ResourceArn=arn)["Policy"]
    return found


def shared_with(client: Any) -> set[str]:
    """Every ARN other accounts share with the client's account."""
    return {
        item[listing.arn_key]
        for listing in LISTINGS
        for page in client.get_paginator(listing.operation).paginate(Owner="SHARED")
        for item in page[listing.items_key]
    }


def run_scenario(cloudformation: LocalCloudFormation, emulator: Any, tmp: Path, inject: Any = None) -> None:
    owner, consumer = client_for(OWNER, emulator), client_for(CONSUMER, emulator)
    number, second_number = new_phone_number(owner), new_phone_number(owner)
    sender = owner.request_sender_id(SenderId="EXAMPLECO", IsoCountryCode="GB")["SenderIdArn"]
    # A sender ID whose policy another team attached by hand: nothing here may touch it.
    guarded = owner.request_sender_id(SenderId="GUARDED", IsoCountryCode="GB")["SenderIdArn"]
    by_hand = {
        "Sid": "ByHand",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
        "Action": "sms-voice:SendTextMessage",
        "Resource": guarded,
    }
    foreign = json.dumps({"Statement": [by_hand]})
    owner.put_resource_policy(ResourceArn=guarded, Policy=foreign)
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

    # 2. Update: the share moves to another consumer account (same ARNs, new principal).
    app = apps["update"]
    cloudformation.deploy(app, "SmsProducer")
    assert NEW_CONSUMER in owner.get_resource_policy(ResourceArn=number)["Policy"]
    assert shared_with(consumer) == set()

    # 3. Replacement: the number's policy moves to another number; the old one is cleaned up.
    app = apps["replace"]
    cloudformation.deploy(app, "SmsProducer")
    live = policies(owner)
    assert number not in live and NEW_CONSUMER in live[second_number]
    before = policies(owner)

    # 4. A change that fails: back to the first consumer (policies update), but the sender ID now
    #    points at one carrying a policy nobody in this stack wrote. Everything rolls back.
    app = apps["fail"]
    with pytest.raises(StackOperationError, match="already has a resource policy"):
        cloudformation.deploy(app, "SmsProducer")
    assert policies(owner) == before  # byte for byte
    assert any(
        e["event"]["RequestType"] == "Update" and e["answer"]["Status"] == "SUCCESS" for e in cloudformation.events[-8:]
    ), "some resources were updated, then rolled back"

    # 4b. A consumer check for an ARN that is not shared fails the consumer's update, which rolls back.
    app = apps["unshared"]
    with pytest.raises(StackOperationError, match=f"ask the owner account {OWNER}"):
        cloudformation.deploy(app, "SmsConsumer")
    assert policies(owner) == before

    # 5. Delete: nothing this stack wrote is left; what others wrote is untouched.
    cloudformation.delete_stack("SmsConsumer")
    cloudformation.delete_stack("SmsProducer")
    left = policies(owner)
    assert left == {guarded: foreign}
    assert not any(MARKER in text for text in left.values())
    assert shared_with(client_for(NEW_CONSUMER, emulator)) == set()


def test_example_app_lifecycle_end_to_end(cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path) -> None:
    run_scenario(cloudformation, emulator, tmp_path)


def test_example_app_lifecycle_under_faults(
    cloudformation: LocalCloudFormation, emulator: Any, sink: Any, tmp_path: Path
) -> None:
    def inject() -> None:
        emulator.faults.rate_limit_rps = 25.0
        emulator.faults.throttle_next = 4  # a throttling burst on top of the rate limit
        emulator.faults.fail_next = 3
        emulator.faults.latency_s = 0.02
        emulator.faults.visibility_delay_s = 0.3
        sink.refuse_next = 2  # the first answer tries hit a failing ResponseURL; crhelper retries

    run_scenario(cloudformation, emulator, tmp_path, inject)
    assert emulator.faults.fail_next == 0 and sink.refuse_next == 0, "every injected fault was hit"
    assert emulator.faults.throttled >= 4
