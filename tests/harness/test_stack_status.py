"""The stack statuses of the local CloudFormation driver, as the CloudFormation emulator serves them.

Each phase of an operation sets CloudFormation's StackStatus as it starts, and the session's
CloudFormation emulator (``cloudformation_server``) serves it live, so a custom resource reads
UPDATE_ROLLBACK_IN_PROGRESS during a rollback Update (DOMAIN.md, "Custom resources"). A failed
create leaves the stack in ROLLBACK_COMPLETE, which ``cdk deploy`` deletes before it creates the
stack again (the CDK CLI's ``isCreationFailure``: ROLLBACK_COMPLETE or ROLLBACK_FAILED); a failed
delete leaves DELETE_FAILED, which refuses updates ("Stack:... is in DELETE_FAILED state and can
not be updated."). The emulator reads the caller's account from its access key's last 12 digits,
as the function's role session keys (``ASIA...``) carry it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.conftest import CONSUMER, OWNER, REGION, attached, client_for, new_phone_number
from tests.fakes.cloudformation.server import LocalDrivers
from tests.harness.deploy import LocalCloudFormation, StackOperationError, TemplateValidationError
from tests.harness.test_deploy import STACK, deploy, failing, policy
from tests.harness.test_deploy_strict import ScriptedFunction, custom, fails, scripted

__all__ = ["scripted"]

ROLE_SESSION_KEY = f"ASIA1A2B3C4D{OWNER}"  # the shape of the keys a function's role session signs with


@pytest.fixture()
def served(cloudformation: LocalCloudFormation, local_drivers: LocalDrivers) -> Iterator[LocalCloudFormation]:
    """The driver, its stacks served by the session's CloudFormation emulator (where the function reads them)."""
    local_drivers.add(cloudformation)
    yield cloudformation
    local_drivers.clear()


@pytest.fixture()
def stacks(cloudformation_server: Any) -> Any:
    """CloudFormation as a function's role session reads it."""
    return boto3.client(
        "cloudformation",
        region_name=REGION,
        endpoint_url=cloudformation_server.url,
        aws_access_key_id=ROLE_SESSION_KEY,
        aws_secret_access_key="emulated",
    )


def test_each_phase_sets_the_stack_status_which_the_emulator_serves_while_custom_resources_run(
    served: LocalCloudFormation, scripted: ScriptedFunction, stacks: Any, tmp_path: Path
) -> None:
    seen: list[tuple[str, str, str]] = []
    answer_as_scripted = scripted.script

    def note_status(event: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any] | str:
        (described,) = stacks.describe_stacks(StackName=event["StackId"])["Stacks"]
        seen.append((event["LogicalResourceId"], event["RequestType"], described["StackStatus"]))
        return answer_as_scripted(event, answer)

    scripted.script = note_status
    deploy(served, tmp_path / "create", {"Kept": custom(Version="1"), "Leaving": custom()})
    assert served.stacks[STACK].status == "CREATE_COMPLETE"
    deploy(served, tmp_path / "update", {"Kept": custom(Version="2")})
    assert served.stacks[STACK].status == "UPDATE_COMPLETE"
    with pytest.raises(StackOperationError):
        deploy(served, tmp_path / "fail", {"Kept": custom(Version="3"), "Fails": fails("Kept")})
    assert served.stacks[STACK].status == "UPDATE_ROLLBACK_COMPLETE"
    (described,) = stacks.describe_stacks(StackName=STACK)["Stacks"]
    assert described["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    summaries = stacks.list_stack_resources(StackName=STACK)["StackResourceSummaries"]
    assert {s["LogicalResourceId"]: s["ResourceStatus"] for s in summaries} == {
        "Placeholder": "CREATE_COMPLETE",
        "Kept": "UPDATE_COMPLETE",  # rolled back by an Update
    }
    served.delete_stack(STACK)

    assert sorted(seen) == sorted(
        [
            ("Kept", "Create", "CREATE_IN_PROGRESS"),
            ("Leaving", "Create", "CREATE_IN_PROGRESS"),
            ("Kept", "Update", "UPDATE_IN_PROGRESS"),
            ("Leaving", "Delete", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"),
            ("Kept", "Update", "UPDATE_IN_PROGRESS"),
            ("Fails", "Create", "UPDATE_IN_PROGRESS"),
            ("Kept", "Update", "UPDATE_ROLLBACK_IN_PROGRESS"),  # the rollback: old and new swapped
            ("Fails", "Delete", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"),
            ("Kept", "Delete", "DELETE_IN_PROGRESS"),
        ]
    )
    assert STACK not in served.stacks
    with pytest.raises(stacks.exceptions.ClientError, match="does not exist"):
        stacks.describe_stacks(StackName=STACK)


def test_a_failed_create_leaves_rollback_complete_which_the_next_deploy_deletes_first(
    served: LocalCloudFormation, scripted: ScriptedFunction, stacks: Any, tmp_path: Path
) -> None:
    with pytest.raises(StackOperationError):
        deploy(served, tmp_path / "fails", {"Made": custom(), "Fails": fails("Made")})
    failed = served.stacks[STACK]
    assert (failed.status, failed.resources) == ("ROLLBACK_COMPLETE", {})
    (described,) = stacks.describe_stacks(StackName=STACK)["Stacks"]
    assert (described["StackId"], described["StackStatus"]) == (failed.stack_id, "ROLLBACK_COMPLETE")
    assert [r for r, _ in scripted.sent("Made")] == ["Create", "Delete"]

    deploy(served, tmp_path / "again", {"Made": custom()})  # `cdk deploy` deletes the failed stack first
    again = served.stacks[STACK]
    assert again.status == "CREATE_COMPLETE"
    assert again.stack_id != failed.stack_id  # a new stack


def test_a_failed_delete_leaves_delete_failed_which_refuses_updates(
    served: LocalCloudFormation, scripted: ScriptedFunction, stacks: Any, tmp_path: Path
) -> None:
    deploy(served, tmp_path / "first", {"Stuck": custom(Name="stuck"), "Other": custom()})
    scripted.script = lambda event, answer: (
        {**answer, "Status": "FAILED", "Reason": "cannot"} if event["RequestType"] == "Delete" else answer
    )
    with pytest.raises(StackOperationError, match="cannot"):
        served.delete_stack(STACK)
    assert served.stacks[STACK].status == "DELETE_FAILED"
    (described,) = stacks.describe_stacks(StackName=STACK)["Stacks"]
    assert described["StackStatus"] == "DELETE_FAILED"
    sent = len(scripted.received)
    with pytest.raises(TemplateValidationError, match="is in DELETE_FAILED state and can not be updated"):
        deploy(served, tmp_path / "second", {"Stuck": custom(Name="changed")})
    assert len(scripted.received) == sent  # refused before anything was sent

    scripted.script = lambda event, answer: answer
    served.delete_stack(STACK)  # a delete may be tried again
    assert STACK not in served.stacks


def test_a_rollback_update_reads_update_rollback_in_progress_from_cloudformation(
    served: LocalCloudFormation, emulator: Any, cloudformation_server: Any, tmp_path: Path
) -> None:
    """The real function, in its Lambda workers: the rollback of a policy moved off a number released
    meanwhile succeeds only when DescribeStacks on its own stack says UPDATE_ROLLBACK_IN_PROGRESS."""
    owner = client_for(OWNER, emulator)
    old_number, new_number = new_phone_number(owner), new_phone_number(owner)
    deploy(served, tmp_path / "first", {"Policy": policy(old_number, CONSUMER)})
    owner.release_phone_number(PhoneNumberId=old_number)  # the team retires the old number

    moved = {"Policy": policy(new_number, CONSUMER), "Fails": failing(DependsOn="Policy")}
    asked = cloudformation_server.call_count("DescribeStacks")
    with pytest.raises(StackOperationError) as failed:  # not RollbackFailedError
        deploy(served, tmp_path / "second", moved)
    assert failed.value.logical_id == "Fails"
    assert served.stacks[STACK].status == "UPDATE_ROLLBACK_COMPLETE"
    events = [
        (e["event"]["RequestType"], e["event"].get("PhysicalResourceId"), e["answer"]["Status"])
        for e in served.events
        if e["event"]["LogicalResourceId"] == "Policy"
    ]
    assert events == [
        ("Create", None, "SUCCESS"),
        ("Update", old_number, "SUCCESS"),  # moved to the new number
        ("Update", new_number, "SUCCESS"),  # the rollback: nothing to restore on the released number
        ("Delete", new_number, "SUCCESS"),  # the rollback's cleanup
    ]
    assert attached(owner, new_number) is None
    assert cloudformation_server.call_count("DescribeStacks") > asked  # the function asked, from its worker
