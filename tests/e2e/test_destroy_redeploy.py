"""End to end: ``cdk destroy`` then ``cdk deploy`` of the same app (review M5).

A pool holds no data, but a pool left behind keeps its phone numbers, and a number is in at
most one pool: with a retained pool the second deployment failed on CreatePool. ``Pool`` is
deleted with its stack by default; a ``PhoneNumber`` is kept (a released number is gone for
good), out of any pool, so the next deployment can request a new one or import the kept one.
Also: a ``CfnPhoneNumber`` of the app's own, shared through ``PhoneNumber.from_phone_number_ref``,
gets its policy on the number's ARN (its Ref is only the PhoneNumberId).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import CONSUMER, OWNER, REGION, attached, client_for, new_phone_number, ours
from tests.harness.cdk_cli import cdk_synth
from tests.harness.deploy import LocalCloudFormation

APP = Path(__file__).parent / "apps" / "redeploy_app.py"
STACK = "SmsRedeploy"
BASE = {"ownerAccount": OWNER, "consumerAccount": CONSUMER, "region": REGION}


def pools(owner: Any) -> dict[str, list[str]]:
    """Each pool's id and the ARNs of its phone numbers."""
    found: dict[str, list[str]] = {p["PoolId"]: [] for p in owner.describe_pools()["Pools"]}
    for number in owner.describe_phone_numbers()["PhoneNumbers"]:
        if number.get("PoolId"):
            found[number["PoolId"]].append(number["PhoneNumberArn"])
    return found


def numbers(owner: Any) -> set[str]:
    return {n["PhoneNumberArn"] for n in owner.describe_phone_numbers()["PhoneNumbers"]}


def shared_with_consumer(owner: Any, arn: str) -> bool:
    return any(s.get("Principal") == {"AWS": f"arn:aws:iam::{CONSUMER}:root"} for s in ours(attached(owner, arn)))


def test_destroy_then_deploy_again_with_an_imported_number(
    cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path
) -> None:
    owner = client_for(OWNER, emulator)
    number = new_phone_number(owner)
    assembly = cdk_synth(tmp_path / "app", app=APP, **BASE, numberArn=number)

    cloudformation.deploy(assembly, STACK)
    assert list(pools(owner).values()) == [[number]]
    cloudformation.delete_stack(STACK)
    assert number in numbers(owner) and not ours(attached(owner, number))

    cloudformation.deploy(assembly, STACK)  # failed on CreatePool while the old pool held the number
    assert list(pools(owner).values()) == [[number]], "one pool: the first went with its stack"
    assert shared_with_consumer(owner, number)
    cloudformation.delete_stack(STACK)


def test_destroy_keeps_a_requested_number_which_the_next_deployment_can_import(
    cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path
) -> None:
    owner = client_for(OWNER, emulator)
    before = numbers(owner)
    requesting = cdk_synth(tmp_path / "requesting", app=APP, **BASE)

    cloudformation.deploy(requesting, STACK)
    (first,) = numbers(owner) - before
    cloudformation.delete_stack(STACK)
    assert first in numbers(owner), "a requested number outlives its stack (releasing one is irreversible)"
    assert pools(owner) == {}, "cdk destroy deletes the pool, which frees its number"
    assert not ours(attached(owner, first))

    # The same app again: CloudFormation requests a new number for a new pool; the kept one stays free.
    cloudformation.deploy(requesting, STACK)
    (second,) = numbers(owner) - before - {first}
    assert list(pools(owner).values()) == [[second]]
    cloudformation.delete_stack(STACK)

    # Or the user imports the kept number, and the new pool takes it.
    importing = cdk_synth(tmp_path / "importing", app=APP, **BASE, numberArn=first)
    cloudformation.deploy(importing, STACK)
    assert list(pools(owner).values()) == [[first]]
    assert shared_with_consumer(owner, first)
    cloudformation.delete_stack(STACK)
    assert pools(owner) == {} and {first, second} <= numbers(owner)


def test_a_cfn_phone_number_of_the_app_is_shared_on_its_arn(
    cloudformation: LocalCloudFormation, emulator: Any, tmp_path: Path
) -> None:
    owner = client_for(OWNER, emulator)
    number = new_phone_number(owner)
    assembly = cdk_synth(tmp_path / "app", app=APP, **BASE, numberArn=number, cfnNumber="1")

    cloudformation.deploy(assembly, STACK)
    resources = cloudformation.stacks[STACK].resources
    (existing,) = (r for lid, r in resources.items() if lid.startswith("ExistingNumber"))
    arn = existing.attributes["Arn"]
    assert existing.physical_id != arn and arn.endswith(f"phone-number/{existing.physical_id}")
    assert shared_with_consumer(owner, arn)
    cloudformation.delete_stack(STACK)
    assert arn not in numbers(owner)  # the L1's own DeletionPolicy (Delete) applies
