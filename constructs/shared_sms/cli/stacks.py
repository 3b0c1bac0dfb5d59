"""What CloudFormation says about the stacks behind the policies: each stack's StackId (the
function's ownership marker hashes it, so with it the CLI computes a policy's exact marker), its
status, and each resource's PhysicalResourceId (a ``Custom::SmsResourcePolicy``'s is the ARN it
manages now). Read with ``cloudformation:DescribeStacks`` and ``cloudformation:ListStackResources``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from .assembly import POLICY_TYPE, Declared

NESTED_STACK = "AWS::CloudFormation::Stack"
PERMISSIONS = "cloudformation:DescribeStacks and cloudformation:ListStackResources"
DENIED = ("AccessDenied", "AccessDeniedException")


@dataclass(frozen=True)
class LiveStack:
    name: str
    stack_id: str
    status: str
    resources: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Logical id -> (resource type, physical id)."""

    @property
    def hash(self) -> str:
        """The stack part of the markers its policies write."""
        return hex_of(self.stack_id, 8)

    @property
    def in_progress(self) -> bool:
        """An operation is running: a replaced or removed policy's cleanup may not have run yet."""
        return self.status.endswith("_IN_PROGRESS")

    def physical_id(self, logical_id: str) -> str | None:
        resource = self.resources.get(logical_id)
        return resource[1] if resource else None

    def writers(self) -> dict[str, str]:
        """The marker keys of this stack's policies (``<stack>R<resource>`` and the legacy 12 hex)
        -> ``stack <name> / <logical id>``."""
        found = {}
        for logical_id, (kind, _) in self.resources.items():
            if kind == POLICY_TYPE:
                key = f"{self.stack_id}|{logical_id}"
                label = f"stack {self.name} / {logical_id}"
                found[f"{self.hash}R{hex_of(key, 8)}"] = found[hex_of(key, 12)] = label
        return found


def hex_of(text: str, digits: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:digits]


def list_resources(cloudformation: Any, stack_id: str) -> dict[str, tuple[str, str]]:
    resources = {}
    for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack_id):
        for summary in page["StackResourceSummaries"]:
            physical = str(summary.get("PhysicalResourceId") or "")
            resources[summary["LogicalResourceId"]] = (summary["ResourceType"], physical)
    return resources


def code(error: Exception) -> str:
    return str(error.response.get("Error", {}).get("Code", "")) if isinstance(error, ClientError) else ""


def reason(error: Exception) -> str:
    if isinstance(error, ClientError):
        return f"{error.operation_name} answered {error.response.get('Error', {}).get('Code', 'an error')}"
    return str(error).replace("\n", " ")


def _missing(error: ClientError) -> bool:
    """CloudFormation's answer for a stack it does not have (never created, or deleted)."""
    return code(error) == "ValidationError" and "does not exist" in str(error.response.get("Error", {}).get("Message"))


@dataclass(frozen=True)
class Located:
    """A declared policy's stack as CloudFormation has it; ``stack`` None: CloudFormation has no
    such stack in the account and region (never deployed, or deleted)."""

    name: str  # the stack's CloudFormation name (a nested stack's: parent name/logical ids)
    region: str
    stack: LiveStack | None
    missing: str = ""  # what CloudFormation lacks when ``stack`` is None: "stack <name>", "<id> in stack <name>"

    def physical_id(self, logical_id: str) -> str | None:
        return self.stack.physical_id(logical_id) if self.stack else None


class _UnreadableError(Exception):
    """CloudFormation cannot be read in a region (denied, unreachable): stop asking there."""


def locate(declared: list[Declared], cloudformation_for: Callable[[str], Any], warn: TextIO) -> list[Located | None]:
    """Where each declared policy's stack stands, in the order given; None where CloudFormation
    could not say (no region known, or not readable: one warning line on ``warn`` says why)."""
    found: dict[tuple[str, str, tuple[str, ...]], Located | None] = {}
    unreadable: set[str] = set()
    located: list[Located | None] = []
    for policy in declared:
        if not policy.region or not policy.stack_name or policy.region in unreadable:
            located.append(None)
            continue
        key = (policy.region, policy.stack_name, policy.nested)
        if key not in found:
            try:
                found[key] = _locate(cloudformation_for(policy.region), policy)
            except _UnreadableError as error:
                unreadable.add(policy.region)
                denied = isinstance(error.__cause__, ClientError) and code(error.__cause__) in DENIED
                hint = f": allow {PERMISSIONS}" if denied else ""
                warn.write(
                    f"shared-sms: warning: CloudFormation could not be read in {policy.region} ({error}){hint}; "
                    "statements there are matched by marker only, without knowing which stack wrote them\n"
                )
                located.append(None)
                continue
            except (BotoCoreError, ClientError) as error:  # this stack only (throttled past the retries, ...)
                warn.write(
                    f"shared-sms: warning: stack {policy.stack_name} could not be read in CloudFormation "
                    f"({reason(error)}); its statements are matched by marker only\n"
                )
                found[key] = None
        located.append(found[key])
    return located


def _locate(cloudformation: Any, policy: Declared) -> Located:
    name = "/".join((policy.stack_name, *policy.nested))
    missing = f"stack {policy.stack_name}"
    try:
        stack = _describe(cloudformation, policy.stack_name)
        for logical_id in policy.nested:  # a nested stack: its parent's resource names its StackId
            if stack is None:
                break
            missing = f"{logical_id} in stack {stack.name}"
            resource = stack.resources.get(logical_id)
            if resource is None or resource[0] != NESTED_STACK or not resource[1].startswith("arn:"):
                stack = None
                break
            stack = _describe(cloudformation, resource[1], f"{stack.name}/{logical_id}")
    except ClientError as error:
        if code(error) in DENIED:
            raise _UnreadableError(reason(error)) from error
        raise
    except BotoCoreError as error:  # no endpoint, no credentials: nothing here will answer
        raise _UnreadableError(reason(error)) from error
    return Located(name, policy.region, stack, "" if stack else missing)


def _describe(cloudformation: Any, stack: str, name: str | None = None) -> LiveStack | None:
    try:
        answer = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    except ClientError as error:
        if _missing(error):
            return None
        raise
    if not answer or answer[0].get("StackStatus") == "DELETE_COMPLETE":  # asked by StackId: a deleted one shows
        return None
    stack_id = answer[0]["StackId"]
    try:
        resources = list_resources(cloudformation, stack_id)
    except ClientError as error:
        if _missing(error):  # deleted between the two calls
            return None
        raise
    return LiveStack(name or answer[0]["StackName"], stack_id, str(answer[0].get("StackStatus", "")), resources)
