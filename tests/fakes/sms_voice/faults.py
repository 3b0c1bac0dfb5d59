"""Fault injection for the emulator: throttling bursts, 5xx, latency, slow visibility (request
rates are rates.py's)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class Faults:
    latency_s: float = 0.0
    """Added to every request before it is handled."""
    visibility_delay_s: float = 0.0
    """How long a Put (and a Delete, unless ``State.delete_visibility_delay_s``) stays invisible to
    reads (read-after-write lag); how reads inside the lag behave is ``State.read_consistency``."""
    throttle_next: int = 0
    """This many next requests answer ThrottlingException."""
    fail_next: int = 0
    """This many next requests answer InternalServerException (HTTP 500)."""
    deny_next: int = 0
    """This many next requests answer AccessDeniedException: as IAM does while it applies a role
    change (no Reason), or with ``deny_reason`` (an account state such as ACCOUNT_DISABLED)."""
    deny_reason: str | None = None
    after: dict[str, dict[str, object]] = field(default_factory=dict)
    """Faults to set once an operation succeeds: ``{"PutResourcePolicy": {"deny_next": 1}}``."""
    throttled: int = 0
    """How many requests were answered with an injected ThrottlingException so far."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def reset(self) -> None:
        self.latency_s = self.visibility_delay_s = 0.0
        self.throttle_next = self.fail_next = self.deny_next = 0
        self.deny_reason = None
        self.after.clear()
        self.throttled = 0

    def succeeded(self, operation: str) -> None:
        """Arm the faults waiting for ``operation`` to succeed."""
        with self._lock:
            armed = self.after.pop(operation, {})
        for name, value in armed.items():
            setattr(self, name, value)

    def take(self) -> str | None:
        """Decide this request's fault: 'throttle', 'fail', 'deny' or None."""
        fault = self._decide()
        if fault == "throttle":
            with self._lock:
                self.throttled += 1
        return fault

    def _decide(self) -> str | None:
        with self._lock:
            if self.throttle_next > 0:
                self.throttle_next -= 1
                return "throttle"
            if self.fail_next > 0:
                self.fail_next -= 1
                return "fail"
            if self.deny_next > 0:
                self.deny_next -= 1
                return "deny"
        return None
