"""Plays CloudFormation for one custom resource: sends the events it would send to
``index.handler`` and collects the answer from the HTTPS sink.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from tests.fakes.cloudformation.server import LocalDrivers

from .https_sink import HttpsSink
from .stack import Deployed, Stack

STACK_ID = "arn:aws:cloudformation:us-east-1:111122223333:stack/SmsProducer/0f9e8d7c-0000-4000-8000-000000000001"
RESOURCE_TYPE = "Custom::SmsResourcePolicy"


@contextmanager
def function_of(stack_id: str) -> Iterator[None]:
    """Run the function as the one of stack ``stack_id`` (its SHARED_SMS_STACK_ID setting):
    in AWS each stack has its own function; here one module plays all of them."""
    previous = os.environ.get("SHARED_SMS_STACK_ID")
    os.environ["SHARED_SMS_STACK_ID"] = stack_id
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("SHARED_SMS_STACK_ID", None)
        else:
            os.environ["SHARED_SMS_STACK_ID"] = previous


class LambdaContext:
    """What crhelper and the handler read from the Lambda context."""

    def __init__(self, timeout_s: float = 300.0) -> None:
        self._deadline = time.monotonic() + timeout_s
        self.function_name = "SmsProducer-SharedSmsPolicyFunction"
        self.aws_request_id = str(uuid.uuid4())
        self.memory_limit_in_mb = 256

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class InProcessLambda:
    """The function module of this process, one event at a time (the handler's crhelper state is
    per process): for tests that patch the module. ``use_account`` gives it the stack's account."""

    def __init__(self, handler: Callable[[Any, Any], Any], use_account: Callable[[str], None]) -> None:
        self.handler, self.use_account = handler, use_account
        self._lock = threading.Lock()

    def invoke(self, event: dict[str, Any], timeout_s: float = 300.0) -> None:
        with self._lock:
            self.use_account(event["StackId"].split(":")[4])
            with function_of(event["StackId"]):
                self.handler(event, LambdaContext(timeout_s))


def policy_json(*accounts: str, arn: str, actions: tuple[str, ...] = ("sms-voice:SendTextMessage",)) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": [f"arn:aws:iam::{a}:root" for a in accounts]},
                    "Action": list(actions),
                    "Resource": arn,
                }
            ],
        },
        separators=(",", ":"),
    )


# The stacks the session's CloudFormation emulator serves in this process (tests/conftest.py,
# which forgets them after each test): a CustomResource shows its stack there as CloudFormation
# would while its events run.

LOCAL_DRIVERS = LocalDrivers()
SHOWN = SimpleNamespace(stacks={})
"""The stacks of this test's custom resources by StackId: resources of one stack share it."""
IN_PROGRESS = {"Create": "CREATE_IN_PROGRESS", "Update": "UPDATE_IN_PROGRESS", "Delete": "DELETE_IN_PROGRESS"}
COMPLETE = {"Create": "CREATE_COMPLETE", "Update": "UPDATE_COMPLETE"}


def forget_shown_stacks() -> None:
    LOCAL_DRIVERS.clear()
    SHOWN.stacks.clear()


@dataclass
class CustomResource:
    """One ``Custom::SmsResourcePolicy`` in one stack, as CloudFormation tracks it.

    ``stack`` is what CloudFormation shows the function (DescribeStacks, DescribeStackResource,
    ListStackResources): from the moment an event is made until ``send`` has its answer, the
    resource is <REQUEST>_IN_PROGRESS, and the stack too unless ``stack_status`` pins it (a
    rollback, a cleanup). Its physical id is the one the last answer gave (an event naming
    another is not CloudFormation's). Tests may add other resources to it."""

    handler: Callable[[Any, Any], Any]
    sink: HttpsSink
    logical_id: str = "SharedPoolPolicy5CB709C1"
    stack_id: str = STACK_ID
    physical_id: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    stack_status: str | None = None
    stack: Any = field(init=False)
    """A ``tests.harness.stack.Stack``, or anything with its attributes."""

    def __post_init__(self) -> None:
        parts = self.stack_id.split(":")
        self.stack = SHOWN.stacks.get(self.stack_id) or Stack(parts[5].split("/")[1], parts[4], parts[3], self.stack_id)

    def event(self, request_type: str, properties: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
        request_id = str(uuid.uuid4())
        event: dict[str, Any] = {
            "RequestType": request_type,
            "ServiceToken": "arn:aws:lambda:us-east-1:111122223333:function:SmsProducer-SharedSmsPolicyFunction",
            "ResponseURL": self.sink.response_url(request_id),
            "StackId": self.stack_id,
            "RequestId": request_id,
            "ResourceType": RESOURCE_TYPE,
            "LogicalResourceId": self.logical_id,
            "ResourceProperties": {"ServiceToken": "arn:aws:lambda:...", **(properties or self.properties)},
        }
        if request_type != "Create":
            event["PhysicalResourceId"] = self.physical_id
        if request_type == "Update":
            event["OldResourceProperties"] = {"ServiceToken": "arn:aws:lambda:...", **self.properties}
        event.update(extra)
        self.show(event)
        return event

    def show(self, event: dict[str, Any]) -> None:
        """CloudFormation as it stands while it sends ``event`` (called by ``event``; again for
        an event a test changed)."""
        request = event.get("RequestType")
        if request not in IN_PROGRESS:
            return
        if self.logical_id not in self.stack.resources:  # a new resource; otherwise CloudFormation's own id stays
            physical_id = str(event.get("PhysicalResourceId") or self.physical_id or "")
            self.stack.resources[self.logical_id] = Deployed(str(event["ResourceType"]), physical_id, {}, {})
        self.stack.resource_status[self.logical_id] = IN_PROGRESS[request]
        self.stack.status = self.stack_status or IN_PROGRESS[request]
        SHOWN.stacks[self.stack_id] = self.stack
        LOCAL_DRIVERS.add(SHOWN)  # again after a test cleared the list

    def send(self, event: dict[str, Any], context: LambdaContext | None = None) -> dict[str, Any]:
        """Invoke the handler with ``event``; return its one answer (fails on zero or two)."""
        with function_of(self.stack_id):
            self.handler(event, context or LambdaContext())
        answers = self.sink.answers_for(event["RequestId"])
        assert len(answers) == 1, f"expected exactly one answer, got {len(answers)}: {answers}"
        request, answer = event.get("RequestType"), answers[0]
        deployed = self.stack.resources.get(self.logical_id)
        if answer["Status"] == "SUCCESS" and deployed is not None and event.get("StackId") == self.stack_id:
            if request == "Delete":  # CloudFormation forgets it
                self.stack.resources.pop(self.logical_id, None)
                self.stack.resource_status.pop(self.logical_id, None)
            elif request in COMPLETE:
                deployed.physical_id = answer["PhysicalResourceId"]  # what CloudFormation tracks from now on
                self.stack.resource_status[self.logical_id] = COMPLETE[str(request)]
        return answer

    def create(self, **properties: Any) -> dict[str, Any]:
        answer = self.send(self.event("Create", properties))
        self.properties = dict(properties)
        self.physical_id = answer["PhysicalResourceId"]
        return answer

    def update(self, **properties: Any) -> dict[str, Any]:
        answer = self.send(self.event("Update", properties))
        if answer["Status"] == "SUCCESS":
            self.physical_id, self.properties = answer["PhysicalResourceId"], dict(properties)
        return answer

    def delete(self, physical_id: str | None = None) -> dict[str, Any]:
        event = self.event("Delete")
        if physical_id is not None:
            event["PhysicalResourceId"] = physical_id
        return self.send(event)
