"""The server's admission: a few requests in the app at once, the rest in order of arrival."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from onestop.server import Admission


class Gate:
    """A WSGI app whose requests wait inside until let go, noting who got in and how many."""

    def __init__(self) -> None:
        self.entered: list[str] = []
        self.inside = 0
        self.most_inside = 0
        self._lock = threading.Lock()
        self.open = threading.Event()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        with self._lock:
            self.entered.append(environ["PATH_INFO"])
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
        self.open.wait(timeout=30)
        with self._lock:
            self.inside -= 1
        if environ["PATH_INFO"] == "/boom":
            raise RuntimeError("the view failed")
        start_response("200 OK", [])
        return [b"ok"]


def request(app: Admission, path: str) -> threading.Thread:
    def run() -> None:
        with contextlib.suppress(RuntimeError):  # the failing view of one test
            app({"PATH_INFO": path}, lambda *_: None)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_at_most_the_limit_inside_at_once() -> None:
    gate = Gate()
    admission = Admission(gate, limit=2)
    threads = [request(admission, f"/{n}") for n in range(6)]
    until(lambda: len(gate.entered) == 2 and admission.queued == 4)
    gate.open.set()
    for thread in threads:
        thread.join(timeout=10)
    assert (len(gate.entered), gate.most_inside, admission.queued) == (6, 2, 0)


def test_the_waiting_go_in_in_order_of_arrival() -> None:
    gate = Gate()
    admission = Admission(gate, limit=1)
    threads = [request(admission, "/a")]
    until(lambda: gate.entered == ["/a"])
    for n, path in enumerate(("/b", "/c", "/d", "/e"), start=1):
        threads.append(request(admission, path))
        until(lambda n=n: admission.queued == n)
    gate.open.set()
    for thread in threads:
        thread.join(timeout=10)
    assert gate.entered == ["/a", "/b", "/c", "/d", "/e"]


def test_socketio_requests_do_not_wait_for_a_turn() -> None:
    gate = Gate()
    admission = Admission(gate, limit=1)
    first = request(admission, "/api/tickets")
    until(lambda: gate.entered == ["/api/tickets"])
    live = request(admission, "/socket.io/")
    until(lambda: len(gate.entered) == 2)
    assert gate.inside == 2
    gate.open.set()
    first.join(timeout=10)
    live.join(timeout=10)


@pytest.mark.parametrize("first", ["/boom", "/fine"])
def test_a_request_gives_its_turn_back_however_it_ends(first: str) -> None:
    gate = Gate()
    admission = Admission(gate, limit=1)
    gate.open.set()
    request(admission, first).join(timeout=10)
    after = request(admission, "/next")
    after.join(timeout=10)
    assert gate.entered == [first, "/next"] and not after.is_alive()
