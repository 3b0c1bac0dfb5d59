"""Living beside what is already on a resource: statements AWS, the console, a person or
another stack wrote, in an account whose policy store may hand back an equivalent rewrite.

Every test runs in four accounts (``realism``): the byte-for-byte emulator, one that
rewrites stored policies, one where numbers come with the console's SNS statement, and
one that does both.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest

from shared_sms_function.equivalence import equivalent, statements_of
from tests.conftest import CONSUMER, OWNER, REGION, attached, new_phone_number, ours
from tests.harness.cloudformation import STACK_ID, CustomResource, LambdaContext, policy_json
from tests.harness.stack import Deployed, Stack

OTHER_CONSUMER = "777788889999"
REALISM = {
    "plain": {},
    "normalizing": {"normalize_policies": True},
    "sns-default": {"default_policy": "sns"},
    "normalizing-sns-default": {"normalize_policies": True, "default_policy": "sns"},
}


def principals(policy: dict[str, Any] | None) -> set[str]:
    """Every principal named in a policy, account ids as root ARNs."""
    found = set()
    for statement in statements_of(policy):
        for kind, members in statement["Principal"].items():
            for member in members if isinstance(members, list) else [members]:
                found.add(f"arn:aws:iam::{member}:root" if kind == "AWS" and member.isdigit() else member)
    return found


def stack(function: Any, sink: Any, name: str, logical_id: str = "SharedPolicy") -> CustomResource:
    return CustomResource(
        handler=function.handler, sink=sink, logical_id=logical_id, stack_id=STACK_ID.replace("SmsProducer", name)
    )


@contextmanager
def in_cloudformation(local_drivers: Any, resource: CustomResource, arn: str) -> Iterator[None]:
    """CloudFormation lists ``resource``'s logical id on ``arn`` (a rename's old resource, until the
    cleanup deletes it): under FAIL and REPLACE the function counts its marker as the stack's only then."""
    name = resource.stack_id.split("/")[1]
    listed = Stack(name, OWNER, REGION, resource.stack_id, status="UPDATE_IN_PROGRESS")
    listed.resources[resource.logical_id] = Deployed("Custom::SmsResourcePolicy", arn, {}, {})
    local_drivers.add(SimpleNamespace(stacks={name: listed}))
    try:
        yield
    finally:
        local_drivers.clear()


@pytest.fixture(params=list(REALISM))
def number(request: pytest.FixtureRequest, emulator: Any, owner_client: Any) -> str:
    """A number that already carries a statement this stack did not write: the console's SNS
    grant where the account gives one, else a grant a person added by hand."""
    for option, value in REALISM[request.param].items():
        setattr(emulator.state, option, value)
    arn = new_phone_number(owner_client)
    if not emulator.state.default_policy:
        owner_client.put_resource_policy(ResourceArn=arn, Policy=policy_json(OTHER_CONSUMER, arn=arn))
    assert attached(owner_client, arn) is not None
    return arn


def test_merge_keeps_what_was_there_through_create_update_rollback_and_delete(
    resource: CustomResource, owner_client: Any, number: str, emulator: Any
) -> None:
    before = attached(owner_client, number)
    emulator.state.calls.clear()

    created = resource.create(ResourceArn=number, Policy=policy_json(CONSUMER, arn=number))
    assert created["Status"] == "SUCCESS", created["Reason"]
    # Get, Put, one read-back and one watching read: a rewritten policy is recognized at once,
    # not waited out.
    assert emulator.state.calls == {"GetResourcePolicy": 3, "PutResourcePolicy": 1}
    assert principals(attached(owner_client, number)) == principals(before) | {f"arn:aws:iam::{CONSUMER}:root"}

    updated = resource.update(ResourceArn=number, Policy=policy_json(CONSUMER, OTHER_CONSUMER, arn=number))
    assert updated["Status"] == "SUCCESS", updated["Reason"]
    after_update = attached(owner_client, number)
    assert len(ours(after_update)) == 1 and principals(before) <= principals(after_update)

    # An update that fails after its Put (every read-back lags), then CloudFormation's rollback.
    old_properties = dict(resource.properties)
    emulator.faults.visibility_delay_s = 3600
    failed = resource.send(
        resource.event("Update", {"ResourceArn": number, "Policy": policy_json("999999999999", arn=number)}),
        context=LambdaContext(timeout_s=12),
    )
    assert failed["Status"] == "FAILED"
    emulator.faults.visibility_delay_s = 0
    rollback = resource.event("Update", old_properties)
    rollback["OldResourceProperties"] = {"ResourceArn": number, "Policy": policy_json("999999999999", arn=number)}
    assert resource.send(rollback)["Status"] == "SUCCESS"
    assert equivalent(attached(owner_client, number), after_update)

    assert resource.delete()["Status"] == "SUCCESS"
    assert equivalent(attached(owner_client, number), before)


def test_two_stacks_share_one_number_and_leave_it_as_it_was(
    function: Any, sink: Any, owner_client: Any, number: str
) -> None:
    before = attached(owner_client, number)
    platform, marketing = stack(function, sink, "Platform"), stack(function, sink, "Marketing")

    assert platform.create(ResourceArn=number, Policy=policy_json(CONSUMER, arn=number))["Status"] == "SUCCESS"
    assert marketing.create(ResourceArn=number, Policy=policy_json(OTHER_CONSUMER, arn=number))["Status"] == "SUCCESS"
    both = attached(owner_client, number)
    assert len(ours(both)) == 2
    assert principals(both) == principals(before) | {f"arn:aws:iam::{a}:root" for a in (CONSUMER, OTHER_CONSUMER)}

    # The platform stack changes its share: the marketing statement is not its to touch.
    changed = platform.update(ResourceArn=number, Policy=policy_json("999999999999", arn=number))
    assert changed["Status"] == "SUCCESS", changed["Reason"]
    assert f"arn:aws:iam::{OTHER_CONSUMER}:root" in principals(attached(owner_client, number))

    assert platform.delete()["Status"] == "SUCCESS"
    assert principals(attached(owner_client, number)) == principals(before) | {f"arn:aws:iam::{OTHER_CONSUMER}:root"}
    assert marketing.delete()["Status"] == "SUCCESS"
    assert equivalent(attached(owner_client, number), before)


def test_fails_in_fail_mode_naming_what_it_found_and_leaves_the_policy(
    resource: CustomResource, owner_client: Any, number: str
) -> None:
    before = attached(owner_client, number)

    answer = resource.create(ResourceArn=number, Policy=policy_json(CONSUMER, arn=number), OnExistingPolicy="FAIL")

    assert answer["Status"] == "FAILED"
    found = "sns.amazonaws.com" if "sns" in json.dumps(before) else f"arn:aws:iam::{OTHER_CONSUMER}:root"
    assert "has 1 statement this stack did not write" in answer["Reason"]
    assert answer["Reason"].endswith("Found: 1 without a Sid (the function's log names their principals)")
    assert found not in answer["Reason"]
    assert '"MERGE"' in answer["Reason"] and '"REPLACE"' in answer["Reason"]
    assert equivalent(attached(owner_client, number), before)
    assert resource.delete()["Status"] == "SUCCESS"  # CloudFormation's cleanup of the failed create
    assert equivalent(attached(owner_client, number), before)


def test_update_keeps_statements_added_since_create_and_fail_mode_refuses_them(
    resource: CustomResource, owner_client: Any, number: str
) -> None:
    assert resource.create(ResourceArn=number, Policy=policy_json(CONSUMER, arn=number))["Status"] == "SUCCESS"
    edited = attached(owner_client, number)
    assert edited is not None
    edited["Statement"] = [
        *statements_of(edited),
        {**json.loads(policy_json("999999999999", arn=number))["Statement"][0], "Sid": "Console"},
    ]
    owner_client.put_resource_policy(ResourceArn=number, Policy=json.dumps(edited))

    refused = resource.update(
        ResourceArn=number, Policy=policy_json(OTHER_CONSUMER, arn=number), OnExistingPolicy="FAIL"
    )
    assert refused["Status"] == "FAILED" and "has 2 statements this stack did not write" in refused["Reason"]
    merged = resource.update(ResourceArn=number, Policy=policy_json(OTHER_CONSUMER, arn=number))
    assert merged["Status"] == "SUCCESS", merged["Reason"]
    assert "arn:aws:iam::999999999999:root" in principals(attached(owner_client, number))
    assert f"arn:aws:iam::{CONSUMER}:root" not in principals(attached(owner_client, number))


def test_replace_overwrites_others_but_keeps_this_stacks_renamed_statements(
    function: Any, sink: Any, owner_client: Any, number: str, local_drivers: Any
) -> None:
    old = stack(function, sink, "Producer", logical_id="SupportPolicy")
    assert old.create(ResourceArn=number, Policy=policy_json(CONSUMER, arn=number))["Status"] == "SUCCESS"
    renamed = stack(function, sink, "Producer", logical_id="HelpdeskPolicy")

    with in_cloudformation(local_drivers, old, number):
        answer = renamed.create(
            ResourceArn=number, Policy=policy_json(CONSUMER, arn=number), OnExistingPolicy="REPLACE"
        )

    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert len(ours(attached(owner_client, number))) == 2
    assert principals(attached(owner_client, number)) == {f"arn:aws:iam::{CONSUMER}:root"}
    assert old.delete()["Status"] == "SUCCESS"  # CloudFormation's cleanup of the old logical id
    assert len(ours(attached(owner_client, number))) == 1


def test_a_renamed_resource_in_fail_mode_is_not_foreign_to_its_own_stack(
    function: Any, sink: Any, owner_client: Any, number: str, emulator: Any, local_drivers: Any
) -> None:
    if emulator.state.default_policy is None:
        owner_client.delete_resource_policy(ResourceArn=number)  # nothing foreign: FAIL must pass
    else:
        pytest.skip("the SNS statement is foreign: FAIL refuses it, as the FAIL test shows")
    old = stack(function, sink, "Producer", logical_id="SupportPolicy")
    assert (
        old.create(ResourceArn=number, Policy=policy_json(CONSUMER, arn=number), OnExistingPolicy="FAIL")["Status"]
        == "SUCCESS"
    )
    renamed = stack(function, sink, "Producer", logical_id="HelpdeskPolicy")
    with in_cloudformation(local_drivers, old, number):
        answer = renamed.create(ResourceArn=number, Policy=policy_json(CONSUMER, arn=number), OnExistingPolicy="FAIL")
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert old.delete()["Status"] == "SUCCESS"
    assert principals(attached(owner_client, number)) == {f"arn:aws:iam::{CONSUMER}:root"}
    assert renamed.delete()["Status"] == "SUCCESS"
    assert attached(owner_client, number) is None


def test_fails_when_the_merge_would_pass_ten_thousand_characters_and_writes_nothing(
    resource: CustomResource, owner_client: Any, number: str
) -> None:
    crowded = json.loads(policy_json(*[f"{n:012d}" for n in range(100000000000, 100000000000 + 260)], arn=number))
    crowded["Statement"] += statements_of(attached(owner_client, number))
    owner_client.put_resource_policy(ResourceArn=number, Policy=json.dumps(crowded, separators=(",", ":")))
    before = attached(owner_client, number)

    answer = resource.create(ResourceArn=number, Policy=policy_json(*[f"{n:012d}" for n in range(40)], arn=number))

    assert answer["Status"] == "FAILED"
    assert "over the service's 10000" in answer["Reason"] and "this resource's statements take" in answer["Reason"]
    assert "the 2 already there" in answer["Reason"]
    assert equivalent(attached(owner_client, number), before)


def test_policy_sha256_is_the_same_for_equivalent_templates(resource: CustomResource, number: str) -> None:
    answer = resource.create(ResourceArn=number, Policy=policy_json(CONSUMER, OTHER_CONSUMER, arn=number))
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    rewritten = json.loads(policy_json(OTHER_CONSUMER, CONSUMER, arn=number))  # other order, one action as a string
    rewritten["Statement"][0]["Action"] = "sms-voice:SendTextMessage"
    again = resource.update(ResourceArn=number, Policy=json.dumps(rewritten, indent=2))
    assert again["Status"] == "SUCCESS", again["Reason"]
    assert again["Data"]["PolicySha256"] == answer["Data"]["PolicySha256"]
    changed = resource.update(ResourceArn=number, Policy=policy_json(CONSUMER, arn=number))
    assert changed["Data"]["PolicySha256"] != answer["Data"]["PolicySha256"]


def test_fail_mode_rollback_succeeds_beside_statements_added_after_create(
    resource: CustomResource, owner_client: Any, emulator: Any, number: str
) -> None:
    if emulator.state.default_policy is None:
        owner_client.delete_resource_policy(ResourceArn=number)  # FAIL needs a number with nothing else on it
    else:
        pytest.skip("FAIL refuses the SNS statement at create")
    properties = {"ResourceArn": number, "Policy": policy_json(CONSUMER, arn=number), "OnExistingPolicy": "FAIL"}
    assert resource.create(**properties)["Status"] == "SUCCESS"
    edited = attached(owner_client, number)
    console = {**json.loads(policy_json("999999999999", arn=number))["Statement"][0], "Sid": "Console"}
    owner_client.put_resource_policy(
        ResourceArn=number, Policy=json.dumps({**edited, "Statement": [*statements_of(edited), console]})
    )

    refused = resource.update(**{**properties, "Policy": policy_json(OTHER_CONSUMER, arn=number)})
    assert refused["Status"] == "FAILED" and refused["Reason"].endswith("Found: Sid Console")
    rollback = resource.event("Update", properties)
    rollback["OldResourceProperties"] = {**properties, "Policy": policy_json(OTHER_CONSUMER, arn=number)}
    assert resource.send(rollback)["Status"] == "SUCCESS"  # ours are in place: nothing to write, nothing refused


def test_fail_reason_fits_and_says_what_it_found(resource: CustomResource, owner_client: Any, number: str) -> None:
    statements = statements_of(attached(owner_client, number))
    ram = {
        "Effect": "Allow",
        "Principal": {"AWS": ["arn:aws:iam::210987654321:root", "arn:aws:iam::109876543210:root"]},
        "Action": "sms-voice:SendTextMessage",
        "Resource": number,
    }
    owner_client.put_resource_policy(
        ResourceArn=number, Policy=json.dumps({"Version": "2012-10-17", "Statement": [*statements, ram]})
    )

    answer = resource.create(ResourceArn=number, Policy=policy_json(CONSUMER, arn=number), OnExistingPolicy="FAIL")

    reason = answer["Reason"]
    assert answer["Status"] == "FAILED" and len(reason) <= 256 and " ... " not in reason, reason
    assert reason.startswith(f"{number.split(':')[-1]} has 2 statements this stack did not write")
    assert '"MERGE"' in reason and '"REPLACE"' in reason and "2 without a Sid" in reason
    assert "210987654321" not in reason, "other teams' principals go to the log, not the stack's events"


def test_delete_answers_once_its_statements_are_gone_from_reads(
    resource: CustomResource, owner_client: Any, number: str, emulator: Any
) -> None:
    assert resource.create(ResourceArn=number, Policy=policy_json(CONSUMER, arn=number))["Status"] == "SUCCESS"
    emulator.faults.visibility_delay_s = 1.0  # the old document is still served for a second

    assert resource.delete()["Status"] == "SUCCESS"

    assert ours(attached(owner_client, number)) == []  # read right after the answer


def test_statements_of_the_earlier_marker_format_are_this_resources_own(
    resource: CustomResource, owner_client: Any, number: str
) -> None:
    legacy = hashlib.sha256(f"{resource.stack_id}|{resource.logical_id}".encode()).hexdigest()[:12]
    policy = attached(owner_client, number)
    statement = {**json.loads(policy_json(CONSUMER, arn=number))["Statement"][0], "Sid": f"SharedSms{legacy}0"}
    policy = {"Version": "2012-10-17", "Statement": [*statements_of(policy), statement]}
    owner_client.put_resource_policy(ResourceArn=number, Policy=json.dumps(policy))
    resource.physical_id, resource.properties = (
        number,
        {"ResourceArn": number, "Policy": policy_json(CONSUMER, arn=number)},
    )

    answer = resource.update(ResourceArn=number, Policy=policy_json(OTHER_CONSUMER, arn=number))

    assert answer["Status"] == "SUCCESS", answer["Reason"]
    after = attached(owner_client, number)
    assert f"arn:aws:iam::{CONSUMER}:root" not in principals(after)  # the old-format statement was ours
    assert len(ours(after)) == 1 and len(statements_of(after)) == 2  # ours, and what was there before


@pytest.mark.parametrize("follow_up", ["rollback", "delete"])
def test_an_unconfirmed_write_is_put_back_so_what_follows_holds_once_reads_catch_up(
    resource: CustomResource, owner_client: Any, phone_number_arn: str, emulator: Any, follow_up: str
) -> None:
    """Reads lag behind writes; an update (or create) whose write never showed answers FAILED.
    CloudFormation's rollback (or Delete) then reads the old state: the policy must end up
    as CloudFormation believes it is, also after the lagging write becomes visible."""
    number = phone_number_arn
    before = attached(owner_client, number)
    if follow_up == "rollback":
        assert resource.create(ResourceArn=number, Policy=policy_json(CONSUMER, arn=number))["Status"] == "SUCCESS"
    expected = attached(owner_client, number)
    emulator.faults.visibility_delay_s = 8.0  # longer than the read-back can wait with 25 s left
    kind = "Update" if follow_up == "rollback" else "Create"
    failed = resource.send(
        resource.event(kind, {"ResourceArn": number, "Policy": policy_json("999999999999", arn=number)}),
        context=LambdaContext(timeout_s=25),
    )
    assert failed["Status"] == "FAILED" and "did not show it in time" in failed["Reason"]
    emulator.faults.visibility_delay_s = 0

    if follow_up == "rollback":
        rollback = resource.event("Update", {"ResourceArn": number, "Policy": policy_json(CONSUMER, arn=number)})
        rollback["OldResourceProperties"] = {"ResourceArn": number, "Policy": policy_json("999999999999", arn=number)}
        assert resource.send(rollback)["Status"] == "SUCCESS"
    else:
        assert resource.delete(physical_id=number)["Status"] == "SUCCESS"
        expected = before
    time.sleep(8.5)  # every write so far is visible now

    assert equivalent(attached(owner_client, number), expected)
    assert "arn:aws:iam::999999999999:root" not in principals(attached(owner_client, number))
