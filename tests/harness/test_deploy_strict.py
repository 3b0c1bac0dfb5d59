"""The local CloudFormation driver as strict as CloudFormation where it used to be kinder.

(Stack statuses, and the CloudFormation emulator serving them: test_stack_status.py.)

- Cleanup phases: "CloudFormation tries to delete a resource three times before CloudFormation
  skips the resource and continues the cleanup process" (AWS re:Post, "Why is my CloudFormation
  stack stuck in UPDATE_COMPLETE_CLEANUP_IN_PROGRESS").
- A failed rollback leaves UPDATE_ROLLBACK_FAILED, which refuses updates until
  ContinueUpdateRollback, whose ResourcesToSkip "can specify only resources that are in the
  UPDATE_FAILED state because a rollback failed".
- Answers ("Custom resource response objects"): Status SUCCESS or FAILED, a non-empty
  PhysicalResourceId of at most 1 KB, RequestId/StackId/LogicalResourceId copied from the
  request, at most 4,096 bytes; a violation fails the resource.
- Fn::GetAtt on a custom resource reads its latest answer's Data: a missing key fails the
  operation ("CustomResource attribute error: Vendor response doesn't contain ... key"), in
  Outputs (resolved at the end of every operation) and in properties.

The tests answer with a scripted function (``ScriptedFunction``), to produce answers the real one
never sends.
"""

from __future__ import annotations

import json
import ssl
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.harness.deploy import (
    LocalCloudFormation,
    RollbackFailedError,
    SkippedDelete,
    StackOperationError,
    TemplateValidationError,
)
from tests.harness.https_sink import HttpsSink
from tests.harness.test_deploy import PLACEHOLDER, STACK, TOKEN, deploy, write_assembly


def custom(depends_on: str | None = None, **properties: Any) -> dict[str, Any]:
    """A custom resource the scripted function serves; its answer's Data is its ``Data`` property."""
    resource: dict[str, Any] = {"Type": "Custom::SmsTest", "Properties": {"ServiceToken": TOKEN, **properties}}
    return {**resource, "DependsOn": depends_on} if depends_on else resource


def fails(depends_on: str | None = None) -> dict[str, Any]:
    """A custom resource the scripted function answers FAILED."""
    return custom(depends_on, Fail="yes")


class ScriptedFunction:
    """Answers each event on the HTTPS sink: SUCCESS, echoing the event, with the resource's
    ``Data`` property as Data and a new physical id on Create; FAILED to a Create or Update of a
    resource whose ``Fail`` property is set. ``script(event, answer)`` may return another answer (a dict) or a
    raw body (a string) instead."""

    def __init__(self, sink: HttpsSink) -> None:
        self._context = ssl.create_default_context(cafile=str(sink.ca_file))
        self.script: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any] | str] = lambda event, answer: answer
        self.received: list[dict[str, Any]] = []

    def invoke(self, event: dict[str, Any], timeout_s: float = 300.0) -> None:
        self.received.append(event)
        props = event["ResourceProperties"]
        fail = bool(props.get("Fail")) and event["RequestType"] != "Delete"
        physical = event.get("PhysicalResourceId") or f"{event['LogicalResourceId']}-{len(self.received)}"
        answer: dict[str, Any] = {
            "Status": "FAILED" if fail else "SUCCESS",
            "Reason": "asked to fail" if fail else "",
            "PhysicalResourceId": physical,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": props.get("Data", {}),
        }
        sent = self.script(event, answer)
        body = sent if isinstance(sent, str) else json.dumps(sent)
        request = urllib.request.Request(event["ResponseURL"], data=body.encode(), method="PUT")
        with urllib.request.urlopen(request, context=self._context, timeout=10):
            pass

    def sent(self, logical_id: str) -> list[tuple[str, dict[str, Any]]]:
        """(RequestType, ResourceProperties) of every event ``logical_id`` received."""
        events = [e for e in self.received if e["LogicalResourceId"] == logical_id]
        return [(e["RequestType"], e["ResourceProperties"]) for e in events]


@pytest.fixture()
def scripted(cloudformation: LocalCloudFormation, sink: HttpsSink) -> ScriptedFunction:
    function = ScriptedFunction(sink)
    cloudformation.lambdas = function
    return function


# -- 2. cleanup: three tries, then skipped -------------------------------------------------------------
def test_a_cleanup_delete_that_keeps_failing_is_tried_three_times_then_skipped(
    cloudformation: LocalCloudFormation, scripted: ScriptedFunction, tmp_path: Path
) -> None:
    deploy(cloudformation, tmp_path / "first", {"Kept": custom(), "Leaving": custom(), "Flaky": custom()})
    leaving = cloudformation.stacks[STACK].resources["Leaving"].physical_id
    flaky_failures = iter(range(2))

    def deletes_fail(event: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
        refused = event["LogicalResourceId"] in ("Leaving", "Added") or (
            event["LogicalResourceId"] == "Flaky" and next(flaky_failures, None) is not None
        )
        if event["RequestType"] == "Delete" and refused:
            return {**answer, "Status": "FAILED", "Reason": f"AccessDenied on {event['PhysicalResourceId']}"}
        return answer

    scripted.script = deletes_fail
    deploy(cloudformation, tmp_path / "second", {"Kept": custom()})  # completes all the same
    assert cloudformation.stacks[STACK].status == "UPDATE_COMPLETE"
    assert set(cloudformation.stacks[STACK].resources) == {"Placeholder", "Kept"}
    assert [r for r, _ in scripted.sent("Leaving")] == ["Create", "Delete", "Delete", "Delete"]
    assert [r for r, _ in scripted.sent("Flaky")] == ["Create", "Delete", "Delete", "Delete"]  # third try worked
    assert cloudformation.skipped == [SkippedDelete(STACK, "Leaving", leaving, f"AccessDenied on {leaving}")]

    # The rollback's cleanup (UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS) skips the same way.
    with pytest.raises(StackOperationError):
        deploy(cloudformation, tmp_path / "third", {"Kept": custom(), "Added": custom(), "Fails": fails()})
    assert cloudformation.stacks[STACK].status == "UPDATE_ROLLBACK_COMPLETE"
    assert set(cloudformation.stacks[STACK].resources) == {"Placeholder", "Kept"}
    assert [r for r, _ in scripted.sent("Added")] == ["Create", "Delete", "Delete", "Delete"]
    assert [s.logical_id for s in cloudformation.skipped] == ["Leaving", "Added"]


# -- 3. UPDATE_ROLLBACK_FAILED and ContinueUpdateRollback ---------------------------------------------
def _fail_rollback_of(scripted: ScriptedFunction, logical_id: str) -> list[bool]:
    """Make the rollback Updates of ``logical_id`` (Version 1 again) fail while the switch is on."""
    switch = [True]

    def refuse(event: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
        rolling_back = event["RequestType"] == "Update" and event["ResourceProperties"].get("Version") == "1"
        if event["LogicalResourceId"] == logical_id and rolling_back and switch[0]:
            return {**answer, "Status": "FAILED", "Reason": "the old state cannot come back"}
        return answer

    scripted.script = refuse
    return switch


def test_a_failed_rollback_leaves_update_rollback_failed_until_continue_update_rollback(
    cloudformation: LocalCloudFormation, scripted: ScriptedFunction, tmp_path: Path
) -> None:
    deploy(cloudformation, tmp_path / "first", {"Changed": custom(Version="1")})
    switch = _fail_rollback_of(scripted, "Changed")
    second = {"Changed": custom(Version="2"), "Added": custom(), "Fails": fails("Changed")}
    with pytest.raises(RollbackFailedError) as failed:
        deploy(cloudformation, tmp_path / "second", second)
    assert failed.value.cause.logical_id == "Fails" and failed.value.error.logical_id == "Changed"
    stack = cloudformation.stacks[STACK]
    assert stack.status == "UPDATE_ROLLBACK_FAILED"
    assert stack.resources["Changed"].properties["Version"] == "2"  # as it stands
    assert {"Added", "Fails"} <= set(stack.resources)  # created, not cleaned up yet

    sent = len(scripted.received)
    with pytest.raises(TemplateValidationError, match="is in UPDATE_ROLLBACK_FAILED state and can not be updated"):
        deploy(cloudformation, tmp_path / "first", {"Changed": custom(Version="1")})
    with pytest.raises(TemplateValidationError, match="UPDATE_FAILED"):  # Fails failed forward, not in the rollback
        cloudformation.continue_update_rollback(STACK, resources_to_skip=["Fails"])
    assert len(scripted.received) == sent

    with pytest.raises(RollbackFailedError):  # nothing fixed yet: fails again
        cloudformation.continue_update_rollback(STACK)
    assert cloudformation.stacks[STACK].status == "UPDATE_ROLLBACK_FAILED"

    switch[0] = False  # the cause is fixed
    cloudformation.continue_update_rollback(STACK)
    stack = cloudformation.stacks[STACK]
    assert stack.status == "UPDATE_ROLLBACK_COMPLETE"
    assert set(stack.template["Resources"]) == {"Placeholder", "Changed"}  # the old template
    assert set(stack.resources) == {"Placeholder", "Changed"}
    assert stack.resources["Changed"].properties["Version"] == "1"
    assert [r for r, p in scripted.sent("Changed")] == ["Create", "Update", "Update", "Update", "Update"]
    assert [r for r, _ in scripted.sent("Added")] == ["Create", "Delete"]
    deploy(cloudformation, tmp_path / "third", {"Changed": custom(Version="3")})  # updatable again


def test_continue_update_rollback_sends_nothing_to_the_resources_it_skips(
    cloudformation: LocalCloudFormation, scripted: ScriptedFunction, tmp_path: Path
) -> None:
    deploy(cloudformation, tmp_path / "first", {"Changed": custom(Version="1")})
    before = cloudformation.stacks[STACK].resources["Changed"]
    _fail_rollback_of(scripted, "Changed")
    with pytest.raises(RollbackFailedError):
        deploy(cloudformation, tmp_path / "second", {"Changed": custom(Version="2"), "Fails": fails("Changed")})
    sent = len(scripted.sent("Changed"))

    cloudformation.continue_update_rollback(STACK, resources_to_skip=["Changed"])
    stack = cloudformation.stacks[STACK]
    assert stack.status == "UPDATE_ROLLBACK_COMPLETE"
    assert len(scripted.sent("Changed")) == sent  # skipped: counted as rolled back, sent nothing
    assert stack.resources["Changed"] == before
    assert set(stack.resources) == {"Placeholder", "Changed"}  # the failed create was cleaned up
    with pytest.raises(TemplateValidationError, match="UPDATE_ROLLBACK_COMPLETE"):
        cloudformation.continue_update_rollback(STACK)


# -- 4. answers checked as CloudFormation checks them ---------------------------------------------------
@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"Status": "FAILURE"}, "Invalid Response object: 'FAILURE' is not a valid ResponseStatus"),
        ({"Status": None}, "Invalid Response object: None is not a valid ResponseStatus"),
        ({"PhysicalResourceId": ""}, "Invalid PhysicalResourceId"),
        ({"PhysicalResourceId": None}, "Invalid PhysicalResourceId"),
        ({"PhysicalResourceId": "p" * 1025}, "Invalid PhysicalResourceId"),
        ({"RequestId": "another"}, "Invalid Response object: RequestId 'another' is not the request's"),
        ({"StackId": "another"}, "Invalid Response object: StackId 'another' is not the request's"),
        ({"LogicalResourceId": "Other"}, "Invalid Response object: LogicalResourceId 'Other' is not the request's"),
        ({"Data": {"Big": "x" * 4000}}, "Response object is too long."),
    ],
)
def test_fails_a_resource_on_an_answer_cloudformation_refuses(
    cloudformation: LocalCloudFormation, scripted: ScriptedFunction, tmp_path: Path, change: Any, reason: str
) -> None:
    scripted.script = lambda event, answer: {**answer, **change} if event["RequestType"] == "Create" else answer
    with pytest.raises(StackOperationError) as failed:
        deploy(cloudformation, tmp_path, {"Answered": custom()})
    assert failed.value.logical_id == "Answered"
    assert failed.value.reason.startswith(reason)
    assert cloudformation.stacks[STACK].status == "ROLLBACK_COMPLETE"


def test_fails_a_resource_on_an_answer_that_is_no_json_object(
    cloudformation: LocalCloudFormation, scripted: ScriptedFunction, tmp_path: Path
) -> None:
    scripted.script = lambda event, answer: "SUCCESS" if event["RequestType"] == "Create" else answer
    with pytest.raises(StackOperationError, match="Invalid Response object: not a JSON object"):
        deploy(cloudformation, tmp_path, {"Answered": custom()})


def test_takes_answers_at_the_limits(
    cloudformation: LocalCloudFormation, scripted: ScriptedFunction, tmp_path: Path
) -> None:
    def at_the_limits(event: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
        if event["RequestType"] != "Create":
            return answer
        answer = {**answer, "PhysicalResourceId": "p" * 1024, "Data": {"Fill": ""}}
        answer["Data"]["Fill"] = "x" * (4096 - len(json.dumps(answer)))
        assert len(json.dumps(answer)) == 4096
        return answer

    scripted.script = at_the_limits
    deploy(cloudformation, tmp_path, {"Answered": custom()})
    assert cloudformation.stacks[STACK].resources["Answered"].physical_id == "p" * 1024


def test_a_refused_update_answer_is_rolled_back_under_the_physical_id_it_had(
    cloudformation: LocalCloudFormation, scripted: ScriptedFunction, tmp_path: Path
) -> None:
    deploy(cloudformation, tmp_path / "first", {"Answered": custom(Version="1")})
    physical = cloudformation.stacks[STACK].resources["Answered"].physical_id
    scripted.script = lambda event, answer: (
        {**answer, "PhysicalResourceId": ""} if event["ResourceProperties"].get("Version") == "2" else answer
    )
    with pytest.raises(StackOperationError, match="Invalid PhysicalResourceId"):
        deploy(cloudformation, tmp_path / "second", {"Answered": custom(Version="2")})
    rollback = scripted.received[-1]
    assert (rollback["RequestType"], rollback["PhysicalResourceId"]) == ("Update", physical)
    assert rollback["ResourceProperties"]["Version"] == "1"
    assert cloudformation.stacks[STACK].status == "UPDATE_ROLLBACK_COMPLETE"


# -- 5. Fn::GetAtt reads the latest answer; Outputs are resolved at the end of every operation ----------
def test_an_output_of_an_attribute_the_latest_answer_lacks_fails_the_update_and_rolls_it_back(
    cloudformation: LocalCloudFormation, scripted: ScriptedFunction, tmp_path: Path
) -> None:
    outputs = {"Status": {"Value": {"Fn::GetAtt": ["Check", "Status"]}}, "Plain": {"Value": "yes"}}

    def template(version: str, data: dict[str, str]) -> dict[str, Any]:
        return {"Resources": {**PLACEHOLDER, "Check": custom(Version=version, Data=data)}, "Outputs": outputs}

    cloudformation.deploy(write_assembly(tmp_path / "first", template("1", {"Status": "ACTIVE"})), STACK)
    assert cloudformation.outputs(STACK) == {"Status": "ACTIVE", "Plain": "yes"}

    with pytest.raises(StackOperationError) as failed:  # the Update answers SUCCESS without Status
        cloudformation.deploy(write_assembly(tmp_path / "second", template("2", {})), STACK)
    stack = cloudformation.stacks[STACK]
    update = scripted.received[-2]
    assert failed.value.logical_id == STACK
    assert failed.value.reason == (
        "CustomResource attribute error: Vendor response doesn't contain Status key in object "
        f"{stack.stack_id}|Check|{update['RequestId']} in S3 bucket cloudformation-custom-resource-storage-useast1"
    )
    assert [r for r, _ in scripted.sent("Check")] == ["Create", "Update", "Update"]  # with its rollback
    assert stack.status == "UPDATE_ROLLBACK_COMPLETE"
    assert cloudformation.outputs(STACK) == {"Status": "ACTIVE", "Plain": "yes"}


def test_a_property_of_an_attribute_the_answer_lacks_fails_the_resource_that_reads_it(
    cloudformation: LocalCloudFormation, scripted: ScriptedFunction, tmp_path: Path
) -> None:
    reader = {
        "Type": "AWS::SSM::Parameter",
        "Properties": {"Type": "String", "Value": {"Fn::GetAtt": ["Check", "Status"]}},
    }
    with pytest.raises(StackOperationError) as failed:
        deploy(cloudformation, tmp_path, {"Check": custom(Data={"Other": "x"}), "Reader": reader})
    assert failed.value.logical_id == "Reader"
    assert failed.value.reason.startswith("CustomResource attribute error: Vendor response doesn't contain Status key")
    assert [r for r, _ in scripted.sent("Check")] == ["Create", "Delete"]
    assert cloudformation.stacks[STACK].status == "ROLLBACK_COMPLETE"
    assert cloudformation.ssm_parameters == {}
