"""Create, update and delete of one resource's statements, as pure functions of a boto3 client.

Every event converges the live policy to "what others have, plus ours" (README, "Who
owns a policy"): Get, merge by ownership and mode, write (Put, or Delete when nothing is
left; nothing when the merge changes nothing), then read back after a settling time,
merging again when a concurrent writer dropped our statements (there is no conditional Put).
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .client import ATTEMPT_MAX_S, THROTTLE_RETRY_MAX_S, OutOfTimeError, bounded_by, is_transient, writer_for
from .equivalence import canonical, equivalent, same_statements, sha256_of, statements_of
from .errors import MAX_REASON, PolicyError, describe_client_error, error_code, is_iam_denied
from .ownership import Owner, Split
from .properties import FAIL, MAX_POLICY_CHARS, MERGE, REPLACE, PolicyProperties, is_sms_voice_arn

logger = logging.getLogger(__name__)

SAFETY_MARGIN_S = 5.0  # stop waiting this long before the Lambda deadline, so FAILED still gets out
# Before the first read-back: SETTLE_MIN_S + twice our read-to-write time (a writer that
# read before our Put is about as slow), at most SETTLE_GAP_MAX_S (under throttling the gap
# is mostly our own backoff), + jitter (writers that collided do not collide again).
SETTLE_MIN_S = 0.25
SETTLE_GAP_MAX_S = 2.0
SETTLE_JITTER_S = 0.25
# While reads still show the state before our write (lag): about two minutes, as Terraform waits.
READBACK_DELAYS = (0.2, 0.4, 0.8, 1.6, 3.2) + (5.0,) * 20
MAX_MERGES = 10
WATCH_MAX_S = 60.0  # the longest a writer keeps watching its statements after it saw them
ACCESS_DENIED_DELAYS = (1.0, 2.0, 4.0, 8.0, 8.0)  # about 25 s: how long IAM takes to apply a change
RESTORE_RESERVE_S = ATTEMPT_MAX_S  # stop reading back this early: time to put back what we read
# A write to a new ARN keeps back the time to remove it again: Get, write, settle, read-back, margin.
CLEANUP_RESERVE_S = 3 * ATTEMPT_MAX_S + RESTORE_RESERVE_S + 5.0
VERSION = "2012-10-17"


class RefusedError(PolicyError):
    """``FAIL`` mode met statements this stack did not write."""


class MissingResourceError(PolicyError):
    """The pool, number, sender ID or opt-out list itself is not there."""


class Deadline:
    """Remaining time of the invocation, from the Lambda context."""

    def __init__(self, remaining_s: Callable[[], float], answered: Callable[[], bool] = lambda: False) -> None:
        self._remaining_s = remaining_s
        self._answered = answered

    @classmethod
    def of(cls, context: Any, answered: Callable[[], bool] = lambda: False, due: float | None = None) -> Deadline:
        """``answered``: whether the answer already went out (crhelper's timer answers FAILED
        0.5 s before the timeout): from then on nothing is written and nothing waited for.
        ``due``: the epoch second after which CloudFormation no longer waits (freshness.py)."""

        def remaining_s() -> float:
            left = context.get_remaining_time_in_millis() / 1000.0
            return left if due is None else min(left, due - time.time())

        return cls(remaining_s, answered)

    def reserving(self, seconds: float) -> Deadline:
        """The same deadline, ``seconds`` earlier: time kept back for what comes after."""
        return Deadline(lambda: self._remaining_s() - seconds, self._answered)

    def allows(self, seconds: float) -> bool:
        return not self._answered() and self._remaining_s() - seconds > SAFETY_MARGIN_S

    def check(self, step: str) -> None:
        """Refuse to start a write once the deadline is near: crhelper may already have
        answered FAILED, and a write after that would diverge from what CloudFormation saw."""
        if not self.allows(0):
            raise PolicyError(f"not enough time left to {step}; nothing was changed: retry the stack operation")


@dataclass(frozen=True)
class Live:
    """What GetResourcePolicy showed: the policy (None: no policy) and when it was stored."""

    policy: dict[str, Any] | None
    created_timestamp: str = ""


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


# -- the three events ----------------------------------------------------------------------------
def create_policy(client: Any, props: PolicyProperties, owner: Owner, deadline: Deadline) -> Applied:
    """Put this resource's statements beside (MERGE), instead of (REPLACE) or never over (FAIL) others'."""
    version, ours = _stamped(props, owner)
    live, _ = converge(client, props.resource_arn, owner, ours, props.on_existing_policy, deadline, version)
    return Applied(props.resource_arn, live.created_timestamp, _sha256(version, ours))


def policy_sha256(props: PolicyProperties, owner: Owner) -> str:
    """The ``PolicySha256`` attribute without writing (a rollback with nothing to restore)."""
    return _sha256(*_stamped(props, owner))


def _stamped(props: PolicyProperties, owner: Owner) -> tuple[str, list[dict[str, Any]]]:
    """The policy's Version, and this resource's statements as written (with its marker)."""
    return str(props.policy.get("Version") or VERSION), owner.stamp(statements_of(props.policy))


def _sha256(version: str, ours: list[dict[str, Any]]) -> str:
    return sha256_of({"Version": version, "Statement": ours})


def update_policy(client: Any, props: PolicyProperties, physical_id: str, owner: Owner, deadline: Deadline) -> Applied:
    """Same ARN (a rollback too): as Create. New ARN: create there; CloudFormation then deletes the old."""
    new_arn = props.resource_arn != physical_id
    try:
        # On a new ARN, keep time back to remove what this writes if it fails: CloudFormation
        # keeps the old physical id and would never delete it.
        return create_policy(client, props, owner, deadline.reserving(CLEANUP_RESERVE_S) if new_arn else deadline)
    except PolicyError:
        if new_arn:
            # CloudFormation keeps the old physical id: nothing else would remove what this wrote
            # on the new ARN. A failing cleanup must not hide the reason.
            try:
                remove_statements(client, props.resource_arn, owner, deadline, restore=False)
            except PolicyError as cleanup:
                logger.error({"message": f"cleanup after a failed replacement failed: {cleanup}"})
        raise


def delete_policy(client: Any, physical_id: str, owner: Owner, deadline: Deadline) -> str:
    """Remove this resource's statements and nothing else. Returns what happened."""
    if not is_sms_voice_arn(physical_id):
        # A Create that failed before answering with an ARN wrote nothing.
        return "nothing to delete: the physical id is not an sms-voice ARN"
    return remove_statements(client, physical_id, owner, deadline)


def remove_statements(client: Any, arn: str, owner: Owner, deadline: Deadline, restore: bool = True) -> str:
    try:
        _, wrote = converge(client, arn, owner, [], MERGE, deadline, VERSION, restore)
    except MissingResourceError:
        return "nothing to delete: the resource no longer exists"
    return "removed this resource's statements" if wrote else "nothing to delete: no statement of this resource"


# -- converging ----------------------------------------------------------------------------------
def converge(
    client: Any,
    arn: str,
    owner: Owner,
    ours: list[dict[str, Any]],
    mode: str,
    deadline: Deadline,
    version: str,
    restore: bool = True,
) -> tuple[Live, bool]:
    """Make this resource's statements on ``arn`` exactly ``ours``; returns what the last
    read showed and whether anything was written. ``restore``: when a write never shows,
    put back what was read (not for a cleanup: CloudFormation believes nothing is there)."""
    read_at = time.monotonic()
    live = get_policy(client, arn, deadline)
    wrote = False
    merges = denials = 0
    while merges < MAX_MERGES:
        target = merge(live.policy, ours, owner, mode, arn, version)
        if equivalent(target, live.policy):
            return live, wrote
        try:
            written = write(client, arn, target, deadline)
        except BusyError as busy:
            # The write did not go through (it is sent once: client.writer_for). What was read is
            # getting old, and a Put of it could drop what another writer put meanwhile: pause,
            # read again, merge again.
            pause = busy.pause(denials)
            if pause is None or not deadline.allows(pause):
                raise busy.final() from None
            denials += isinstance(busy, WriteDeniedError)
            logger.info({"message": f"{busy}: reading again before the next try", "arn": arn})
            time.sleep(pause)
            read_at = time.monotonic()
            live = get_policy(client, arn, deadline)
            continue
        wrote = True
        written_at = time.monotonic()
        gap = written_at - read_at
        settle = SETTLE_MIN_S + min(2 * gap, SETTLE_GAP_MAX_S) + random.uniform(0, SETTLE_JITTER_S)
        try:
            live, read_at = confirm(client, arn, owner, ours, live.policy, settle, deadline)
        except NotConfirmedError:
            # We answer FAILED, and what comes next (a rollback Update, a Delete) may read the
            # same stale state and change nothing: put back what we read, ordered after our
            # write, so that when the service catches up it shows what CloudFormation expects.
            if restore:
                _restore(client, arn, live.policy, deadline)
            raise
        if same_statements(owner.split(live.policy).mine, ours):
            # Another writer that read before ours showed may still write without them, and its
            # write shows as late as ours did: watch that long, and merge again if ours went.
            later = watch(client, arn, owner, ours, live, read_at - written_at, deadline)
            if later is None:
                return Live(live.policy, written.created_timestamp or live.created_timestamp), wrote
            live = later
        merges += 1
        logger.warning({"message": "another writer dropped this resource's statements: merging again", "arn": arn})
    raise PolicyError(
        f"other writers kept replacing the policy on {arn} ({MAX_MERGES} merges in a row); "
        "this resource's statements may be missing: retry the stack operation"
    )


def merge(
    current: dict[str, Any] | None,
    ours: list[dict[str, Any]],
    owner: Owner,
    mode: str,
    arn: str,
    version: str,
) -> dict[str, Any] | None:
    """The policy to write: what is kept of ``current`` plus ``ours`` (None: no policy at all)."""
    split = owner.split(current)
    if split.foreign and mode == FAIL and not same_statements(split.mine, ours):
        # (A rollback whose statements are already in place writes nothing, so refuses nothing.)
        count = f"{len(split.foreign)} statement{'s' if len(split.foreign) != 1 else ''}"
        # The reason is published in the stack's events: it names Sids only; other teams'
        # principals go to the function's log.
        logger.warning(
            {
                "message": "refused: statements this stack did not write",
                "arn": arn,
                "found": [_label(s) for s in split.foreign],
            }
        )
        sids = [f"Sid {s['Sid']}" for s in split.foreign if s.get("Sid")]
        unnamed = len(split.foreign) - len(sids)
        raise RefusedError(
            _fitted(
                f"{_resource_of(arn)} has {count} this stack did not write; left unchanged. "
                'on_existing_policy "MERGE" keeps them, "REPLACE" overwrites them. Found: ',
                sids + ([f"{unnamed} without a Sid (the function's log names their principals)"] if unnamed else []),
            )
        )
    if split.foreign and mode == REPLACE:
        labels = ", ".join(_label(s) for s in split.foreign)
        logger.warning({"message": f"replacing statements this stack did not write: {labels}", "arn": arn})
    kept = split.kept if mode != REPLACE else split.same_stack
    if not kept and not ours:
        return None
    policy = {k: v for k, v in (current or {}).items() if k != "Statement"}
    if ours:
        policy["Version"] = version
    policy["Statement"] = kept + ours
    _check_size(policy, ours, split, kept, arn)
    return policy


class BusyError(PolicyError):
    """A write that did not go through and may be tried again after reading again: the service
    throttled it or failed (5xx), or no answer came."""

    def pause(self, denials: int) -> float | None:
        """How long to wait before reading again (None: give up)."""
        return random.uniform(0, THROTTLE_RETRY_MAX_S)

    def final(self) -> PolicyError:
        """What the event fails with when no more tries are left."""
        return self


class WriteDeniedError(BusyError):
    """IAM denied a write: a role policy changed in the same deployment takes seconds to apply."""

    def __init__(self, described: PolicyError) -> None:
        super().__init__(f"access denied, IAM may still be applying a change ({described})")
        self.described = described

    def pause(self, denials: int) -> float | None:
        return ACCESS_DENIED_DELAYS[denials] if denials < len(ACCESS_DENIED_DELAYS) else None

    def final(self) -> PolicyError:
        return self.described


class NotConfirmedError(PolicyError):
    """The write was accepted but reads kept showing the state before it."""


def confirm(
    client: Any,
    arn: str,
    owner: Owner,
    ours: list[dict[str, Any]],
    before: dict[str, Any] | None,
    settle: float,
    deadline: Deadline,
) -> tuple[Live, float]:
    """Read back until ours show as written or another writer's change does (the caller
    merges again); returns what was read and when."""
    for delay in (settle, *READBACK_DELAYS):
        if not deadline.allows(delay + ATTEMPT_MAX_S + RESTORE_RESERVE_S):  # this read, then a restore
            break
        time.sleep(delay)
        read_at = time.monotonic()
        live = get_policy(client, arn, deadline)
        if same_statements(owner.split(live.policy).mine, ours) or not equivalent(live.policy, before):
            return live, read_at
        # Still the state read before the write: the write is not visible yet.
    raise NotConfirmedError(
        f"the write to {arn}'s policy succeeded but reading it back did not show it in time; "
        "the stack operation will roll back and retry"
    )


def watch(
    client: Any, arn: str, owner: Owner, ours: list[dict[str, Any]], seen: Live, seconds: float, deadline: Deadline
) -> Live | None:
    """Read again every ``seconds`` (at most WATCH_MAX_S) until a read shows nothing new:
    another writer that read before ours showed may still write without them, and its write
    shows as late as ours did. Returns the read that lacks ours (merge again), or None when
    the policy stayed quiet (or the deadline leaves no time to watch and merge again)."""
    seconds = min(seconds, WATCH_MAX_S)
    while deadline.allows(seconds + 3 * ATTEMPT_MAX_S + RESTORE_RESERVE_S):
        time.sleep(seconds)
        live = get_policy(client, arn, deadline)
        if not same_statements(owner.split(live.policy).mine, ours):
            return live
        if equivalent(live.policy, seen.policy):
            return None
        seen = live  # someone else wrote meanwhile, keeping ours: watch their write too
    return None


# -- service calls -------------------------------------------------------------------------------
def get_policy(client: Any, arn: str, deadline: Deadline) -> Live:
    """The attached policy (None: 404 of type policy, or ``"{}"``); MissingResourceError when
    the resource itself does not exist."""
    try:
        response = call(client.get_resource_policy, deadline, ResourceArn=arn)
    except ClientError as error:
        if error_code(error) == "ResourceNotFoundException":
            if _missing_type(error) == "policy":
                return Live(None)
            raise MissingResourceError(f"{arn} does not exist in this account and region") from None
        raise describe_client_error("GetResourcePolicy", arn, error) from None
    text = response.get("Policy")
    try:
        policy = json.loads(text) if text else None
    except ValueError:
        raise PolicyError(f"GetResourcePolicy on {arn} returned a policy that is not JSON") from None
    if not isinstance(policy, dict) or not policy:
        return Live(None)
    return Live(policy, _timestamp(response.get("CreatedTimestamp")))


def write(client: Any, arn: str, policy: dict[str, Any] | None, deadline: Deadline) -> Live:
    """Put ``policy``, or delete the policy when it is None; sent once (BusyError: read again first)."""
    writer = writer_for(client)
    if policy is None:
        deadline.check(f"delete the policy on {arn}")
        try:
            call(writer.delete_resource_policy, deadline, resend=False, ResourceArn=arn)
        except ClientError as error:
            if error_code(error) != "ResourceNotFoundException":
                raise _write_error("DeleteResourcePolicy", arn, error) from None
        return Live(None)
    deadline.check(f"put the policy on {arn}")
    try:
        response = call(writer.put_resource_policy, deadline, resend=False, ResourceArn=arn, Policy=canonical(policy))
    except ClientError as error:
        raise _write_error("PutResourcePolicy", arn, error) from None
    return Live(policy, _timestamp(response.get("CreatedTimestamp")))


def call(operation: Callable[..., Any], deadline: Deadline, resend: bool = True, **parameters: Any) -> Any:
    """One service call, its tries bounded by the deadline (client.bounded_by). An AccessDenied
    from IAM (no Reason: not an account state such as ACCOUNT_DISABLED) is tried again for a
    while: a role policy changed in the same deployment takes seconds to apply. ``resend=False``
    (a write): never sent again here; a failure the caller may try again after reading again is
    a BusyError."""
    name = operation.__name__
    for delay in (*ACCESS_DENIED_DELAYS, None) if resend else (None,):
        try:
            with bounded_by(deadline.allows):
                return operation(**parameters)
        except OutOfTimeError:
            raise PolicyError(f"not enough time left to finish {name}: retry the stack operation") from None
        except ClientError as error:
            if not is_iam_denied(error) or delay is None or not deadline.allows(delay):
                raise
            logger.warning({"message": "access denied; IAM may still be applying a change: trying again"})
            time.sleep(delay)
        except BotoCoreError as error:  # timeouts and connection errors, after botocore's retries
            message = f"{name} got no answer from sms-voice ({type(error).__name__})"
            if not resend:  # a write that got no answer may or may not have landed: read again to know
                raise BusyError(message) from None
            raise PolicyError(f"{message}: retry") from None
    raise AssertionError("unreachable")


# -- helpers -------------------------------------------------------------------------------------
def _write_error(operation: str, arn: str, error: ClientError) -> PolicyError:
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    if is_transient(error_code(error), status):
        return BusyError(f"{operation} on {arn} was throttled (or failed, HTTP {status}): retry")
    described = describe_client_error(operation, arn, error)
    if is_iam_denied(error):
        return WriteDeniedError(described)
    return described


def _restore(client: Any, arn: str, before: dict[str, Any] | None, deadline: Deadline) -> None:
    try:
        write(client, arn, before, deadline)
    except PolicyError as error:
        logger.error({"message": f"could not put back the policy read before the write: {error}", "arn": arn})
    else:
        logger.warning({"message": "put back the policy read before an unconfirmed write", "arn": arn})


def _check_size(
    policy: dict[str, Any], ours: list[dict[str, Any]], split: Split, kept: list[dict[str, Any]], arn: str
) -> None:
    size = len(canonical(policy))
    if size <= MAX_POLICY_CHARS:
        return
    renamed = (
        f" ({len(canonical(split.same_stack))} of them this stack's under another logical id, removed once "
        "CloudFormation deletes the renamed resource: deploy the rename when the policy is under half the limit)"
        if split.same_stack
        else ""
    )
    raise PolicyError(
        f"the policy of {_resource_of(arn)} would be {size} characters, over the service's {MAX_POLICY_CHARS}: "
        f"this resource's statements take {len(canonical(ours))}, the {len(kept)} already there "
        f"{len(canonical(kept))}{renamed}; nothing was written: share with fewer principals or remove statements"
    )


def _label(statement: dict[str, Any]) -> str:
    """A statement as a person finds it: its Sid, or without one its principals."""
    if statement.get("Sid"):
        return f"Sid {statement['Sid']}"
    principal = statement.get("Principal")
    members = principal.values() if isinstance(principal, dict) else [principal]
    names = [str(v) for m in members for v in (m if isinstance(m, list) else [m]) if v]
    return "principal " + " ".join(names) if names else "a statement without Sid or principal"


def _fitted(text: str, items: list[str]) -> str:
    """``text`` and as many of ``items`` as fit in a reason, then how many were left out."""
    shown: list[str] = []
    for index, item in enumerate(items):
        rest = len(items) - index - 1
        candidate = "; ".join([*shown, item]) + (f"; and {rest} more" if rest else "")
        if len(text) + len(candidate) > MAX_REASON:
            break
        shown.append(item)
    left = len(items) - len(shown)
    return text + "; ".join(shown) + (f"{'; ' if shown else ''}and {left} more" if left else "")


def _resource_of(arn: str) -> str:
    """'phone-number/phone-...': short enough for a 256-character reason."""
    return arn.split(":", 5)[-1]


def _timestamp(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value or "")


def _missing_type(error: ClientError) -> str:
    response = error.response
    return str(response.get("ResourceType") or response.get("Error", {}).get("ResourceType") or "")
