"""Entry point of the shared-sms function: crhelper wiring only.

Logic lives in ``shared_sms_function`` (pure functions taking a boto3 client).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from typing import Any

from shared_sms_function.answer import SingleAnswerResource

logger = logging.getLogger("shared_sms_function")
helper = SingleAnswerResource()

try:
    from botocore.exceptions import BotoCoreError

    from shared_sms_function import freshness, lifecycle, shared_check, stack_status
    from shared_sms_function.client import (
        ATTEMPT_MAX_S,
        OutOfTimeError,
        bounded_by,
        cloudformation_client,
        sms_voice_client,
    )
    from shared_sms_function.errors import PolicyError
    from shared_sms_function.ownership import Owner
    from shared_sms_function.properties import MERGE, PolicyProperties, envelope_problem, is_sms_voice_arn

    CLIENT = sms_voice_client(os.environ.get("AWS_REGION"))
except Exception as error:  # a cold-start failure must still answer FAILED
    helper.init_failure(error)

POLICY_RESOURCE_TYPE = "Custom::SmsResourcePolicy"
CHECK_RESOURCE_TYPE = "Custom::SmsSharedResourceCheck"


STACKS: Any = None  # CloudFormation, made when first needed (most invocations never ask)
STACK_ID_ENV = "SHARED_SMS_STACK_ID"  # AWS::StackId of the function's own stack, set by the construct


def _deadline(event: dict[str, Any], context: Any) -> lifecycle.Deadline:
    """The invocation's time, and no later than CloudFormation waits for this event's answer."""
    return lifecycle.Deadline.of(context, lambda: helper.answered, freshness.answer_due(event))


def _foreign_stack(event: dict[str, Any]) -> str | None:
    """Why the event is refused when it comes from another stack than the function's own (or
    when the function does not know its stack: fail closed)."""
    own = os.environ.get(STACK_ID_ENV)
    if not own:
        return f"this function has no {STACK_ID_ENV}, so it serves no stack: set it to the stack's AWS::StackId"
    if event["StackId"] != own:
        return f"this function serves the custom resources of stack {own} only, not of {event['StackId']}"
    return None


def _owner(event: dict[str, Any]) -> Owner:
    return Owner.of(event["StackId"], event["LogicalResourceId"])


def _refuse_unconfirmed(event: dict[str, Any], deadline: lifecycle.Deadline) -> None:
    """Write nothing for an event CloudFormation is not sending now (stack_status.unconfirmed):
    whoever may invoke the function can name this stack and its logical ids."""
    with bounded_by(deadline.allows):
        refusal = stack_status.unconfirmed(_stacks(), event, deadline.allows)
    if refusal:
        raise PolicyError(refusal)


def _refuse_rule_breaks(event: dict[str, Any], props: PolicyProperties, deadline: lifecycle.Deadline) -> None:
    """Synthesis's policy rules, on the policy as CloudFormation resolved it (deploy-time values
    included): a public principal needs a caller condition, a service principal a source
    condition, no Not* elements, Resource is this ARN, sms-voice: actions only. A rollback
    Update puts back what was deployed before and is not refused (that would leave the stack
    in UPDATE_ROLLBACK_FAILED)."""
    problems = props.rule_problems()
    if not problems:
        return
    if event["RequestType"] == "Update" and _rolling_back(event, deadline):
        logger.warning({"message": f"rollback: the policy breaks a rule ({problems[0]}); putting it back anyway"})
        return
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    raise PolicyError(f"the policy was not written: {problems[0]}{more}")


def _writing_owner(event: dict[str, Any], props: PolicyProperties, deadline: lifecycle.Deadline) -> Owner:
    """The event's owner. Under REPLACE and FAIL, the same stack's markers count as its own only
    where CloudFormation vouches for them (ownership.py): a copied marker is foreign. MERGE keeps
    the same stack's statements and others' alike, so it asks nothing."""
    owner = _owner(event)
    if props.on_existing_policy == MERGE:
        return owner
    with bounded_by(deadline.allows):
        vouched = stack_status.resources_on(_stacks(), event["StackId"], props.resource_arn, deadline.allows)
    if vouched is None:
        logger.warning({"message": "the stack's resources could not be listed: its other markers count as foreign"})
    return owner.vouching(event["StackId"], vouched or frozenset())


def _properties(event: dict[str, Any]) -> PolicyProperties:
    if event["ResourceType"] != POLICY_RESOURCE_TYPE:
        raise PolicyError(
            f"this function serves {POLICY_RESOURCE_TYPE} and {CHECK_RESOURCE_TYPE}, not {event['ResourceType']}"
        )
    return PolicyProperties.from_properties(event.get("ResourceProperties") or {})


def _check(event: dict[str, Any], context: Any) -> str:
    """Create or Update of a shared-resource check: fail unless the ARN is shared with us.

    Every SUCCESS answers the attributes: CloudFormation reads ``Fn::GetAtt`` from the latest
    answer. A rollback (whatever its ARN) that finds the ARN no longer shared succeeds with the
    attributes empty: failing would leave the stack in UPDATE_ROLLBACK_FAILED for a condition
    no retry changes. Anything else that stops the check fails, forward or back.
    """
    arn = shared_check.check_properties(event.get("ResourceProperties") or {})
    consumer = shared_check.account_of_stack(event["StackId"])
    deadline = _deadline(event, context)
    try:
        helper.Data.update(_shared_data(arn, consumer, deadline))
    except shared_check.NotSharedError as error:
        if event["RequestType"] != "Update" or not _rolling_back(event, deadline):
            raise
        logger.warning({"message": f"rollback: not verified again ({error}); attributes empty", "resourceArn": arn})
        helper.Data.update(shared_check.unknown_attributes(CLIENT, arn))
        return arn
    except (OutOfTimeError, BotoCoreError) as error:
        raise PolicyError(
            f"could not list what is shared with {consumer} in time ({type(error).__name__}): retry"
        ) from None
    logger.info({"message": "resource is shared with this account", "resourceArn": arn})
    return arn


def _rolling_back(event: dict[str, Any], deadline: lifecycle.Deadline) -> bool:
    """Whether the stack is rolling back (stack_status.py): an Update then is the rollback's, and a
    Create was overtaken by it. Asked only where it changes the answer."""
    with bounded_by(deadline.allows):
        return stack_status.rolling_back(_stacks(), event["StackId"], deadline.allows)


def _overtaken(event: dict[str, Any], deadline: lifecycle.Deadline) -> bool:
    """Whether a Create was overtaken by its stack's rollback or cleanup (stack_status.overtaken)."""
    with bounded_by(deadline.allows):
        return stack_status.overtaken(_stacks(), event["StackId"], deadline.allows)


def _stacks() -> Any:
    global STACKS
    if STACKS is None:
        STACKS = cloudformation_client(os.environ.get("AWS_REGION"))
    return STACKS


def _shared_data(arn: str, consumer: str, deadline: lifecycle.Deadline) -> dict[str, str]:
    """``check_shared``, tried again for a while when IAM denies the list (as ``lifecycle.call``)."""
    for delay in (*lifecycle.ACCESS_DENIED_DELAYS, None):
        try:
            with bounded_by(deadline.allows):
                return shared_check.check_shared(CLIENT, arn, consumer)  # lists in the ARN's region
        except shared_check.ListDeniedError:
            if delay is None or not deadline.allows(delay + ATTEMPT_MAX_S):
                raise
            logger.warning({"message": "access denied; IAM may still be applying a change: trying again"})
            time.sleep(delay)
    raise AssertionError("unreachable")


def _answer(applied: lifecycle.Applied) -> str:
    helper.Data.update(applied.data)
    logger.info({"message": "policy in place", **applied.data})
    return applied.resource_arn


@helper.create
def create(event: dict[str, Any], context: Any) -> str:
    if event["ResourceType"] == CHECK_RESOURCE_TYPE:
        return _check(event, context)
    props = _properties(event)
    # Answered even if a later step fails, so the Delete that follows cleans up what was written.
    helper.PhysicalResourceId = props.resource_arn
    deadline = _deadline(event, context)
    _refuse_unconfirmed(event, deadline)
    _refuse_rule_breaks(event, props, deadline)
    applied = lifecycle.create_policy(CLIENT, props, _writing_owner(event, props, deadline), deadline)
    if _overtaken(event, deadline):
        # Another resource failed while this one ran: CloudFormation may have cancelled this Create
        # and sent its Delete already, which found nothing yet. A grant must not outlive that.
        lifecycle.remove_statements(CLIENT, props.resource_arn, _owner(event), deadline, restore=False)
        raise PolicyError("the stack is rolling back: this resource's statements were removed again")
    return _answer(applied)


@helper.update
def update(event: dict[str, Any], context: Any) -> str:
    if event["ResourceType"] == CHECK_RESOURCE_TYPE:
        return _check(event, context)
    props = _properties(event)
    deadline = _deadline(event, context)
    _refuse_unconfirmed(event, deadline)
    _refuse_rule_breaks(event, props, deadline)
    try:
        owner = _writing_owner(event, props, deadline)
        applied = lifecycle.update_policy(CLIENT, props, event["PhysicalResourceId"], owner, deadline)
    except lifecycle.RefusedError as error:
        # A rollback under FAIL that meets statements added since the forward update: refusing
        # leaves UPDATE_ROLLBACK_FAILED until someone removes them. Put ours back beside them.
        if not _rolling_back(event, deadline):
            raise
        logger.warning({"message": f"rollback: {error}; merging instead", "resourceArn": props.resource_arn})
        merging = dataclasses.replace(props, on_existing_policy=MERGE)
        applied = lifecycle.update_policy(CLIENT, merging, event["PhysicalResourceId"], _owner(event), deadline)
    except lifecycle.MissingResourceError as error:
        # A rollback to a resource released meanwhile: nothing is left to put back.
        if not _rolling_back(event, deadline):
            raise
        logger.warning({"message": f"rollback: {error}; nothing to restore", "resourceArn": props.resource_arn})
        applied = lifecycle.Applied(props.resource_arn, "", lifecycle.policy_sha256(props, _owner(event)))
    return _answer(applied)


@helper.delete
def delete(event: dict[str, Any], context: Any) -> None:
    if event["ResourceType"] == CHECK_RESOURCE_TYPE:
        return  # a check changes nothing, so deleting it undoes nothing
    deadline = _deadline(event, context)
    _refuse_unconfirmed(event, deadline)
    arn = event["PhysicalResourceId"]
    if not is_sms_voice_arn(arn):
        # Not the ARN we answer: CloudFormation made the id itself, for a Create that failed
        # before answering, or one it cancelled while it still ran (another resource failed).
        # What that Create wrote, or is writing, is ours on ResourceArn: remove it there.
        declared = (event.get("ResourceProperties") or {}).get("ResourceArn")
        arn = declared if isinstance(declared, str) and is_sms_voice_arn(declared) else arn
    outcome = lifecycle.delete_policy(CLIENT, arn, _owner(event), deadline)
    logger.info({"message": outcome, "resourceArn": arn})


def handler(event: Any, context: Any) -> None:
    try:
        problem = envelope_problem(event)
    except NameError:  # init failed before envelope_problem was imported: crhelper reports it
        problem = None
    if problem:
        helper.answer_malformed(event, problem)
        return
    refused = _foreign_stack(event) or freshness.lateness(event)
    if refused:
        helper.answer_malformed(event, refused)  # FAILED, and no call to the service
        return
    helper(event, context)
