"""Committed events to the live feed from a thread of their own, when the feed goes through
Redis.

Each event is several Socket.IO emits (the ticket's room, the displays of the zones serving
its service, the phones of its queue, the managers) and through Redis each emit is a PUBLISH
and its answer: about a fifth of a ticket's time in the request, measured with py-spy under
bench/production.py, with the request holding one of the server's few admission places all
along. Handed to this thread, the request answers at once; the events go out in the order their
transactions committed. Without Redis an emit only reaches this process's own sockets, which
costs no round trip, and stays in the request.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable

from routing.store.models import Event

log = logging.getLogger(__name__)

Publish = Callable[[list[Event]], None]


class Publisher:
    """One daemon thread per process sending batches of events with `publish`, in order."""

    def __init__(self, publish: Publish) -> None:
        self._publish = publish
        self._queue: queue.SimpleQueue[list[Event]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._pid: int | None = None

    def submit(self, events: list[Event]) -> None:
        """Queue one transaction's events; returns at once."""
        if not events:
            return
        if self._pid != os.getpid():
            self._start()
        self._queue.put(events)

    def _start(self) -> None:
        # Threads do not cross a fork: the serving worker starts its own on first use.
        with self._lock:
            if self._pid == os.getpid():
                return
            threading.Thread(target=self._run, name="live-feed", daemon=True).start()
            self._pid = os.getpid()

    def _run(self) -> None:
        while True:
            events = self._queue.get()
            try:
                self._publish(events)
            except Exception:
                log.exception("could not publish %d event(s)", len(events))
