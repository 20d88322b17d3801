"""Word of queue changes is held, sent once per zone, dropped by a call to the zone, and a
zone that cannot be told does not silence the others."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from onestop import notices as notices_module
from onestop.notices import QueueNotices


class Timers:
    """Stands in for the timer thread: keeps what was left for later, runs it on demand."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.pending: list[Callable[[], None]] = []

    def later(self, delay_s: float, run: Callable[[], None]) -> None:
        self.delays.append(delay_s)
        self.pending.append(run)

    def fire(self) -> None:
        pending, self.pending = self.pending, []
        for run in pending:
            run()


def test_changes_within_the_hold_are_told_once_per_zone_with_the_latest_kind() -> None:
    sent: list[tuple[str, str]] = []
    timers = Timers()
    notices = QueueNotices(lambda zone, kind: sent.append((zone, kind)), 0.5, timers.later)
    notices.note("ground", "issued")
    notices.note("first", "issued")
    notices.note("ground", "cancelled")
    assert sent == [] and timers.delays == [0.5]
    timers.fire()
    assert sent == [("first", "issued"), ("ground", "cancelled")]
    notices.note("ground", "transferred")
    assert timers.delays == [0.5, 0.5]
    timers.fire()
    assert sent[2:] == [("ground", "transferred")]


def test_a_call_to_a_zone_drops_its_word_and_no_other() -> None:
    sent: list[tuple[str, str]] = []
    timers = Timers()
    notices = QueueNotices(lambda zone, kind: sent.append((zone, kind)), later=timers.later)
    notices.note("ground", "issued")
    notices.note("first", "issued")
    notices.drop("ground")
    timers.fire()
    assert sent == [("first", "issued")]


def test_a_zone_that_cannot_be_told_does_not_silence_the_others() -> None:
    sent: list[str] = []

    def send(zone: str, kind: str) -> None:
        if zone == "first":
            raise ConnectionError("Redis went away")
        sent.append(zone)

    timers = Timers()
    notices = QueueNotices(send, later=timers.later)
    for zone in ("first", "ground", "upper"):
        notices.note(zone, "issued")
    timers.fire()
    assert sent == ["ground", "upper"]


def test_a_forked_worker_arms_its_own_timer(monkeypatch: pytest.MonkeyPatch) -> None:
    timers = Timers()
    notices = QueueNotices(lambda zone, kind: None, later=timers.later)
    notices.note("ground", "issued")
    monkeypatch.setattr(notices_module.os, "getpid", lambda: -1)
    notices.note("ground", "issued")
    assert len(timers.pending) == 2
