"""Background duties of a serving process: closing the day on time, even with nobody clicking."""

from __future__ import annotations

import logging
import threading

from flask import Flask

from onestop.context import onestop, transaction
from routing.closing import close_day

log = logging.getLogger(__name__)

#: seconds between two rounds; closing runs at most this late
INTERVAL_S = 30.0


def run_once(app: Flask) -> tuple[int, int]:
    """One round: cancel what waited past its day's closing and close idle counters."""
    with app.app_context(), transaction() as store:
        cancelled, closed = close_day(store, onestop().centre)
    if cancelled or closed:
        log.info("closing: %d ticket(s) cancelled, %d counter(s) closed", cancelled, closed)
    return cancelled, closed


def start(app: Flask, stop: threading.Event | None = None) -> threading.Thread:
    """Run `run_once` every `INTERVAL_S` seconds in a daemon thread until `stop` is set."""
    stop = stop or threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                run_once(app)
            except Exception:
                log.exception("housekeeping round failed; retrying in %.0f s", INTERVAL_S)
            stop.wait(INTERVAL_S)

    thread = threading.Thread(target=loop, name="onestop-housekeeping", daemon=True)
    thread.start()
    return thread
