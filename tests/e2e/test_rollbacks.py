"""End to end: rollbacks finish, and a check's attributes survive every answer.

A rollback Update carries the old properties; what was true when they were deployed may be
false now (the owner stopped sharing the old ARN, the old number was released). Failing the
rollback for it leaves the stack in UPDATE_ROLLBACK_FAILED, which no retry can change; a
forward update must still check. The function tells the two apart by its own stack's status
(``DescribeStacks``, served by the CloudFormation emulator from the driver's live state).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CONSUMER, OWNER, REGION, attached, client_for, new_phone_number, share
from tests.e2e.accounts import NEW_CONSUMER
from tests.harness.cdk_cli import cdk_synth
from tests.harness.deploy import LocalCloudFormation, StackOperationError

APPS = Path(__file__).parent / "apps"
BASE = {"ownerAccount": OWNER, "consumerAccount": CONSUMER, "region": REGION}


def physical_ids(cloudformation: LocalCloudFormation, stack: str) -> dict[str, str]:
    return {lid: r.physical_id for lid, r in cloudformation.stacks[stack].resources.items()}


def test_the_rollback_of_a_check_moved_off_an_arn_the_owner_stopped_sharing_completes(
    cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path
) -> None:
    owner = client_for(OWNER, emulator)
    a, b, c = (new_phone_number(owner) for _ in range(3))
    first = cdk_synth(tmp_path / "v1", app=APPS / "consumer_app.py", **BASE, arns=a, outputs="yes")
    second = cdk_synth(tmp_path / "v2", app=APPS / "consumer_app.py", **BASE, arns=f"{b},{c}", outputs="yes")
    share(owner, a)
    cloudformation.deploy(first, "SmsConsumer")
    share(owner, b)  # the owner moves the consumer to B (and forgets C) ...
    owner.delete_resource_policy(ResourceArn=a)  # ... and stops sharing A

    with pytest.raises(StackOperationError, match="is not shared with") as failure:
        cloudformation.deploy(second, "SmsConsumer")  # C fails; the rollback checks A again

    assert type(failure.value) is StackOperationError, "the rollback completed"
    (check,) = [lid for lid in physical_ids(cloudformation, "SmsConsumer") if lid.startswith("Shared0SharedCheck")]
    assert physical_ids(cloudformation, "SmsConsumer")[check] == a
    assert set(cloudformation.outputs("SmsConsumer")) == {"Status0"}, "the attribute is still there to read"
    forward = [e for e in cloudformation.events if e["event"]["RequestType"] == "Update"]
    assert forward and forward[0]["answer"]["Status"] == "SUCCESS"


def test_the_rollback_of_a_policy_moved_off_a_released_number_completes(
    cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path
) -> None:
    owner = client_for(OWNER, emulator)
    old, new, strict = (new_phone_number(owner) for _ in range(3))
    first = cdk_synth(tmp_path / "v1", app=APPS / "shares_app.py", **BASE, fixedArn=old)
    # "Main" moves to another number, and a FAIL-mode policy fails the update.
    second = cdk_synth(tmp_path / "v2", app=APPS / "shares_app.py", **BASE, fixedArn=new, failArn=strict)
    cloudformation.deploy(first, "SmsShares")
    share(owner, strict, account=NEW_CONSUMER)
    owner.release_phone_number(PhoneNumberId=old.rsplit("/", 1)[1])  # the team retired the old number

    with pytest.raises(StackOperationError, match="did not write") as failure:
        cloudformation.deploy(second, "SmsShares")

    assert type(failure.value) is StackOperationError, "the rollback completed"
    main = [lid for lid in physical_ids(cloudformation, "SmsShares") if lid.startswith("Main")]
    assert [physical_ids(cloudformation, "SmsShares")[lid] for lid in main] == [old]
    assert CONSUMER not in str(attached(owner, new) or {}), "the rollback's cleanup removed the moved statements"


def test_an_upgrade_that_updates_a_check_checks_again_and_its_rollback_keeps_the_attributes(
    cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path
) -> None:
    """The library upgrade that changes ServiceTimeout updates every check, keeping its ARN. A
    forward update checks (the owner stopped sharing: it fails); its rollback, which cannot
    check either, answers the attributes (empty) so that the Output referring to one resolves."""
    owner = client_for(OWNER, emulator)
    number = new_phone_number(owner)
    share(owner, number)
    first = cdk_synth(tmp_path / "v1", app=APPS / "consumer_app.py", **BASE, arns=number, outputs="yes")
    upgraded = tmp_path / "v2"
    shutil.copytree(first, upgraded)
    template_file = upgraded / "SmsConsumer.template.json"
    template = json.loads(template_file.read_text())
    for resource in template["Resources"].values():
        if resource["Type"] == "Custom::SmsSharedResourceCheck":
            resource["Properties"]["ServiceTimeout"] = "1200"
    template_file.write_text(json.dumps(template))
    cloudformation.deploy(first, "SmsConsumer")
    assert cloudformation.outputs("SmsConsumer") == {"Status0": "ACTIVE"}
    owner.delete_resource_policy(ResourceArn=number)

    with pytest.raises(StackOperationError, match="is not shared with") as failure:
        cloudformation.deploy(upgraded, "SmsConsumer")

    assert type(failure.value) is StackOperationError, "the rollback completed"
    assert set(cloudformation.outputs("SmsConsumer")) == {"Status0"}, "the attribute still resolves"
    (rollback,) = [e for e in cloudformation.events if e["event"]["RequestType"] == "Update"][1:]
    assert rollback["answer"]["Status"] == "SUCCESS" and rollback["answer"]["Data"]["Status"] == ""
