"""The one clock seam: every time the core stores or compares comes from here, in UTC.

Production uses `SystemClock`; freezegun freezes it in tests (it reads `datetime.now`);
the simulator passes a `VirtualClock` it advances itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current moment, timezone-aware UTC."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class VirtualClock:
    """A clock that moves only when told to: for the simulator and benchmarks."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a clock works in aware UTC times")
        self._now = start.astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        return self._now

    def advance_to(self, moment: dt.datetime) -> None:
        self._now = max(self._now, moment.astimezone(dt.UTC))


def utcnow() -> dt.datetime:
    """Shorthand for the wall clock, for the shell and column defaults."""
    return dt.datetime.now(dt.UTC)


def elapsed_s(start: dt.datetime, end: dt.datetime) -> float:
    """Seconds from `start` to `end` to the millisecond, half a millisecond rounded away from
    zero as PostgreSQL's ROUND does: a ticket's wait and service time as the reports count
    them, stored as a number so that both databases compare it with its target alike."""
    micro = (end - start) // dt.timedelta(microseconds=1)
    millis = (abs(micro) + 500) // 1000
    return (millis if micro >= 0 else -millis) / 1000
