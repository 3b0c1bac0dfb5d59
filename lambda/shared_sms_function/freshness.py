"""Until when CloudFormation still waits for an event's answer.

CloudFormation invokes the function asynchronously, and Lambda may deliver an event late (kept
in its queue while throttled, up to six hours by default) or again (its retries after a function
error; at-least-once delivery). An event handled after CloudFormation stopped waiting acts
behind its back: a Create delivered again after its Delete answered writes back a grant that
CloudFormation believes gone. The construct limits Lambda's retries and event age
(``AWS::Lambda::EventInvokeConfig``); this is the function's own check.

The ResponseURL is a pre-signed S3 URL (CloudFormation's custom resource reference). Signed with
SigV4, it carries its signing time (``X-Amz-Date``). Assumption (not documented): CloudFormation
signs it when it sends the event, and waits ``ServiceTimeout`` seconds from then (the custom
resource's property, passed in ``ResourceProperties``; 3600 when absent, CloudFormation's
default). A URL without ``X-Amz-Date`` (SigV2, or a format this does not know) gives no time:
the event is handled, bounded by the Lambda timeout only.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

DEFAULT_SERVICE_TIMEOUT_S = 3600.0


def answer_due(event: dict[str, Any]) -> float | None:
    """The epoch second after which CloudFormation no longer waits for the answer (None: unknown)."""
    dates = parse_qs(urlsplit(str(event.get("ResponseURL") or "")).query).get("X-Amz-Date")
    if not dates:
        return None
    try:
        signed = datetime.strptime(dates[0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None
    return signed + _service_timeout(event.get("ResourceProperties"))


def lateness(event: dict[str, Any], now: float | None = None) -> str | None:
    """Why the event is too late to act on, or None."""
    due = answer_due(event)
    now = time.time() if now is None else now
    if due is None or now < due:
        return None
    return (
        f"delivered {now - due:.0f} s after CloudFormation stopped waiting for its answer "
        "(a late or repeated delivery); nothing was done"
    )


def _service_timeout(properties: Any) -> float:
    value = properties.get("ServiceTimeout") if isinstance(properties, dict) else None
    try:
        seconds = float(value) if value is not None else DEFAULT_SERVICE_TIMEOUT_S
    except (TypeError, ValueError):
        return DEFAULT_SERVICE_TIMEOUT_S
    return seconds if seconds > 0 else DEFAULT_SERVICE_TIMEOUT_S
