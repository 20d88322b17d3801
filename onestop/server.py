"""Serving the app: gunicorn's threaded worker in this process (Flask-SocketIO threading mode).

Threads are many, because every live Socket.IO connection holds one. Only a few requests run
the app's own code at once, though (`ADMITTED`): Python runs one thread at a time, so more
would only take turns at the interpreter lock, each finishing later, while the rest wait their
turn in order. Measured with bench/issue_tickets.py at 16 kiosks on PostgreSQL: p99 60-70 ms
instead of 85-140 ms, for the same tickets a second (SQLite: no change either way).
"""

from __future__ import annotations

import gc
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from onestop import housekeeping, logs

#: requests running the app's code at once; Socket.IO's long-lived requests are not counted
ADMITTED = 8
SOCKETIO_PATH = "/socket.io"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Admission:
    """WSGI middleware: at most `limit` requests in the app at once, the others queued in
    order of arrival; a leaving request hands its place straight to the first in line."""

    def __init__(self, app: WSGIApp, limit: int) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._free = limit
        self._queue: deque[threading.Lock] = deque()

    @property
    def queued(self) -> int:
        """Requests waiting for their turn."""
        return len(self._queue)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO", "").startswith(SOCKETIO_PATH):
            return self.app(environ, start_response)
        self._enter()
        try:
            return self.app(environ, start_response)
        finally:
            self._leave()

    def _enter(self) -> None:
        with self._lock:
            if self._free and not self._queue:
                self._free -= 1
                return
            turn = threading.Lock()
            turn.acquire()
            self._queue.append(turn)
        turn.acquire()

    def _leave(self) -> None:
        with self._lock:
            if self._queue:
                self._queue.popleft().release()
            else:
                self._free += 1


class _GunicornLogger(Logger):
    """Gunicorn's own lines (start, workers, timeouts) in the app's log format."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(logs.formatter())


class _Gunicorn(BaseApplication):
    def __init__(self, app: WSGIApp, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIApp:
        return self.application


def batch_scheduling() -> None:
    """Put this thread, and every thread and process it starts from now on, under Linux's
    SCHED_BATCH: a thread it wakes no longer takes the core from the one that woke it.

    A call reaches each display through that display's own writer thread. Woken one by one
    by the emitting thread, which holds the interpreter lock, each writer used to preempt it
    at once, only to find the lock taken and give the core back: two context switches per
    display, while the lock waited. Waking the writers took 41 % of the time the lock was
    held, under py-spy with 500 displays. Under SCHED_BATCH the emitting thread runs on
    until it lets go of the lock (bench/README.md, 2026-12-03). Elsewhere than Linux the
    scheduler stays as it is.
    """
    if hasattr(os, "sched_setscheduler"):
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))


def serve(app: Flask, host: str, port: int, threads: int) -> None:
    """Serve until stopped: one worker process, `threads` threads, WebSockets included."""
    database = app.extensions["onestop"].db
    # Connections opened while the app was built must not cross gunicorn's fork.
    database.dispose()
    # What was built so far (config, mappers, compiled statements) lives as long as the
    # process: kept out of the collector's sight, a full collection takes about 1 ms instead
    # of about 80 ms that every request in flight would wait through.
    gc.collect()
    gc.freeze()
    batch_scheduling()

    def in_worker(_worker: Any) -> None:
        # Threads do not cross a fork: start them in the worker that serves.
        database.checkpoint_in_background()
        housekeeping.start(app)

    _Gunicorn(
        Admission(app, ADMITTED),
        {
            "bind": f"{host}:{port}",
            "workers": 1,
            "worker_class": "gthread",
            "threads": threads,
            "timeout": 60,
            "graceful_timeout": 5,
            "keepalive": 5,
            "accesslog": None,
            "logger_class": _GunicornLogger,
            "preload_app": True,
            "control_socket_disable": True,
            # SQLite checkpoints off the writers' path; closing the day on time.
            "post_worker_init": in_worker,
        },
    ).run()
