"""Per-call guards before anything is queued: the caller's deadline and its per-member rate limit.

Promises:

* ``check_deadline`` raises DeadlineExceeded when the call's deadline has already passed, so a
  submission that the caller has given up on is refused before any of it is queued.
* ``RateLimiter.take`` is a token bucket per member (``rate`` records/s, ``burst`` capacity). A
  request of ``n`` records needs ``min(n, burst)`` tokens and takes ``n`` (a batch larger than the
  burst is admitted when the bucket is full and leaves it in debt, so the long-run rate holds). A
  refusal raises ResourceExhausted with the seconds until it would pass (sent to the client as
  ``retry-after-ms`` by ledger.service.status) and takes nothing. ``rate <= 0`` disables it.
  Thread-safe.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import grpc

from ledger.errors import DeadlineExceeded, ResourceExhausted


def check_deadline(context: grpc.ServicerContext) -> None:
    """Raise DeadlineExceeded if the caller's deadline has passed (no deadline: never)."""
    left = context.time_remaining()
    if left is not None and left <= 0:
        raise DeadlineExceeded("deadline expired before the request was queued; nothing was stored")


class RateLimiter:
    def __init__(self, rate: float, burst: float = 0, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = float(rate)
        self.burst = float(burst) if burst > 0 else max(self.rate, 1.0)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # member -> (tokens, at)
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, member: str | None, n: int) -> None:
        """Take ``n`` tokens from ``member``'s bucket or raise ResourceExhausted (nothing taken)."""
        if not self.enabled or n <= 0:
            return
        key = member or "-"
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            need = min(float(n), self.burst)
            if tokens < need:
                self._buckets[key] = (tokens, now)
                wait = (need - tokens) / self.rate
                raise ResourceExhausted(f"rate limit of {self.rate:g} records/s for member {key!r}", wait)
            self._buckets[key] = (tokens - n, now)
