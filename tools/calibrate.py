"""Measure on a real AWS account what the SMS Voice V2 emulator (tests/fakes/sms_voice/) assumes
about the resource-policy operations, and write it as a profile the emulator loads.

Opt-in: it needs credentials for an account where you may create an opt-out list. Run

    python tools/calibrate.py --region us-east-1 [--profile-out calibration.json] \\
        [--aws-profile NAME] [--second-account-profile NAME]

then ``python -m tests.fakes.sms_voice --profile calibration.json``, or in a test
``emulator.apply_profile("calibration.json")``. It takes a few minutes (longer if reads lag).
The tests run it against the emulator (``AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2``):
tests/fakes/test_calibrate.py.

What it creates and deletes, in the account of the default credentials (or ``--aws-profile``):

- one opt-out list ``shared-sms-calibrate-<8 hex digits>`` (CreateOptOutList: opt-out lists
  cost nothing) and the resource policies it writes on it (one statement each, Sid
  ``SharedSmsCalibrate...``, letting the same account call DescribeOptedOutNumbers). The list is
  deleted at the end (DeleteOptOutList), also after an error or Ctrl-C; if that fails, its
  name is printed for you to delete.

With ``--second-account-profile NAME`` (a named profile of a second account), also:

- one AWS RAM resource share ``shared-sms-calibrate-<8 hex digits>`` in the first account,
  holding the opt-out list with the second account as principal (``allowExternalPrincipals``);
  the second account accepts the invitation if one comes. Deleted at the end, before the list.
- the second account tries PutResourcePolicy on the shared list (Sid
  ``SharedSmsCalibrateConsumer``); if AWS accepts it, the list's deletion removes it.

What it measures, in this order:

1. What GetResourcePolicy answers for a resource without a policy (the new list): an error code,
   or HTTP 200 and which ``Policy``; and again after a DeleteResourcePolicy.
2. The request rate of Get-, Put- and DeleteResourcePolicy before ThrottlingException
   (``--skip-rates`` skips it): each operation in turn, after ``--cooldown`` seconds idle, at
   each rate of ``--ladder`` for ``--step-seconds``, one request at a time, botocore's retries
   off. A step sends at 90% of its rate, so a quota of exactly that rate passes despite timing
   jitter. The first ThrottlingException ends that operation's probe: ``rps`` is the highest
   rate that passed (the quota lies between it and ``throttled_at``). Deletes mostly find no
   policy; they are assumed to count against the quota like any other request.
3. The read-after-write lag, ``--samples`` times each: Put a policy with a new Sid, then read
   until reads show it, and keep reading until they have shown it for ``--settle`` seconds and
   for at least as long as it took; the same after a Delete. Reads are paced to the measured
   Get rate (or ``--poll-interval``). A sample's lag lies between the last read that did not
   show the write and the next read (its midpoint is reported). Any read showing an older
   state after one showed the newer makes the profile's ``monotonic`` false; the lag of such
   reads is where the last stale read fell, a lower bound that more ``--samples`` bring closer.
   Then a Put and at once a Delete: whether the Delete removed the Put's policy (writes see
   earlier writes).
4. With a second account: whether the RAM share writes statements into the list's policy
   (reads for ``--ram-window`` seconds once the share is associated), whether the second
   account lists the list with ``Owner="SHARED"``, whether it may PutResourcePolicy on it and
   what it is answered, and whether statements RAM wrote go when the share is deleted.

Permissions: first account ``sms-voice:CreateOptOutList``, ``DeleteOptOutList``,
``PutResourcePolicy``, ``GetResourcePolicy``, ``DeleteResourcePolicy``; with a second account
also ``ram:CreateResourceShare``, ``ram:DeleteResourceShare``,
``ram:GetResourceShareAssociations``; second account ``sts:GetCallerIdentity``,
``ram:GetResourceShareInvitations``, ``ram:AcceptResourceShareInvitation``,
``sms-voice:DescribeOptOutLists``, ``sms-voice:PutResourcePolicy``.

The profile (JSON, ``"format": "shared-sms-calibration/1"``): ``read_after_write`` (``put`` and
``delete``: ``max_s``, ``median_s``, ``samples_s``, ``bounds_s``, ``first_seen_s``, ``timed_out``;
``monotonic``, ``regressions``, ``writes_see_earlier_writes``, ``poll_interval_s``), ``rates``
(per operation: ``rps``, ``throttled_at``, ``steps``, ``note``; null when skipped),
``no_policy`` (``style``: ``not-found``, ``empty`` or ``other``; ``never_written`` and
``after_delete`` answers), ``ram`` (``checked``, and the findings or why skipped), and
``region``, ``endpoint``, ``botocore``, ``measured_at``. The emulator's reading of it is
``tests/fakes/sms_voice/profile.py``.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, ProfileNotFound

FORMAT = "shared-sms-calibration/1"
SERVICE = "pinpoint-sms-voice-v2"
THROTTLES = frozenset({"ThrottlingException", "Throttling", "TooManyRequestsException"})
NOT_FOUND = "ResourceNotFoundException"
LADDER = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0)
MARGIN = 0.1
"""A step sends at this fraction below its rate."""
ASSUMED_RPS = 1.0
"""The policy operations' quota until measured (DOMAIN.md: they have no row; their neighbours' 1)."""
SID = "SharedSmsCalibrate"
NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})
PATIENT = Config(retries={"mode": "standard", "total_max_attempts": 10})

Log = Callable[[str], None]


@dataclass(frozen=True)
class Settings:
    samples: int = 5
    poll_s: float | None = None
    """Seconds between reads while waiting for a write (None: paced to the Get rate)."""
    settle_s: float = 5.0
    timeout_s: float = 150.0
    """A sample gives up after this long (Terraform's resource reads back for 2 minutes)."""
    ladder: tuple[float, ...] = LADDER
    step_s: float = 4.0
    cooldown_s: float = 5.0
    rates: bool = True
    ram_window_s: float = 30.0
    ram_timeout_s: float = 120.0
    ram_poll_s: float = 2.0


@dataclass(frozen=True)
class Read:
    """One GetResourcePolicy answer."""

    sids: frozenset[str] | None
    """The policy's statement ids (None: no policy)."""
    text: str | None
    """The policy as answered (None: an error answered)."""
    answer: dict[str, Any]
    """How the service said there is no policy (empty when there is one)."""
    at: float
    """``time.monotonic()`` midway through the request."""


@dataclass
class Sample:
    lag_s: float | None
    """None: the write did not settle within the timeout."""
    bounds_s: tuple[float, float] | None
    """The last read that did not show the write (0: none) and the next read: the lag lies between."""
    first_seen_s: float | None
    reads: int
    regressions: int
    """Reads that showed an older state after a read showed the write."""
    last: Read | None


# -- reading and writing ---------------------------------------------------------------------------
def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def statement_ids(text: str | None) -> frozenset[str] | None:
    """The Sids of a policy's statements; None when the text holds no statement."""
    try:
        policy = json.loads(text) if text else None
    except ValueError:
        return None
    statements = policy.get("Statement") if isinstance(policy, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    if not statements:
        return None
    return frozenset(str(s.get("Sid", "")) for s in statements if isinstance(s, dict))


def read_policy(client: Any, arn: str) -> Read | None:
    """GetResourcePolicy once; None when throttled."""
    start = time.monotonic()
    try:
        response = client.get_resource_policy(ResourceArn=arn)
    except ClientError as error:
        code = error_code(error)
        if code in THROTTLES:
            return None
        if code != NOT_FOUND:
            raise
        answer = {
            "style": "not-found",
            "http_status": error.response.get("ResponseMetadata", {}).get("HTTPStatusCode"),
            "error_code": code,
            "resource_type": error.response.get("ResourceType"),
        }
        return Read(None, None, answer, (start + time.monotonic()) / 2)
    at = (start + time.monotonic()) / 2
    text = response.get("Policy")
    sids = statement_ids(text)
    if sids is not None:
        return Read(sids, text, {}, at)
    style = "empty" if text == "{}" else "other"
    return Read(None, text, {"style": style, "http_status": 200, "policy": text}, at)


def served(call: Callable[..., Any], *, patience_s: float = 60.0, **parameters: Any) -> tuple[dict[str, Any], float]:
    """Call until the service does not throttle; its answer and the time midway through the call."""
    deadline, pause = time.monotonic() + patience_s, 0.5
    while True:
        start = time.monotonic()
        try:
            return call(**parameters), (start + time.monotonic()) / 2
        except ClientError as error:
            if error_code(error) not in THROTTLES or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(2 * pause, 5.0)


def document(arn: str, sid: str, account: str | None = None) -> str:
    """A policy of one statement letting ``account`` (default: the owner) list the opt-out list's numbers."""
    parts = arn.split(":")
    principal = f"arn:{parts[1]}:iam::{account or parts[4]}:root"
    statement = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "sms-voice:DescribeOptedOutNumbers",
        "Resource": arn,
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


# -- 1 and 3: the read-after-write lag and the no-policy answer -----------------------------------
def wait_for(
    client: Any, arn: str, is_new: Callable[[Read], bool], written_at: float, poll_s: float, settings: Settings
) -> Sample:
    """Read until reads have shown the write for ``settle_s`` and for as long as they did not
    (at the timeout, ``settle_s`` is enough). The lag: midway between the last read that did not
    show the write and the next read."""
    first_seen = last_stale = run_start = None
    reads = regressions = 0
    last = None
    while True:
        read = read_policy(client, arn)
        timed_out = time.monotonic() - written_at > settings.timeout_s
        if read is not None:
            reads, last, at = reads + 1, read, read.at - written_at
            if is_new(read):
                first_seen = at if first_seen is None else first_seen
                run_start = at if run_start is None else run_start
                stale_until = last_stale or 0.0
                if at - stale_until >= (settings.settle_s if timed_out else max(settings.settle_s, stale_until)):
                    bounds = (stale_until, run_start)
                    return Sample(sum(bounds) / 2, bounds, first_seen, reads, regressions, last)
            else:
                if first_seen is not None:
                    regressions += 1
                last_stale, run_start = at, None
        if timed_out:
            return Sample(None, None, first_seen, reads, regressions, last)
        time.sleep(poll_s)


def _summary(samples: Sequence[Sample], settings: Settings) -> dict[str, Any]:
    lags = [s.lag_s for s in samples if s.lag_s is not None]
    timed_out = len(samples) - len(lags)
    bound = lags + [settings.timeout_s] * timed_out  # a timed-out sample lagged at least this long
    return {
        "max_s": round(max(bound), 3) if bound else None,
        "median_s": round(statistics.median(bound), 3) if bound else None,
        "samples_s": [None if s.lag_s is None else round(s.lag_s, 3) for s in samples],
        "bounds_s": [None if s.bounds_s is None else [round(b, 3) for b in s.bounds_s] for s in samples],
        "first_seen_s": [None if s.first_seen_s is None else round(s.first_seen_s, 3) for s in samples],
        "timed_out": timed_out,
    }


def _no_policy(read: Read) -> bool:
    return read.sids is None


def _showing(sid: str) -> Callable[[Read], bool]:
    return lambda read: sid in (read.sids or ())


def _without_policy(client: Any, arn: str) -> None:
    """Delete whatever policy the list has (its absence is not an error)."""
    try:
        served(client.delete_resource_policy, ResourceArn=arn)
    except ClientError as error:
        if error_code(error) != NOT_FOUND:
            raise


def measure_lags(client: Any, arn: str, poll_s: float, settings: Settings, log: Log) -> dict[str, Any]:
    """Put and Delete ``settings.samples`` times each and time how long reads take to show them."""
    _without_policy(client, arn)
    wait_for(client, arn, _no_policy, time.monotonic(), poll_s, settings)
    puts: list[Sample] = []
    deletes: list[Sample] = []
    for i in range(settings.samples):
        sid = f"{SID}{i}"
        _, at = served(client.put_resource_policy, ResourceArn=arn, Policy=document(arn, sid))
        puts.append(wait_for(client, arn, _showing(sid), at, poll_s, settings))
        _, at = served(client.delete_resource_policy, ResourceArn=arn)
        deletes.append(wait_for(client, arn, _no_policy, at, poll_s, settings))
        log(
            f"sample {i + 1}/{settings.samples}: reads showed the Put after {puts[-1].lag_s} s, the Delete after "
            f"{deletes[-1].lag_s} s; older states after newer: {puts[-1].regressions + deletes[-1].regressions}"
        )
    sees = _write_after_write(client, arn, poll_s, settings)
    after_delete = deletes[-1].last.answer if deletes and deletes[-1].last else None
    samples = puts + deletes
    return {
        "poll_interval_s": round(poll_s, 3),
        "settle_s": settings.settle_s,
        "put": _summary(puts, settings),
        "delete": _summary(deletes, settings),
        "monotonic": all(s.regressions == 0 for s in samples),
        "regressions": sum(s.regressions for s in samples),
        "reads": sum(s.reads for s in samples),
        "writes_see_earlier_writes": sees,
        "after_delete": after_delete,
    }


def _write_after_write(client: Any, arn: str, poll_s: float, settings: Settings) -> bool:
    """Put, then Delete at once: whether the Delete removed (and answered) the Put's policy."""
    sid = f"{SID}Write"
    served(client.put_resource_policy, ResourceArn=arn, Policy=document(arn, sid))
    try:
        response, _ = served(client.delete_resource_policy, ResourceArn=arn)
        sees = sid in (statement_ids(response.get("Policy")) or ())
    except ClientError as error:
        if error_code(error) != NOT_FOUND:
            raise
        sees = False
    if not sees:  # the Put may still be there: remove it once it shows
        wait_for(client, arn, _showing(sid), time.monotonic(), poll_s, settings)
        _without_policy(client, arn)
    wait_for(client, arn, _no_policy, time.monotonic(), poll_s, settings)
    return sees


# -- 2: request rates -----------------------------------------------------------------------------
def sender(call: Callable[..., Any], **parameters: Any) -> Callable[[], bool]:
    """One request; False when throttled (an absent policy is an answer like any other)."""

    def send() -> bool:
        try:
            call(**parameters)
        except ClientError as error:
            code = error_code(error)
            if code in THROTTLES:
                return False
            if code != NOT_FOUND:
                raise
        return True

    return send


def probe_rate(send: Callable[[], bool], settings: Settings) -> dict[str, Any]:
    """Send at each rate of the ladder for ``step_s``; stop at the first throttle."""
    time.sleep(settings.cooldown_s)  # a full bucket to start from
    steps: list[dict[str, Any]] = []
    passed: float | None = None
    throttled_at: float | None = None
    note: str | None = None
    for rate in settings.ladder:
        target = rate * (1 - MARGIN)
        count = max(2, math.ceil(settings.step_s * target))
        start, sent, throttled = time.monotonic(), [], False
        for k in range(count):
            pause = start + k / target - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            sent.append(time.monotonic())
            if not send():
                throttled = True
                break
        span = sent[-1] - sent[0]
        achieved = (len(sent) - 1) / span if span > 0 else None
        steps.append(
            {
                "rps": rate,
                "sent_rps": None if achieved is None else round(achieved, 3),
                "requests": len(sent),
                "throttled": throttled,
            }
        )
        if throttled:
            throttled_at = rate
            break
        if achieved is not None and achieved < 0.9 * target:
            note = f"could not send {target:g} requests per second one at a time ({achieved:.2f}): rps is a lower bound"
            break
        passed = rate
    else:
        note = f"no throttle up to {settings.ladder[-1]:g} requests per second: rps is a lower bound"
    return {"rps": passed, "throttled_at": throttled_at, "steps": steps, "note": note}


def probe_rates(client: Any, arn: str, settings: Settings, log: Log) -> dict[str, dict[str, Any]]:
    """The three policy operations' rates, one after the other (``client`` must not retry)."""
    operations = {
        "GetResourcePolicy": sender(client.get_resource_policy, ResourceArn=arn),
        "PutResourcePolicy": sender(client.put_resource_policy, ResourceArn=arn, Policy=document(arn, f"{SID}Rate")),
        "DeleteResourcePolicy": sender(client.delete_resource_policy, ResourceArn=arn),
    }
    found = {}
    for name, send in operations.items():
        found[name] = probe_rate(send, settings)
        log(f"{name}: {found[name]['rps']} requests per second passed, throttled at {found[name]['throttled_at']}")
    return found


# -- 4: RAM ---------------------------------------------------------------------------------------
def _pages(client: Any, operation: str, key: str, **parameters: Any) -> list[dict[str, Any]]:
    return [item for page in client.get_paginator(operation).paginate(**parameters) for item in page[key]]


def _describe(error: Exception) -> str:
    if isinstance(error, ClientError):
        return f"{error_code(error)}: {error.response.get('Error', {}).get('Message', '')}"
    return str(error)


def _associate(owner_ram: Any, consumer_ram: Any, share: str, settings: Settings, log: Log) -> dict[str, Any]:
    """Accept the second account's invitation if one comes; wait until the share is associated."""
    deadline, accepted = time.monotonic() + settings.ram_timeout_s, False
    while True:
        if not accepted:
            invitations = _pages(
                consumer_ram, "get_resource_share_invitations", "resourceShareInvitations", resourceShareArns=[share]
            )
            for invitation in invitations:
                if invitation.get("status") == "PENDING":
                    invitation_arn = invitation["resourceShareInvitationArn"]
                    consumer_ram.accept_resource_share_invitation(resourceShareInvitationArn=invitation_arn)
                    accepted = True
                    log(f"the second account accepted invitation {invitation_arn}")
        statuses = {}
        for kind in ("PRINCIPAL", "RESOURCE"):
            associations = _pages(
                owner_ram,
                "get_resource_share_associations",
                "resourceShareAssociations",
                associationType=kind,
                resourceShareArns=[share],
            )
            statuses[kind] = sorted({str(a.get("status")) for a in associations})
        associated = all(found == ["ASSOCIATED"] for found in statuses.values())
        failed = any("FAILED" in found for found in statuses.values())
        if associated or failed or time.monotonic() > deadline:
            return {"invitation_accepted": accepted, "statuses": statuses, "associated": associated}
        time.sleep(settings.ram_poll_s)


def _policies_seen(client: Any, arn: str, window_s: float, poll_s: float) -> list[str]:
    """The distinct policies reads show during ``window_s``, as answered."""
    seen: list[str] = []
    deadline = time.monotonic() + window_s
    while True:
        read = read_policy(client, arn)
        if read is not None and read.sids is not None and read.text not in seen:
            seen.append(str(read.text))
        if time.monotonic() > deadline:
            return seen
        time.sleep(poll_s)


def check_ram(
    owner_sms: Any,
    owner_ram: Any,
    consumer_sms: Any,
    consumer_ram: Any,
    consumer_account: str,
    arn: str,
    settings: Settings,
    poll_s: float,
    log: Log,
) -> dict[str, Any]:
    """Share ``arn`` with the second account through RAM and see what that does to its policy
    (reads every ``poll_s``)."""
    _without_policy(owner_sms, arn)
    name = f"shared-sms-calibrate-{uuid.uuid4().hex[:8]}"
    try:
        share = owner_ram.create_resource_share(
            name=name, resourceArns=[arn], principals=[consumer_account], allowExternalPrincipals=True
        )["resourceShare"]["resourceShareArn"]
    except (ClientError, BotoCoreError) as error:
        return {"checked": False, "skipped": f"RAM checks skipped: RAM refused the share ({_describe(error)})"}
    log(f"created RAM resource share {name} ({share}): {arn} with account {consumer_account}")
    found: dict[str, Any] = {"checked": True, "consumer_account": consumer_account}
    try:
        found["association"] = _associate(owner_ram, consumer_ram, share, settings, log)
        seen = _policies_seen(owner_sms, arn, settings.ram_window_s, poll_s)
        found["share_writes_policy"], found["policies_seen"] = bool(seen), seen
        shared = _pages(consumer_sms, "describe_opt_out_lists", "OptOutLists", Owner="SHARED")
        found["consumer_sees_shared"] = any(o.get("OptOutListArn") == arn for o in shared)
        found["consumer_put"] = _consumer_put(consumer_sms, consumer_account, arn)
    finally:
        try:
            owner_ram.delete_resource_share(resourceShareArn=share)
            log(f"deleted RAM resource share {share}")
        except (ClientError, BotoCoreError) as error:
            log(f"COULD NOT DELETE RAM resource share {share}: {_describe(error)}; delete it by hand")
    if found["share_writes_policy"]:
        left = _policies_seen(owner_sms, arn, settings.ram_window_s, poll_s)
        found["policy_after_unshare"] = left[-1] if left else None
    return found


def _consumer_put(consumer_sms: Any, consumer_account: str, arn: str) -> dict[str, Any]:
    policy = document(arn, f"{SID}Consumer", consumer_account)
    try:
        consumer_sms.put_resource_policy(ResourceArn=arn, Policy=policy)
    except ClientError as error:
        return {
            "allowed": False,
            "error_code": error_code(error),
            "reason": error.response.get("Reason"),
            "message": error.response.get("Error", {}).get("Message"),
        }
    return {"allowed": True}


# -- the whole run ----------------------------------------------------------------------------------
def measure(client: Any, arn: str, settings: Settings, log: Log) -> dict[str, Any]:
    """Steps 1-3 on the opt-out list ``arn`` that has no policy yet (``client`` must not retry)."""
    never_written = None
    while never_written is None:
        never_written = read_policy(client, arn)
        if never_written is None:
            time.sleep(1.0)
    log(f"no policy yet: GetResourcePolicy answers {never_written.answer}")
    rates = probe_rates(client, arn, settings, log) if settings.rates else None
    get_rps = (rates or {}).get("GetResourcePolicy", {}).get("rps") or ASSUMED_RPS
    poll_s = settings.poll_s if settings.poll_s is not None else 1 / (get_rps * (1 - MARGIN))
    if rates is not None:
        time.sleep(settings.cooldown_s)
    lags = measure_lags(client, arn, poll_s, settings, log)
    return {
        "format": FORMAT,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "endpoint": client.meta.endpoint_url,
        "region": client.meta.region_name,
        "botocore": botocore.__version__,
        "read_after_write": {k: v for k, v in lags.items() if k != "after_delete"},
        "rates": rates,
        "no_policy": {
            "style": never_written.answer.get("style") if never_written.sids is None else None,
            "never_written": never_written.answer,
            "after_delete": lags["after_delete"],
        },
    }


def calibrate(
    session: Any,
    settings: Settings,
    log: Log,
    consumer_session: Any | None = None,
    no_consumer: str = "RAM checks skipped: no --second-account-profile",
) -> dict[str, Any]:
    """Create the opt-out list, measure, run the RAM checks if a second account is given, delete."""
    owner = session.client(SERVICE, config=PATIENT)
    raw = session.client(SERVICE, config=NO_RETRIES)
    name = f"shared-sms-calibrate-{uuid.uuid4().hex[:8]}"
    arn = owner.create_opt_out_list(OptOutListName=name)["OptOutListArn"]
    log(f"created opt-out list {name} ({arn})")
    try:
        profile = measure(raw, arn, settings, log)
        poll_s = profile["read_after_write"]["poll_interval_s"]
        profile["ram"] = _ram(session, consumer_session, no_consumer, owner, arn, settings, poll_s, log)
    finally:
        try:
            owner.delete_opt_out_list(OptOutListName=name)
            log(f"deleted opt-out list {name}")
        except (ClientError, BotoCoreError) as error:
            log(f"COULD NOT DELETE opt-out list {name}: {_describe(error)}; delete it by hand")
    return profile


def _ram(
    session: Any,
    consumer_session: Any | None,
    no_consumer: str,
    owner: Any,
    arn: str,
    settings: Settings,
    poll_s: float,
    log: Log,
) -> dict[str, Any]:
    if consumer_session is None:
        log(no_consumer)
        return {"checked": False, "skipped": no_consumer}
    try:
        consumer_account = consumer_session.client("sts").get_caller_identity()["Account"]
        owner_ram, consumer_ram = session.client("ram"), consumer_session.client("ram")
        consumer_sms = consumer_session.client(SERVICE, config=PATIENT)
    except (ClientError, BotoCoreError) as error:
        skipped = f"RAM checks skipped: the second account is unavailable ({_describe(error)})"
        log(skipped)
        return {"checked": False, "skipped": skipped}
    found = check_ram(owner, owner_ram, consumer_sms, consumer_ram, consumer_account, arn, settings, poll_s, log)
    if not found["checked"]:
        log(found["skipped"])
    return found


def _ladder(text: str) -> tuple[float, ...]:
    rates = tuple(float(r) for r in text.split(","))
    if not rates or any(r <= 0 for r in rates) or list(rates) != sorted(rates):
        raise argparse.ArgumentTypeError("rising positive rates, comma-separated")
    return rates


def main(argv: Sequence[str] | None = None) -> int:
    defaults = Settings()
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n", 1)[0] if __doc__ else None,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--region", required=True)
    parser.add_argument("--profile-out", type=Path, help="write the profile here (default: print it)")
    parser.add_argument("--aws-profile", help="named AWS profile of the account to measure (default: the usual chain)")
    parser.add_argument("--second-account-profile", help="named AWS profile of a second account, for the RAM checks")
    parser.add_argument("--samples", type=int, default=defaults.samples, help="lag samples per Put and per Delete")
    parser.add_argument("--poll-interval", type=float, help="seconds between reads (default: paced to Get's rate)")
    parser.add_argument("--settle", type=float, default=defaults.settle_s, help="seconds reads must show a write")
    parser.add_argument("--timeout", type=float, default=defaults.timeout_s, help="seconds before a sample gives up")
    parser.add_argument(
        "--ladder", type=_ladder, default=defaults.ladder, help="request rates to try, e.g. 0.5,1,2,5,10,20"
    )
    parser.add_argument("--step-seconds", type=float, default=defaults.step_s, help="seconds at each rate")
    parser.add_argument("--cooldown", type=float, default=defaults.cooldown_s, help="idle seconds before a probe")
    parser.add_argument("--skip-rates", action="store_true", help="do not probe the request rates")
    parser.add_argument("--ram-window", type=float, default=defaults.ram_window_s, help="seconds to watch RAM's effect")
    args = parser.parse_args(argv)
    settings = Settings(
        samples=args.samples,
        poll_s=args.poll_interval,
        settle_s=args.settle,
        timeout_s=args.timeout,
        ladder=args.ladder,
        step_s=args.step_seconds,
        cooldown_s=args.cooldown,
        rates=not args.skip_rates,
        ram_window_s=args.ram_window,
    )

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        session = boto3.Session(profile_name=args.aws_profile, region_name=args.region)
    except ProfileNotFound as error:
        raise SystemExit(f"calibrate: {error}") from None
    consumer_session, no_consumer = None, "RAM checks skipped: no --second-account-profile"
    if args.second_account_profile:
        try:
            consumer_session = boto3.Session(profile_name=args.second_account_profile, region_name=args.region)
        except ProfileNotFound as error:
            no_consumer = f"RAM checks skipped: {error}"
    try:
        profile = calibrate(session, settings, log, consumer_session, no_consumer)
    except NoCredentialsError as error:
        raise SystemExit(f"calibrate: {error}: it needs credentials for the account to measure") from None
    text = json.dumps(profile, indent=2)
    if args.profile_out:
        args.profile_out.write_text(text + "\n")
        log(f"wrote {args.profile_out}")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
