"""Whether an Update is a rollback: the function's own stack status, from CloudFormation.

A rollback Update carries the old properties and cannot be told from a forward update by the
event alone (DOMAIN.md, "Custom resources"). It matters only where an Update would fail for
a condition that trying again cannot change (a released resource, an ARN no longer shared):
a forward update must fail on it, a rollback must not, or the stack is left in
UPDATE_ROLLBACK_FAILED. So this is asked on that path, with one ``DescribeStacks`` on the
function's own stack (the role may call nothing else of CloudFormation). When CloudFormation
cannot be read, the Update is treated as a forward one: it fails, as it did before.

A Create asks too, after writing: when another resource failed meanwhile, CloudFormation may
have cancelled the running Create and sent its Delete already (with an id of its own), so the
Create removes what it wrote.
"""

from __future__ import annotations

import logging
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .client import OutOfTimeError

logger = logging.getLogger(__name__)

ROLLBACK_STATUSES = frozenset({"UPDATE_ROLLBACK_IN_PROGRESS", "ROLLBACK_IN_PROGRESS"})


def rolling_back(client: Any, stack_id: str) -> bool:
    """Whether stack ``stack_id`` is rolling back now."""
    try:
        stacks = client.describe_stacks(StackName=stack_id).get("Stacks") or []
    except (ClientError, BotoCoreError, OutOfTimeError) as error:
        logger.warning({"message": f"could not read the stack's status ({error}): handled as a forward update"})
        return False
    status = str(stacks[0].get("StackStatus", "")) if stacks else ""
    logger.info({"message": "stack status", "status": status})
    return status in ROLLBACK_STATUSES
