"""The function under every CloudFormation lifecycle path, against the emulator,
with answers received on the HTTPS sink."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared_sms_function.ownership import Owner
from tests.conftest import CONSUMER, OWNER, REGION, attached, new_phone_number
from tests.harness.cloudformation import CustomResource, LambdaContext, policy_json
from tests.harness.stack import Stack

OTHER_CONSUMER = "777788889999"


def principals(policy: dict[str, Any] | None) -> list[str]:
    assert policy is not None
    return [p for s in policy["Statement"] for p in s["Principal"]["AWS"]]


def test_create_attaches_policy_and_answers_arn_and_data(
    resource: CustomResource, owner_client: Any, phone_number_arn: str
) -> None:
    answer = resource.create(ResourceArn=phone_number_arn, Policy=policy_json(CONSUMER, arn=phone_number_arn))

    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["PhysicalResourceId"] == phone_number_arn
    assert set(answer["Data"]) == {"ResourceArn", "CreatedTimestamp", "PolicySha256"}
    assert answer["Data"]["CreatedTimestamp"].startswith("20")
    assert len(answer["Data"]["PolicySha256"]) == 64
    assert principals(attached(owner_client, phone_number_arn)) == [f"arn:aws:iam::{CONSUMER}:root"]


def test_create_with_no_policy_answered_as_empty_json(
    resource: CustomResource, emulator: Any, phone_number_arn: str
) -> None:
    emulator.state.no_policy_style = "empty"
    answer = resource.create(ResourceArn=phone_number_arn, Policy=policy_json(CONSUMER, arn=phone_number_arn))
    assert answer["Status"] == "SUCCESS", answer["Reason"]


def test_fails_create_over_foreign_policy_and_leaves_it(
    resource: CustomResource, owner_client: Any, phone_number_arn: str
) -> None:
    foreign = policy_json(OTHER_CONSUMER, arn=phone_number_arn)
    owner_client.put_resource_policy(ResourceArn=phone_number_arn, Policy=foreign)

    answer = resource.create(
        ResourceArn=phone_number_arn, Policy=policy_json(CONSUMER, arn=phone_number_arn), OnExistingPolicy="FAIL"
    )

    assert answer["Status"] == "FAILED"
    resource_id = phone_number_arn.split(":")[-1]
    assert answer["Reason"].startswith(f"{resource_id} has 1 statement this stack did not write")
    assert answer["Reason"].endswith("Found: 1 without a Sid (the function's log names their principals)")
    assert OTHER_CONSUMER not in answer["Reason"], "stack events are readable widely: no other team's principals"
    assert '"MERGE"' in answer["Reason"] and '"REPLACE"' in answer["Reason"]
    assert owner_client.get_resource_policy(ResourceArn=phone_number_arn)["Policy"] == foreign
    # CloudFormation then deletes the failed resource: the foreign policy must survive that too.
    assert resource.delete()["Status"] == "SUCCESS"
    assert owner_client.get_resource_policy(ResourceArn=phone_number_arn)["Policy"] == foreign


def test_create_with_replace_overwrites_foreign_policy(
    resource: CustomResource, owner_client: Any, phone_number_arn: str
) -> None:
    owner_client.put_resource_policy(
        ResourceArn=phone_number_arn, Policy=policy_json(OTHER_CONSUMER, arn=phone_number_arn)
    )

    answer = resource.create(
        ResourceArn=phone_number_arn, Policy=policy_json(CONSUMER, arn=phone_number_arn), OnExistingPolicy="REPLACE"
    )

    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert principals(attached(owner_client, phone_number_arn)) == [f"arn:aws:iam::{CONSUMER}:root"]


def test_update_same_arn_puts_new_policy(resource: CustomResource, owner_client: Any, phone_number_arn: str) -> None:
    resource.create(ResourceArn=phone_number_arn, Policy=policy_json(CONSUMER, arn=phone_number_arn))

    answer = resource.update(
        ResourceArn=phone_number_arn, Policy=policy_json(CONSUMER, OTHER_CONSUMER, arn=phone_number_arn)
    )

    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["PhysicalResourceId"] == phone_number_arn
    assert len(principals(attached(owner_client, phone_number_arn))) == 2


def test_update_to_new_arn_then_delete_of_old_moves_the_policy(
    resource: CustomResource, owner_client: Any, phone_number_arn: str, opt_out_list_arn: str
) -> None:
    resource.create(ResourceArn=phone_number_arn, Policy=policy_json(CONSUMER, arn=phone_number_arn))
    policy = policy_json(CONSUMER, arn=opt_out_list_arn, actions=("sms-voice:PutOptedOutNumber",))

    answer = resource.update(ResourceArn=opt_out_list_arn, Policy=policy)
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["PhysicalResourceId"] == opt_out_list_arn
    assert resource.delete(physical_id=phone_number_arn)["Status"] == "SUCCESS"  # CloudFormation's cleanup

    assert attached(owner_client, phone_number_arn) is None
    assert principals(attached(owner_client, opt_out_list_arn)) == [f"arn:aws:iam::{CONSUMER}:root"]


def test_failed_update_then_rollback_restores_old_policy_byte_for_byte(
    resource: CustomResource, owner_client: Any, phone_number_arn: str, emulator: Any
) -> None:
    resource.create(ResourceArn=phone_number_arn, Policy=policy_json(CONSUMER, arn=phone_number_arn))
    before = owner_client.get_resource_policy(ResourceArn=phone_number_arn)["Policy"]
    old_properties = dict(resource.properties)

    # The update's Put succeeds, then every read-back fails: the update answers FAILED.
    emulator.faults.visibility_delay_s = 3600
    failed = resource.send(
        resource.event(
            "Update", {"ResourceArn": phone_number_arn, "Policy": policy_json(OTHER_CONSUMER, arn=phone_number_arn)}
        ),
        context=LambdaContext(timeout_s=12),
    )
    assert failed["Status"] == "FAILED"
    emulator.faults.visibility_delay_s = 0

    # CloudFormation rolls back: an Update with old and new swapped.
    rollback = resource.event("Update", old_properties)
    rollback["OldResourceProperties"] = {
        "Policy": policy_json(OTHER_CONSUMER, arn=phone_number_arn),
        "ResourceArn": phone_number_arn,
    }
    assert resource.send(rollback)["Status"] == "SUCCESS"
    assert owner_client.get_resource_policy(ResourceArn=phone_number_arn)["Policy"] == before


def test_delete_removes_own_policy(resource: CustomResource, owner_client: Any, phone_number_arn: str) -> None:
    resource.create(ResourceArn=phone_number_arn, Policy=policy_json(CONSUMER, arn=phone_number_arn))
    assert resource.delete()["Status"] == "SUCCESS"
    assert attached(owner_client, phone_number_arn) is None


def test_delete_of_already_deleted_policy_or_resource_succeeds(
    resource: CustomResource, owner_client: Any, phone_number_arn: str
) -> None:
    resource.create(ResourceArn=phone_number_arn, Policy=policy_json(CONSUMER, arn=phone_number_arn))
    owner_client.delete_resource_policy(ResourceArn=phone_number_arn)
    assert resource.delete()["Status"] == "SUCCESS"
    owner_client.release_phone_number(PhoneNumberId=phone_number_arn.rsplit("/", 1)[1])
    answer = resource.delete()
    assert answer["Status"] == "SUCCESS", answer["Reason"]


def test_delete_after_failed_create_makes_no_call(resource: CustomResource, emulator: Any) -> None:
    answer = resource.create(ResourceArn="not-an-arn", Policy="{}")
    assert answer["Status"] == "FAILED" and "ResourceArn" in answer["Reason"]
    emulator.state.calls.clear()
    assert resource.delete()["Status"] == "SUCCESS"
    assert sum(emulator.state.calls.values()) == 0


def test_a_delete_under_cloudformations_own_id_removes_what_the_create_wrote(
    resource: CustomResource, owner_client: Any, phone_number_arn: str
) -> None:
    """When another resource fails, CloudFormation cancels a Create still running and sends its
    Delete with an id of its own making (review of issue 20, H1): the grant must not stay."""
    properties = {"ResourceArn": phone_number_arn, "Policy": policy_json(CONSUMER, arn=phone_number_arn)}
    assert resource.create(**properties)["Status"] == "SUCCESS"
    delete = resource.event("Delete", properties, PhysicalResourceId="SmsShares-SharedSmsPolicy-1A2B3C4D5E6F")
    assert resource.send(delete)["Status"] == "SUCCESS"
    assert attached(owner_client, phone_number_arn) is None


def test_delete_leaves_policy_another_stack_replaced(
    resource: CustomResource, function: Any, sink: Any, owner_client: Any, phone_number_arn: str
) -> None:
    resource.create(ResourceArn=phone_number_arn, Policy=policy_json(CONSUMER, arn=phone_number_arn))
    other_stack = CustomResource(
        handler=function.handler,
        sink=sink,
        logical_id="TakeOver",
        stack_id=resource.stack_id.replace("SmsProducer", "OtherStack"),
    )
    taken = other_stack.create(
        ResourceArn=phone_number_arn,
        Policy=policy_json(OTHER_CONSUMER, arn=phone_number_arn),
        OnExistingPolicy="REPLACE",
    )
    assert taken["Status"] == "SUCCESS", taken["Reason"]

    assert resource.delete()["Status"] == "SUCCESS"
    assert principals(attached(owner_client, phone_number_arn)) == [f"arn:aws:iam::{OTHER_CONSUMER}:root"]


def test_delete_removes_only_own_statements_after_a_hand_edit(
    resource: CustomResource, owner_client: Any, phone_number_arn: str
) -> None:
    resource.create(ResourceArn=phone_number_arn, Policy=policy_json(CONSUMER, arn=phone_number_arn))
    edited = attached(owner_client, phone_number_arn)
    assert edited is not None
    edited["Statement"].append(
        {
            "Sid": "AddedByHand",
            "Effect": "Allow",
            "Principal": {"AWS": OTHER_CONSUMER},
            "Action": "sms-voice:SendTextMessage",
            "Resource": phone_number_arn,
        }
    )
    owner_client.put_resource_policy(ResourceArn=phone_number_arn, Policy=json.dumps(edited))

    assert resource.delete()["Status"] == "SUCCESS"
    left = attached(owner_client, phone_number_arn)
    assert left is not None and [s["Sid"] for s in left["Statement"]] == ["AddedByHand"]


def test_read_after_write_delay_is_waited_out(resource: CustomResource, emulator: Any, phone_number_arn: str) -> None:
    emulator.faults.visibility_delay_s = 1.0
    answer = resource.create(ResourceArn=phone_number_arn, Policy=policy_json(CONSUMER, arn=phone_number_arn))
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert emulator.call_count("GetResourcePolicy") >= 3  # the first read-backs saw the old state


def test_ten_thousand_character_policy_fits_the_answer(
    resource: CustomResource, owner_client: Any, phone_number_arn: str
) -> None:
    accounts = [f"{n:012d}" for n in range(100000000000, 100000000000 + 400)]
    statement = json.loads(policy_json(*accounts, arn=phone_number_arn))
    while len(json.dumps(statement, separators=(",", ":"))) > 9_960:  # room for the Sid marker
        statement["Statement"][0]["Principal"]["AWS"].pop()
    policy = json.dumps(statement, separators=(",", ":"))

    answer = resource.create(ResourceArn=phone_number_arn, Policy=policy)

    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["_bytes"] <= 4096
    assert accounts[0] in policy and accounts[0] not in json.dumps(answer), "the answer does not echo the policy"


def test_fails_policy_over_service_limit_with_clear_reason(resource: CustomResource, phone_number_arn: str) -> None:
    accounts = [f"{n:012d}" for n in range(100000000000, 100000000000 + 400)]
    answer = resource.create(ResourceArn=phone_number_arn, Policy=policy_json(*accounts, arn=phone_number_arn))
    assert answer["Status"] == "FAILED"
    assert "10000" in answer["Reason"] and answer["_bytes"] <= 4096


def test_fails_fast_on_missing_resource_with_service_reason(resource: CustomResource, emulator: Any) -> None:
    arn = "arn:aws:sms-voice:us-east-1:111122223333:pool/pool-0123456789abcdef0123456789abcdef"
    answer = resource.create(ResourceArn=arn, Policy=policy_json(CONSUMER, arn=arn))
    assert answer["Status"] == "FAILED"
    assert "does not exist" in answer["Reason"] and arn in answer["Reason"]
    assert emulator.call_count("GetResourcePolicy") == 1  # not retried


def test_throttling_and_5xx_are_retried(resource: CustomResource, emulator: Any, phone_number_arn: str) -> None:
    emulator.faults.throttle_next = 2
    emulator.faults.fail_next = 1
    answer = resource.create(ResourceArn=phone_number_arn, Policy=policy_json(CONSUMER, arn=phone_number_arn))
    assert answer["Status"] == "SUCCESS", answer["Reason"]


@pytest.mark.parametrize("fault", ["throttle_next", "fail_next", "deny_next"])
def test_a_write_that_did_not_go_through_is_merged_again_not_sent_again(
    resource: CustomResource,
    emulator: Any,
    owner_client: Any,
    phone_number_arn: str,
    fault: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another writer's Put lands while this one's Put is throttled (or failed with a 5xx, or
    denied while IAM applies a role change). Sending the same Put again, as botocore's
    standard retries do a second later, would drop the other writer's statement: there is no
    conditional Put. The write is read again and merged again instead."""
    first = "444455556666"  # a statement already there: the create's first read succeeds
    owner_client.put_resource_policy(ResourceArn=phone_number_arn, Policy=policy_json(first, arn=phone_number_arn))
    theirs = policy_json(first, OTHER_CONSUMER, arn=phone_number_arn)
    emulator.faults.after["GetResourcePolicy"] = {fault: 1}  # the request after the first read: the Put
    take = emulator.faults.take

    def another_writer_lands_meanwhile() -> str | None:
        decided = take()
        if decided is not None:
            owner_client.put_resource_policy(ResourceArn=phone_number_arn, Policy=theirs)
        return decided

    monkeypatch.setattr(emulator.faults, "take", another_writer_lands_meanwhile)

    answer = resource.create(ResourceArn=phone_number_arn, Policy=policy_json(CONSUMER, arn=phone_number_arn))

    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert getattr(emulator.faults, fault) == 0 and emulator.faults.after == {}, "the fault was met"
    assert sorted(principals(attached(owner_client, phone_number_arn))) == sorted(
        f"arn:aws:iam::{account}:root" for account in (first, OTHER_CONSUMER, CONSUMER)
    )


def test_refuses_to_start_a_call_it_could_not_finish_and_answers_failed_once(
    resource: CustomResource, emulator: Any, owner_client: Any, phone_number_arn: str
) -> None:
    emulator.faults.latency_s = 2.0
    answer = resource.send(
        resource.event(
            "Create", {"ResourceArn": phone_number_arn, "Policy": policy_json(CONSUMER, arn=phone_number_arn)}
        ),
        context=LambdaContext(timeout_s=1.5),
    )
    emulator.faults.latency_s = 0
    assert answer["Status"] == "FAILED" and "time" in answer["Reason"]
    assert attached(owner_client, phone_number_arn) is None  # nothing written after the FAILED answer


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda e: e["ResourceProperties"].pop("Policy"), "Policy must be"),
        (lambda e: e["ResourceProperties"].update(Policy=42), "Policy must be"),
        (lambda e: e["ResourceProperties"].update(Policy="{not json"), "not valid JSON"),
        (lambda e: e["ResourceProperties"].update(OnExistingPolicy="UPSERT"), "OnExistingPolicy"),
        (lambda e: e["ResourceProperties"].update(ResourceArn=["a"]), "ResourceArn"),
        (lambda e: e.update(ResourceProperties="oops"), "ResourceProperties"),
        (lambda e: e.pop("StackId"), "StackId"),
        (lambda e: e.update(RequestType="Upsert"), "RequestType"),
        (lambda e: e.update(ResourceType="Custom::Other"), "Custom::SmsResourcePolicy"),
    ],
)
def test_fails_malformed_events_with_clear_reason(
    resource: CustomResource, phone_number_arn: str, mutate: Any, expected: str
) -> None:
    event = resource.event(
        "Create", {"ResourceArn": phone_number_arn, "Policy": policy_json(CONSUMER, arn=phone_number_arn)}
    )
    mutate(event)
    answer = resource.send(event)
    assert answer["Status"] == "FAILED"
    assert expected in answer["Reason"]


def test_event_without_response_url_is_logged_not_crashed(function: Any, caplog: pytest.LogCaptureFixture) -> None:
    function.handler({"RequestType": "Create"}, None)
    assert "cannot answer" in caplog.text


def test_fails_fast_with_the_services_code_and_reason(
    resource: CustomResource, consumer_client: Any, emulator: Any
) -> None:
    # A resource of another account: the service answers ValidationException (RESOURCE_NOT_ACCESSIBLE).
    arn = consumer_client.create_opt_out_list(OptOutListName="theirs")["OptOutListArn"]
    emulator.state.calls.clear()
    answer = resource.create(ResourceArn=arn, Policy=policy_json(CONSUMER, arn=arn))
    assert answer["Status"] == "FAILED"
    assert "ValidationException (RESOURCE_NOT_ACCESSIBLE)" in answer["Reason"] and arn in answer["Reason"]
    assert emulator.call_count("GetResourcePolicy") == 1  # not retried


class _Overtaken:
    """``stack``, creating until the Create has written, then in ``later``: CloudFormation sent
    the Create while creating, and another resource failed while it ran."""

    def __init__(self, stack: Stack, written: Any, later: str) -> None:
        self._stack, self._written, self._later = stack, written, later

    @property
    def status(self) -> str:
        return self._later if self._written() else "CREATE_IN_PROGRESS"

    @status.setter
    def status(self, _: str) -> None:
        pass  # the harness sets the status of a plain send; this one moves on its own

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stack, name)


@pytest.mark.parametrize(
    "status",
    [
        "ROLLBACK_IN_PROGRESS",
        "UPDATE_ROLLBACK_IN_PROGRESS",
        # A failed update deletes what it created in its cleanup phase: the cancelled Create's
        # Delete may run there, or before, and the stack may have finished meanwhile.
        "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
        "UPDATE_ROLLBACK_COMPLETE",
        "ROLLBACK_COMPLETE",
        "UPDATE_ROLLBACK_FAILED",
    ],
)
def test_a_create_overtaken_by_a_rollback_leaves_nothing(
    resource: CustomResource, emulator: Any, owner_client: Any, phone_number_arn: str, status: str
) -> None:
    """Another resource failed while this Create ran: CloudFormation cancels it and sends its
    Delete at once, which may find nothing yet (review of issue 20, H1). The Create reads its
    stack's status after writing and removes what it wrote unless the stack is still creating
    or updating forward."""
    resource.stack = _Overtaken(resource.stack, lambda: emulator.call_count("PutResourcePolicy") > 0, status)
    answer = resource.create(ResourceArn=phone_number_arn, Policy=policy_json(CONSUMER, arn=phone_number_arn))
    assert answer["Status"] == "FAILED" and "rolling back" in answer["Reason"]
    assert attached(owner_client, phone_number_arn) is None


def test_a_rollback_asks_its_stacks_status_again_while_iam_applies_the_roles_policy(
    resource: CustomResource,
    function: Any,
    emulator: Any,
    owner_client: Any,
    phone_number_arn: str,
    local_drivers: Any,
    cloudformation_server: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The rollback of a policy moved off a number released meanwhile succeeds only when the
    function can tell it is a rollback (DescribeStacks on its own stack). When the role's policy
    was changed in the same deployment, IAM denies the read for a few seconds: the function asks
    again, as it does for the policy operations, rather than taking the rollback for a forward
    update and leaving the stack in UPDATE_ROLLBACK_FAILED."""
    from shared_sms_function.client import cloudformation_client
    from tests.fakes.sms_voice.iam import function_key, role_arn

    moved_to = new_phone_number(owner_client)
    assert resource.create(ResourceArn=moved_to, Policy=policy_json(CONSUMER, arn=moved_to))["Status"] == "SUCCESS"
    owner_client.release_phone_number(PhoneNumberId=phone_number_arn.rsplit("/", 1)[1])
    role = role_arn("aws", OWNER, "SmsProducer-FunctionRole")
    emulator.iam.bind(resource.stack_id, role)
    emulator.iam.propagation_delay_s = 2.5  # two denied reads (pauses of 1 s and 2 s), then allowed
    describe = {
        "Effect": "Allow",
        "Action": ["cloudformation:DescribeStacks", "cloudformation:DescribeStackResource"],
        "Resource": resource.stack_id,
    }
    emulator.iam.put_role_policy(role, "shared-sms-function", {"Version": "2012-10-17", "Statement": [describe]})
    stacks = cloudformation_client(
        REGION, aws_access_key_id=function_key(resource.stack_id), aws_secret_access_key="emulated"
    )
    monkeypatch.setattr(function, "STACKS", stacks)
    resource.stack_status = "UPDATE_ROLLBACK_IN_PROGRESS"
    # The rollback's Update: back from the number it moved to, to the released one.
    answer = resource.update(ResourceArn=phone_number_arn, Policy=policy_json(CONSUMER, arn=phone_number_arn))
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert [action for _, action, _ in emulator.iam.denied] == ["cloudformation:DescribeStacks"] * 2


def test_a_fail_mode_rollback_that_meets_statements_added_since_merges_instead_of_failing(
    resource: CustomResource, owner_client: Any, phone_number_arn: str, local_drivers: Any
) -> None:
    """Under FAIL, a forward update refuses statements this stack did not write; its rollback
    must not (the stack would stay in UPDATE_ROLLBACK_FAILED until someone removed them): it
    puts the old statements back beside them."""
    arn = phone_number_arn
    first, second = policy_json(CONSUMER, arn=arn), policy_json(CONSUMER, OTHER_CONSUMER, arn=arn)
    assert resource.create(ResourceArn=arn, Policy=first, OnExistingPolicy="FAIL")["Status"] == "SUCCESS"
    assert resource.update(ResourceArn=arn, Policy=second, OnExistingPolicy="FAIL")["Status"] == "SUCCESS"
    live = attached(owner_client, arn)
    assert live is not None
    console = {"Sid": "Console", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::999999999999:root"]}}
    live["Statement"].append({**console, "Action": "sms-voice:SendTextMessage", "Resource": arn})
    owner_client.put_resource_policy(ResourceArn=arn, Policy=json.dumps(live))

    forward = resource.update(ResourceArn=arn, Policy=first, OnExistingPolicy="FAIL")
    assert forward["Status"] == "FAILED" and "did not write" in forward["Reason"], "a forward update refuses"

    resource.stack_status = "UPDATE_ROLLBACK_IN_PROGRESS"
    rollback = resource.update(ResourceArn=arn, Policy=first, OnExistingPolicy="FAIL")
    assert rollback["Status"] == "SUCCESS", rollback["Reason"]
    assert sorted(principals(attached(owner_client, arn))) == sorted(
        [f"arn:aws:iam::{CONSUMER}:root", "arn:aws:iam::999999999999:root"]
    )


@pytest.mark.parametrize("mode", ["REPLACE", "FAIL"])
def test_a_copied_marker_of_the_same_stack_is_foreign_unless_cloudformation_vouches_for_it(
    resource: CustomResource, owner_client: Any, phone_number_arn: str, local_drivers: Any, mode: str
) -> None:
    """A marker is a hash anyone who may edit the policy can copy (issue 23). Under REPLACE the
    same stack's statements are kept, and FAIL does not refuse them: a public grant carrying the
    stack's marker for a logical id the stack does not have would outlive every deployment. It
    counts as the stack's only when the stack has that logical id on this ARN (a renamed policy,
    until the cleanup deletes it)."""
    from tests.harness.stack import Deployed

    arn = phone_number_arn
    public = {"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": "sms-voice:*", "Resource": arn}
    renamed = {"Effect": "Allow", "Principal": {"AWS": [f"arn:aws:iam::{CONSUMER}:root"]}, "Resource": arn}
    forged = Owner.of(resource.stack_id, "Ghost").stamp([public])
    kept = Owner.of(resource.stack_id, "OldName").stamp([{**renamed, "Action": "sms-voice:SendTextMessage"}])
    owner_client.put_resource_policy(ResourceArn=arn, Policy=json.dumps({"Statement": [*forged, *kept]}))
    resource.stack_status = "UPDATE_IN_PROGRESS"
    resource.stack.resources["OldName"] = Deployed("Custom::SmsResourcePolicy", arn, {}, {})
    answer = resource.create(ResourceArn=arn, Policy=policy_json(OTHER_CONSUMER, arn=arn), OnExistingPolicy=mode)

    sids = [s["Sid"] for s in (attached(owner_client, arn) or {}).get("Statement", [])]
    if mode == "FAIL":
        assert answer["Status"] == "FAILED" and forged[0]["Sid"] in answer["Reason"], answer["Reason"]
        assert kept[0]["Sid"] not in answer["Reason"], "the renamed policy's statement is the stack's own"
        assert sids == [forged[0]["Sid"], kept[0]["Sid"]], "left unchanged"
    else:
        assert answer["Status"] == "SUCCESS", answer["Reason"]
        assert forged[0]["Sid"] not in sids, "REPLACE removes a statement whose marker nothing vouches for"
        assert kept[0]["Sid"] in sids and len(sids) == 2
