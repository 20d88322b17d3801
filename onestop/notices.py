"""Word of queue changes to a zone's displays, held a moment and sent once per zone.

Every display and counter console of a zone hears a `queue` notice, and in threading mode
each listener costs the server a thread woken in turn: at 500 displays one notice is about
50 ms of the server's CPU (bench/display_latency.py). A display re-reads its snapshot 1 to
5 s after a notice anyway, so notices wait here for `HOLD_S` and every zone noted meanwhile
is told once. A call to a zone drops its held notice: its displays re-read on the call. A
ticket issued just before a call therefore no longer costs a fan-out of its own that the
call's fan-out would wait behind. Each process holds its own notices: with several behind
Redis, a call drops only the word its own process held.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

#: how long word of a queue change waits for more changes (the displays wait 1 to 5 s more)
HOLD_S = 1.0

#: sends word to a zone's displays: (zone, kind of the latest change)
Send = Callable[[str, str], None]
#: runs a function after a delay in seconds, on another thread
Later = Callable[[float, Callable[[], None]], None]


def _later(delay_s: float, run: Callable[[], None]) -> None:
    timer = threading.Timer(delay_s, run)
    timer.name = "queue-notices"
    timer.daemon = True
    timer.start()


class QueueNotices:
    """Zones whose queues changed, told together `hold_s` after the first of them."""

    def __init__(self, send: Send, hold_s: float = HOLD_S, later: Later = _later) -> None:
        self._send = send
        self._hold_s = hold_s
        self._later = later
        self._lock = threading.Lock()
        self._held: dict[str, str] = {}
        #: the process whose timer will flush what is held; timers do not cross a fork
        self._armed_in: int | None = None

    def note(self, zone: str, kind: str) -> None:
        """Hold word that `zone`'s queue changed by an event of `kind`."""
        with self._lock:
            self._held[zone] = kind
            if self._armed_in == os.getpid():
                return
            self._armed_in = os.getpid()
        self._later(self._hold_s, self.flush)

    def drop(self, zone: str) -> None:
        """`zone`'s displays were just called, and re-read their snapshot: no word needed."""
        with self._lock:
            self._held.pop(zone, None)

    def flush(self) -> None:
        """Tell every zone held so far, once each."""
        with self._lock:
            held, self._held = self._held, {}
            self._armed_in = None
        for zone, kind in sorted(held.items()):
            try:
                self._send(zone, kind)
            except Exception:
                log.exception("could not tell zone %s of a queue change", zone)
