"""Create, update and delete of one resource policy, as pure functions of a boto3 client.

Calls per event: Create = Get + Put + Get (read-back); Update on the same ARN =
Put + Get; Delete = Get (ownership) + Delete. See ownership.py for the rule
that keeps Delete away from policies other stacks wrote.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from .errors import PolicyError, describe_client_error, error_code
from .ownership import Owner, canonical, sha256_of
from .properties import PolicyProperties, is_sms_voice_arn

logger = logging.getLogger(__name__)

# Read-back after Put: the service is eventually consistent (Terraform waits about 2 minutes).
READBACK_DELAYS = (0.2, 0.4, 0.8, 1.6, 3.2) + (5.0,) * 20  # about two minutes in all, bounded by the deadline
SAFETY_MARGIN_S = 5.0  # stop waiting this long before the Lambda deadline, so FAILED still gets out


class MissingResourceError(PolicyError):
    """The pool, number, sender ID or opt-out list itself is not there."""


class Deadline:
    """Remaining time of the invocation, from the Lambda context."""

    def __init__(self, remaining_s: Callable[[], float]) -> None:
        self._remaining_s = remaining_s

    @classmethod
    def of(cls, context: Any) -> Deadline:
        return cls(lambda: context.get_remaining_time_in_millis() / 1000.0)

    def allows(self, seconds: float) -> bool:
        return self._remaining_s() - seconds > SAFETY_MARGIN_S

    def check(self, step: str) -> None:
        """Refuse to start a write once the deadline is near: crhelper may already have
        answered FAILED, and a write after that would diverge from what CloudFormation saw."""
        if not self.allows(0):
            raise PolicyError(f"not enough time left to {step}; nothing was changed: retry the stack operation")


@dataclass(frozen=True)
class Applied:
    """What CloudFormation gets back: the physical id and the Data attributes."""

    resource_arn: str
    created_timestamp: str
    policy_sha256: str

    @property
    def data(self) -> dict[str, str]:
        return {
            "ResourceArn": self.resource_arn,
            "CreatedTimestamp": self.created_timestamp,
            "PolicySha256": self.policy_sha256,
        }


def get_policy(client: Any, arn: str) -> dict[str, Any] | None:
    """The attached policy, or None when there is none (404 of type policy, or ``"{}"``).

    Raises PolicyError when the resource itself does not exist or the call fails.
    """
    try:
        response = client.get_resource_policy(ResourceArn=arn)
    except ClientError as error:
        if error_code(error) == "ResourceNotFoundException":
            if _missing_type(error) == "policy":
                return None
            raise MissingResourceError(f"{arn} does not exist in this account and region") from None
        raise describe_client_error("GetResourcePolicy", arn, error) from None
    text = response.get("Policy")
    if not text:
        return None
    try:
        policy = json.loads(text)
    except ValueError:
        raise PolicyError(f"GetResourcePolicy on {arn} returned a policy that is not JSON") from None
    return policy if isinstance(policy, dict) and policy else None


def create_policy(client: Any, props: PolicyProperties, owner: Owner, deadline: Deadline) -> Applied:
    """Attach the policy to a resource; refuse to overwrite a foreign one unless asked to."""
    arn = props.resource_arn
    desired = owner.stamp(props.policy)
    current = get_policy(client, arn)
    foreign = current is not None and not owner.owns(current) and canonical(current) != canonical(desired)
    if foreign and not props.replace_existing:
        raise PolicyError(
            f"{arn} already has a resource policy this stack did not write; it was left unchanged. "
            'To overwrite it use on_existing_policy="REPLACE" (OnExistingPolicy: REPLACE)'
        )
    if foreign:
        logger.warning({"message": "replacing a resource policy this stack did not write", "resourceArn": arn})
    return put_and_confirm(client, arn, desired, deadline)


def update_policy(client: Any, props: PolicyProperties, physical_id: str, owner: Owner, deadline: Deadline) -> Applied:
    """Same ARN: put the new policy (a rollback is this with the old properties).
    New ARN: create on the new ARN; CloudFormation then deletes the old one."""
    if props.resource_arn != physical_id:
        try:
            return create_policy(client, props, owner, deadline)
        except PolicyError:
            # CloudFormation keeps the old physical id, so nothing would ever delete what
            # this attempt wrote on the new ARN: remove it now (only if it is ours).
            delete_policy(client, props.resource_arn, owner)
            raise
    return put_and_confirm(client, props.resource_arn, owner.stamp(props.policy), deadline)


def delete_policy(client: Any, physical_id: str, owner: Owner) -> str:
    """Remove this resource's policy; anything else is left in place. Returns what happened."""
    if not is_sms_voice_arn(physical_id):
        # A Create that failed before answering with an ARN wrote nothing.
        return "nothing to delete: the physical id is not an sms-voice ARN"
    try:
        current = get_policy(client, physical_id)
    except MissingResourceError:
        return "nothing to delete: the resource no longer exists"
    if current is None:
        return "nothing to delete: no policy is attached"
    if not owner.owns(current):
        logger.warning(
            {
                "message": "left a resource policy in place: another stack or a person wrote it",
                "resourceArn": physical_id,
            }
        )
        return "left a foreign policy in place"
    try:
        client.delete_resource_policy(ResourceArn=physical_id)
    except ClientError as error:
        if error_code(error) == "ResourceNotFoundException":
            return "nothing to delete: already gone"
        raise describe_client_error("DeleteResourcePolicy", physical_id, error) from None
    return "deleted"


def put_and_confirm(client: Any, arn: str, policy: dict[str, Any], deadline: Deadline) -> Applied:
    text = canonical(policy)
    if len(text) > 10_000:
        raise PolicyError(
            f"the policy for {arn} is {len(text)} characters with ownership markers; the service accepts "
            "10000: share with fewer principals or merge statements"
        )
    deadline.check(f"put the policy on {arn}")
    try:
        response = client.put_resource_policy(ResourceArn=arn, Policy=text)
    except ClientError as error:
        raise describe_client_error("PutResourcePolicy", arn, error) from None
    _wait_until_visible(client, arn, text, deadline)
    created = response.get("CreatedTimestamp")
    return Applied(
        resource_arn=arn,
        created_timestamp=created.isoformat() if hasattr(created, "isoformat") else str(created or ""),
        policy_sha256=sha256_of(policy),
    )


def _wait_until_visible(client: Any, arn: str, text: str, deadline: Deadline) -> None:
    for delay in (0.0, *READBACK_DELAYS):
        if delay and not deadline.allows(delay):
            break
        time.sleep(delay)
        current = get_policy(client, arn)
        if current is not None and canonical(current) == text:
            return
    raise PolicyError(
        f"PutResourcePolicy on {arn} succeeded but reading it back did not show the new policy in time; "
        "the stack operation will roll back and retry"
    )


def _missing_type(error: ClientError) -> str:
    response = error.response
    return str(response.get("ResourceType") or response.get("Error", {}).get("ResourceType") or "")
