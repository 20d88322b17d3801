"""A token bucket per key, in this process: enough to stop a stuck or abused kiosk."""

from __future__ import annotations

import threading
import time

from routing.states import DomainError

_lock = threading.Lock()
_buckets: dict[str, tuple[float, float]] = {}


def check_rate(key: str, per_minute: int) -> None:
    """Spend one token of `key`'s bucket; raises `DomainError('rate_limited')` when empty.

    `per_minute` tokens refill evenly over a minute, with a burst of as many; 0 means no limit.
    """
    if per_minute <= 0:
        return
    now = time.monotonic()
    with _lock:
        tokens, last = _buckets.get(key, (float(per_minute), now))
        tokens = min(float(per_minute), tokens + (now - last) * per_minute / 60)
        if tokens < 1:
            _buckets[key] = (tokens, now)
            raise DomainError("rate_limited", "too many tickets from this kiosk; wait a moment")
        _buckets[key] = (tokens - 1, now)
