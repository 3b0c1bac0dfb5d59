"""Request rates as AWS documents them: one token bucket per operation, account and Region.

Source: the user guide, "Quotas for AWS End User Messaging SMS" (DOMAIN.md, "Request rates"):
every operation of the SMS and Voice v2 API has a default quota of **1 request per second**
per account and Region, except a few listed at 10 or 20. Get/Put/DeleteResourcePolicy have
no row: assumed 1, like their neighbours, until ``tools/calibrate`` measures them.

Assumptions, not documented (each a setting here, so a measured profile can replace it):

- the bucket holds ``BURST_SECONDS`` of the rate (at least one request): a caller idle for a
  while gets one request through at once, not a burst of many;
- a throttled request takes no token (it is refused before it is served);
- "another caller" (the application's own Describe calls, another tool) is modelled as a
  steady load that takes its share of each refill first: ``background_rps`` per operation.

A test's own set-up and inspection are no part of what runs at the rate: requests whose
User-Agent carries ``OBSERVER_AGENT`` (``tests.conftest.client_for``'s clients) pass
uncounted. The function's clients, the CLI's and the driver's native resource handlers never
carry it.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

DEFAULT_RPS = 1.0
"""Every operation the quota table lists at 1, and (assumed) the three policy operations."""
DOCUMENTED_EXCEPTIONS: dict[str, float] = {
    "PutOptedOutNumber": 10.0,
    "DeleteOptedOutNumber": 10.0,
    "ListTagsForResource": 10.0,
    "PutMessageFeedback": 20.0,
}
BURST_SECONDS = 1.0
OBSERVER_AGENT = "shared-sms-test-observer"


@dataclass
class _Bucket:
    rate: float
    tokens: float
    last: float


@dataclass
class RateLimits:
    """Which requests the service refuses with ThrottlingException for their rate.

    ``documented`` (the default): the user guide's quotas. ``rps``: one rate for every
    operation instead (20 is the old kind test double). ``unlimited()``: no throttling.
    """

    documented: bool = True
    rps: float | None = None
    """Overrides the documented rate of every operation (None: the documented rates)."""
    per_operation: dict[str, float] = field(default_factory=dict)
    """Overrides for single operations (a raised quota, a measured profile)."""
    background_rps: float = 0.0
    """Requests per second that another caller in the same account and Region sends to each
    operation; they take tokens before this emulator's callers do."""
    throttled: int = 0
    """How many requests were refused for their rate since the last reset."""
    admitted: Counter[str] = field(default_factory=Counter)
    """Requests let through, per operation, since the last reset (what a floor divides)."""
    _buckets: dict[tuple[str, str, str], _Bucket] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def unlimited(self) -> RateLimits:
        self.documented, self.rps = False, None
        self.per_operation.clear()
        self._buckets.clear()
        return self

    def at(self, rps: float, *, background_rps: float = 0.0) -> RateLimits:
        """Every operation at ``rps`` (with ``background_rps`` of it taken by another caller)."""
        self.documented, self.rps, self.background_rps = True, rps, background_rps
        self._buckets.clear()
        return self

    def reset(self) -> None:
        """The documented rates, no background load, full buckets."""
        self.documented, self.rps, self.background_rps, self.throttled = True, None, 0.0, 0
        self.per_operation.clear()
        self.admitted.clear()
        self._buckets.clear()

    def rate_of(self, operation: str) -> float | None:
        """Requests per second ``operation`` may take in one account and Region (None: no limit)."""
        if operation in self.per_operation:
            return self.per_operation[operation]
        if not self.documented:
            return None
        if self.rps is not None:
            return self.rps
        return DOCUMENTED_EXCEPTIONS.get(operation, DEFAULT_RPS)

    def admit(self, operation: str, account: str, region: str) -> bool:
        """Whether this request fits its bucket now (it takes a token if so)."""
        rate = self.rate_of(operation)
        if rate is None:
            with self._lock:
                self.admitted[operation] += 1
            return True
        now = time.monotonic()
        capacity = max(1.0, rate * BURST_SECONDS)
        with self._lock:
            bucket = self._buckets.get((operation, account, region))
            if bucket is None or bucket.rate != rate:
                # A bucket that has not been used for a while is full.
                bucket = self._buckets[(operation, account, region)] = _Bucket(rate, capacity, now)
            refill = (now - bucket.last) * max(0.0, rate - self.background_rps)
            bucket.tokens, bucket.last = min(capacity, bucket.tokens + refill), now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                self.admitted[operation] += 1
                return True
            self.throttled += 1
            return False
