"""Whether an Update is a rollback: the function's own stack status, from CloudFormation.

A rollback Update carries the old properties and cannot be told from a forward update by the
event alone (DOMAIN.md, "Custom resources"). It matters only where an Update would fail for
a condition that trying again cannot change (a released resource, an ARN no longer shared):
a forward update must fail on it, a rollback must not, or the stack is left in
UPDATE_ROLLBACK_FAILED. So this is asked on that path, with one ``DescribeStacks`` on the
function's own stack (the role may call only that and ``ListStackResources``, for
``resources_on``, on its own stack). When CloudFormation cannot be read, the Update is treated
as a forward one: it fails, as it did before.

Every event of a policy resource is confirmed first (``unconfirmed``): anyone allowed to invoke
the function can send it an event naming this stack, so it writes only what CloudFormation is
doing now, as ``DescribeStacks`` and ``DescribeStackResource`` on its own stack show it.

A Create asks too, after writing: when another resource failed meanwhile, CloudFormation may
have cancelled the running Create and sent its Delete already (with an id of its own), so the
Create removes what it wrote.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from .client import ATTEMPT_MAX_S, OutOfTimeError
from .errors import is_iam_denied
from .lifecycle import ACCESS_DENIED_DELAYS
from .properties import is_sms_voice_arn

logger = logging.getLogger(__name__)

ROLLBACK_STATUSES = frozenset({"UPDATE_ROLLBACK_IN_PROGRESS", "ROLLBACK_IN_PROGRESS"})
FORWARD_STATUSES = frozenset({"CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS"})
RESOURCE_STATUSES = {
    # The resource's own status while CloudFormation waits for its answer (an assumption:
    # docs/permissions.md). A custom resource is never re-created under its logical id: a
    # replacement is an Update that answers another physical id.
    "Create": frozenset({"CREATE_IN_PROGRESS"}),
    "Update": frozenset({"UPDATE_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS"}),
}
CLEANUP_STATUSES = frozenset({"UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"})
UNDOING = ROLLBACK_STATUSES | {"UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "DELETE_IN_PROGRESS"}
SENDS = {
    # The stack statuses in which CloudFormation sends each request (DOMAIN.md, "Order of an
    # update"): Create while creating or updating forward; Update forward or in a rollback;
    # Delete while undoing (a rollback, which also deletes a cancelled Create, or a stack
    # delete) or in a cleanup phase, never while creating or updating forward.
    "Create": FORWARD_STATUSES,
    "Update": frozenset({"UPDATE_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS"}),
    "Delete": UNDOING | CLEANUP_STATUSES,
}
UNREADABLE = "CloudFormation could not confirm the event"
NOT_SENT = "not an event of this stack's deployment"
READ_LAG_DELAYS = (1.0, 2.0)  # a mismatch is asked again this often before the event is refused
T = TypeVar("T")


def rolling_back(client: Any, stack_id: str, allows: Callable[[float], bool] = lambda _: False) -> bool:
    """Whether stack ``stack_id`` is rolling back now (an Update then is the rollback's)."""
    return status_of(client, stack_id, allows) in ROLLBACK_STATUSES


def overtaken(client: Any, stack_id: str, allows: Callable[[float], bool] = lambda _: False) -> bool:
    """Whether a Create still running has been overtaken: the stack is no longer creating or
    updating forward (rolling back, cleaning up after a failed update, or done). CloudFormation
    may then have cancelled the Create and sent its Delete already, even in the cleanup phase
    after a failed update. A status that cannot be read is not taken as overtaken."""
    status = status_of(client, stack_id, allows)
    return bool(status) and status not in FORWARD_STATUSES


def status_of(client: Any, stack_id: str, allows: Callable[[float], bool] = lambda _: False) -> str:
    """Stack ``stack_id``'s status ("" when it cannot be read)."""
    try:
        status = _asking(lambda: _stack_status(client, stack_id), allows)
    except (ClientError, BotoCoreError, OutOfTimeError) as error:
        logger.warning({"message": f"could not read the stack's status ({error}): handled as a forward update"})
        return ""
    logger.info({"message": "stack status", "status": status})
    return status


def unconfirmed(client: Any, event: dict[str, Any], allows: Callable[[float], bool] = lambda _: False) -> str | None:
    """Why CloudFormation does not vouch for ``event``, as the FAILED answer's reason (None when
    it does): the stack is in a status that sends this request, the logical id is a resource of
    the event's type in it, and, for a Create or Update, that resource is in progress now (an
    Update's on the physical id the event names). When CloudFormation cannot be read, a Create
    or Update is refused and a Delete goes ahead (``_unreadable``).

    Assumptions (not in AWS's documentation; docs/permissions.md): while CloudFormation waits for
    a custom resource's answer, the resource's ResourceStatus ends in ``_IN_PROGRESS``; and its
    reads may lag its own state for a moment, so a mismatch is asked again (``READ_LAG_DELAYS``)
    before the event is refused. A Delete is confirmed while the stack undoes or cleans up, by
    the resource's status (in progress, or a failed Create), or in a cleanup phase by an ARN
    other than the logical id's (the old one of a replaced resource)."""
    for pause in (*READ_LAG_DELAYS, None):
        mismatch: str | None
        try:
            status = _asking(lambda: _stack_status(client, event["StackId"]), allows)
            resource = _asking(lambda: _stack_resource(client, event), allows)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ValidationError":
                return _unreadable(event, error)
            mismatch = f"CloudFormation has no resource {event['LogicalResourceId']} in this stack"
        except (BotoCoreError, OutOfTimeError) as error:
            return _unreadable(event, error)
        else:
            mismatch = _mismatch(event, status, resource)
        if mismatch is None:
            return None
        if pause is None or not allows(pause + 2 * ATTEMPT_MAX_S):
            return f"{NOT_SENT}: {mismatch}"
        logger.warning({"message": f"{mismatch}: asking CloudFormation again"})
        time.sleep(pause)
    raise AssertionError("unreachable")


def _unreadable(event: dict[str, Any], error: Exception) -> str | None:
    """A Create or Update is refused when CloudFormation cannot be read (fail closed). A Delete
    goes ahead: it removes only this resource's own statements, so it can only narrow access,
    and refusing it would leave a removed share's grant behind (CloudFormation skips a cleanup
    Delete that fails three times) or a stack in DELETE_FAILED."""
    if event["RequestType"] == "Delete":
        logger.warning({"message": f"CloudFormation could not confirm the Delete ({error}): removing anyway"})
        return None
    if isinstance(error, ClientError) and is_iam_denied(error):
        # A pre-created or customized role without the permission (docs/upgrading.md): deploying
        # again cannot help, and in a rollback the stack stops in UPDATE_ROLLBACK_FAILED.
        logger.warning({"message": f"CloudFormation could not confirm the event ({error})"})
        # (No logical id, no error text: the reason must fit CloudFormation's 256 characters.)
        return (
            f"{UNREADABLE}: its role may not read this stack. Allow cloudformation:DescribeStacks, "
            "DescribeStackResource and ListStackResources on it, then deploy again (in a rollback: "
            "continue-update-rollback)"
        )
    return f"{UNREADABLE} ({error}): deploy again"


def _stack_status(client: Any, stack_id: str) -> str:
    stacks = client.describe_stacks(StackName=stack_id).get("Stacks") or []
    return str(stacks[0].get("StackStatus", "")) if stacks else ""


def _stack_resource(client: Any, event: dict[str, Any]) -> dict[str, Any]:
    answer = client.describe_stack_resource(StackName=event["StackId"], LogicalResourceId=event["LogicalResourceId"])
    return dict(answer["StackResourceDetail"])


def _mismatch(event: dict[str, Any], status: str, resource: dict[str, Any]) -> str | None:
    request, logical_id = event["RequestType"], event["LogicalResourceId"]
    sent_in = SENDS.get(request)
    if sent_in is None or status not in sent_in:
        return f"CloudFormation sends no {request} while the stack is {status}"
    if resource.get("ResourceType") != event["ResourceType"]:
        return f"{logical_id} is a {resource.get('ResourceType')} in this stack, not a {event['ResourceType']}"
    resource_status = str(resource.get("ResourceStatus", ""))
    if request != "Delete":
        if resource_status not in RESOURCE_STATUSES[request]:
            return f"CloudFormation is not sending {logical_id} a {request} now (it is {resource_status})"
        if request == "Update" and resource.get("PhysicalResourceId") != event.get("PhysicalResourceId"):
            return f"{logical_id} has another physical id in this stack than the event names"
        return None
    if resource_status.endswith("_IN_PROGRESS"):
        return None  # deleted now, or a Create cancelled now
    if resource_status == "CREATE_FAILED" and status in UNDOING:
        return None  # a failed Create, deleted by its rollback or the stack's delete
    if resource_status.endswith("_FAILED") and status == "DELETE_IN_PROGRESS":
        return None  # a stack delete tried again (DELETE_FAILED), should reads still show the failure
    physical_id = event.get("PhysicalResourceId")
    if (
        status in CLEANUP_STATUSES
        and is_sms_voice_arn(physical_id)
        and resource.get("PhysicalResourceId") != physical_id
    ):
        # The old ARN of a replaced resource, while the logical id shows its new one. (Only an
        # ARN: another id would make the Delete act on the event's ResourceArn, the live one.)
        return None
    return f"CloudFormation is not deleting {logical_id} now (it is {resource_status})"


def resources_on(
    client: Any, stack_id: str, arn: str, allows: Callable[[float], bool] = lambda _: False
) -> frozenset[str] | None:
    """The logical ids of stack ``stack_id``'s resources whose physical id is ``arn`` (a renamed
    policy's old logical id, until the cleanup deletes it); None when they cannot be listed."""

    def listed() -> frozenset[str]:
        pages = client.get_paginator("list_stack_resources").paginate(StackName=stack_id)
        summaries = (s for page in pages for s in page.get("StackResourceSummaries", []))
        return frozenset(str(s["LogicalResourceId"]) for s in summaries if s.get("PhysicalResourceId") == arn)

    try:
        return _asking(listed, allows)
    except (ClientError, BotoCoreError, OutOfTimeError) as error:
        logger.warning({"message": f"could not list the stack's resources ({error})"})
        return None


def _asking(ask: Callable[[], T], allows: Callable[[float], bool]) -> T:
    """``ask()``; an AccessDenied is asked again for a while, as ``lifecycle.call`` does, while
    ``allows(pause + one try)``: the role's policy may be applied in the same deployment, and IAM
    takes seconds to apply a change."""
    for pause in ACCESS_DENIED_DELAYS:
        try:
            return ask()
        except ClientError as error:
            if not is_iam_denied(error) or not allows(pause + ATTEMPT_MAX_S):
                raise
            logger.warning({"message": "access denied reading the stack; IAM may still be applying a change"})
            time.sleep(pause)
    return ask()
