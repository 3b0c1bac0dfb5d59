"""crhelper's CfnResource, adjusted to answer CloudFormation exactly once per event.

- crhelper's timer sends FAILED 0.5 s before the deadline from another thread;
  if the handler then finishes, crhelper would answer a second time. ``_send``
  here lets only the first answer of an invocation out.
- crhelper builds lambda, events and logs clients at init for its polling mode,
  which this function never uses. Its switch for skipping them is
  AWS_SAM_LOCAL, read once in ``__init__``: set only while constructing.
- An event too broken for crhelper to read (no StackId, say) is answered here,
  as long as it has a ResponseURL.
- Every answer carries a physical id: crhelper resets it on every invocation and
  only our Create sets it early, so the timer's FAILED answer to an Update or a
  Delete would carry "" ("Invalid PhysicalResourceId") without the event's own.
- Answers go out through ``response.put_answer``, which retries 5xx answers too.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from crhelper import FAILED, CfnResource

from .errors import shorten
from .response import put_answer

logger = logging.getLogger(__name__)


@contextmanager
def _env(name: str, value: str) -> Iterator[None]:
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            del os.environ[name]
        else:
            os.environ[name] = previous


class SingleAnswerResource(CfnResource):
    def __init__(self) -> None:
        with _env("AWS_SAM_LOCAL", "true"):
            super().__init__(
                json_logging=True,
                log_level=os.environ.get("LOG_LEVEL", "INFO"),
                boto_level="ERROR",
                sleep_on_delete=0,  # nothing here waits for CloudWatch Logs
                # ssl_verify left at crhelper's default: the default trust store (the tests point
                # OpenSSL's SSL_CERT_FILE at their sink's CA).
            )
        self._answer_lock = threading.Lock()
        self._answered = False

    def __call__(self, event: Any, context: Any) -> None:
        with self._answer_lock:
            self._answered = False
        super().__call__(event, context)

    @property
    def answered(self) -> bool:
        """Whether this invocation's answer went out (after a FAILED one, nothing may be written)."""
        with self._answer_lock:
            return self._answered

    def _send(self, status: str | None = None, reason: str = "", send_response: Any = None) -> None:
        with self._answer_lock:
            if self._answered:
                logger.warning({"message": "suppressed a second answer to the same event", "status": status})
                return
            self._answered = True
        if not getattr(self, "PhysicalResourceId", ""):
            event: dict[str, Any] = getattr(self, "_event", None) or {}
            self.PhysicalResourceId = event.get("PhysicalResourceId") or f"{event.get('LogicalResourceId')}-not-created"
        super()._send(status, reason, self._put)

    def _put(self, url: str, body: dict[str, Any], ssl_verify: Any) -> None:
        context = getattr(self, "_context", None)
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        put_answer(url, body, ssl_verify, (lambda: remaining() / 1000.0) if remaining else (lambda: 30.0))

    def _timeout(self) -> None:
        logger.error({"message": "about to time out; answering FAILED"})
        self._send(
            FAILED,
            "the function ran out of time talking to sms-voice (throttling or an outage); "
            "nothing was confirmed: retry the stack operation",
        )

    def answer_malformed(self, event: Any, reason: str) -> None:
        """Answer FAILED to an event crhelper cannot parse; no answer is possible without a ResponseURL."""
        url = event.get("ResponseURL") if isinstance(event, dict) else None
        if not isinstance(url, str) or not url.startswith("https://"):
            logger.error({"message": "cannot answer: the event has no https ResponseURL", "problem": reason})
            return
        # CloudFormation's own ids are short; ids long enough to push the body past its 4,096
        # bytes come from no CloudFormation event, and are cut so that the answer still fits.
        body = {
            "Status": FAILED,
            "Reason": shorten(f"invalid custom resource event: {reason}"),
            "PhysicalResourceId": str(event.get("PhysicalResourceId") or "shared-sms-invalid-event")[:256],
            "StackId": str(event.get("StackId") or "")[:1024],
            "RequestId": str(event.get("RequestId") or "")[:512],
            "LogicalResourceId": str(event.get("LogicalResourceId") or "")[:512],
            "Data": {},
            "NoEcho": False,
        }
        logger.error({"message": "invalid event", "problem": reason})
        put_answer(url, body, self._ssl_verify, lambda: 30.0)
