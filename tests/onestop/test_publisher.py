"""The live feed's own thread: events leave in commit order, off the request's thread, and a
failing batch does not stop the ones after it."""

from __future__ import annotations

import threading

from onestop.publisher import Publisher
from routing.store.models import Event

WAIT_S = 10


def test_batches_go_out_in_order_from_another_thread() -> None:
    sent: list[tuple[str, list[str]]] = []
    done = threading.Event()

    def publish(events: list[Event]) -> None:
        kinds = [event.kind for event in events]
        if kinds == ["broken"]:
            raise ConnectionError("Redis went away")
        sent.append((threading.current_thread().name, kinds))
        if kinds == ["last"]:
            done.set()

    publisher = Publisher(publish)
    publisher.submit([])
    for kinds in (["issued"], ["called", "recalled"], ["broken"], ["last"]):
        publisher.submit([Event(centre="lisboa", kind=kind, data={}) for kind in kinds])
    assert done.wait(WAIT_S)
    assert [kinds for _, kinds in sent] == [["issued"], ["called", "recalled"], ["last"]]
    assert {name for name, _ in sent} == {"live-feed"}
