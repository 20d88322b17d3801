"""Background duties of a serving process: closing the day on time, even with nobody clicking."""

from __future__ import annotations

import datetime as dt
import logging
import threading

from flask import Flask

from onestop.context import onestop, transaction
from routing.closing import close_day

log = logging.getLogger(__name__)

#: seconds between two looks at the clock; closing runs at most this late
INTERVAL_S = 30.0


class DayCloser:
    """Closes the day once on start (a restart after a crash clears what was left) and then
    once after every closing of the doors. Between closings it touches no table, so the
    day's work is not slowed by it."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._started = False
        self._done: dt.datetime | None = None

    def tick(self) -> tuple[int, int] | None:
        """Close the day if a closing has passed since the last time; None when none has."""
        with self.app.app_context():
            centre = onestop().centre
            due = centre.calendar.last_closing(centre.clock.now())
            if self._started and due == self._done:
                return None
            with transaction() as store:
                cancelled, closed = close_day(store, centre)
        self._started, self._done = True, due
        if cancelled or closed:
            log.info("closing: %d ticket(s) cancelled, %d counter(s) closed", cancelled, closed)
        return cancelled, closed


def start(app: Flask, stop: threading.Event | None = None) -> threading.Thread:
    """Tick a `DayCloser` every `INTERVAL_S` seconds in a daemon thread until `stop` is set."""
    stop = stop or threading.Event()
    closer = DayCloser(app)

    def loop() -> None:
        while not stop.is_set():
            try:
                closer.tick()
            except Exception:
                log.exception("closing the day failed; retrying in %.0f s", INTERVAL_S)
            stop.wait(INTERVAL_S)

    thread = threading.Thread(target=loop, name="onestop-housekeeping", daemon=True)
    thread.start()
    return thread
