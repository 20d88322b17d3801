"""The live feed of a zone: calls with what a display needs, and word of queue changes."""

from __future__ import annotations

import functools
from collections.abc import Callable

import pytest
from flask import Flask

from onestop import realtime
from onestop.context import NOTICES
from onestop.extensions import socketio
from onestop.notices import QueueNotices
from tests.factories.people import add_kiosk, add_person, signed_in


def _events(client, name: str) -> list[dict]:
    return [m["args"][0] for m in client.get_received() if m["name"] == name]


@pytest.fixture
def held(app: Flask) -> list[Callable[[], None]]:
    """What the app's queue notices left for later: the test runs it when it chooses."""
    later: list[Callable[[], None]] = []
    app.extensions[NOTICES] = QueueNotices(
        functools.partial(realtime.tell_zone, socketio.server),
        later=lambda _delay_s, run: later.append(run),
    )
    return later


def test_calls_carry_their_event_id_and_counter_as_the_snapshot_does(app: Flask) -> None:
    key = add_kiosk(app)
    kiosk = app.test_client()
    kiosk.post(
        "/api/tickets",
        json={"service": "residence-first", "language": "ru"},
        headers={"Authorization": f"Bearer {key}"},
    )
    display = socketio.test_client(app, auth={"display": "ground"})
    add_person(app, "ana", services=("residence-first",))
    agent = signed_in(app, "ana")
    agent.post("/api/counters/3/open", json={})
    agent.post("/api/counters/3/next", json={})
    agent.post("/api/counters/3/recall", json={})

    live = _events(display, "called")
    snapshot = app.test_client().get("/api/display/ground").get_json()["calls"]
    assert [(c["id"], c["number"], c["counter_id"], c["recall"]) for c in live] == [
        (c["id"], c["number"], c["counter_id"], c["recall"]) for c in reversed(snapshot)
    ]
    assert live[0]["counter_id"] == 3 and [c["recall"] for c in live] == [False, True]
    assert live[0]["id"] != live[1]["id"]


def test_queue_changes_reach_the_zones_that_serve_the_service_once_held(
    app: Flask, held: list[Callable[[], None]]
) -> None:
    key = add_kiosk(app)
    ground = socketio.test_client(app, auth={"display": "ground"})
    first = socketio.test_client(app, auth={"display": "first"})
    kiosk = app.test_client()
    for service in ("tax-number", "nationality", "nationality"):
        response = kiosk.post(
            "/api/tickets",
            json={"service": service, "language": "pt"},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert response.status_code == 201
    assert _events(ground, "queue") == [] and _events(first, "queue") == []
    (flush,) = held
    flush()
    assert _events(ground, "queue") == [{"kind": "issued"}]
    assert _events(first, "queue") == [{"kind": "issued"}]


def test_a_call_drops_the_word_held_for_its_zone(
    app: Flask, held: list[Callable[[], None]]
) -> None:
    key = add_kiosk(app)
    ground = socketio.test_client(app, auth={"display": "ground"})
    app.test_client().post(
        "/api/tickets",
        json={"service": "residence-first", "language": "pt"},
        headers={"Authorization": f"Bearer {key}"},
    )
    add_person(app, "ana", services=("residence-first",))
    agent = signed_in(app, "ana")
    agent.post("/api/counters/3/open", json={})
    agent.post("/api/counters/3/next", json={})
    for run in held:
        run()
    assert [m["name"] for m in ground.get_received()] == ["called"]


def test_a_call_is_not_doubled_by_word_of_a_queue_change(app: Flask) -> None:
    key = add_kiosk(app)
    app.test_client().post(
        "/api/tickets",
        json={"service": "residence-first", "language": "pt"},
        headers={"Authorization": f"Bearer {key}"},
    )
    ground = socketio.test_client(app, auth={"display": "ground"})
    add_person(app, "ana", services=("residence-first",))
    agent = signed_in(app, "ana")
    agent.post("/api/counters/3/open", json={})
    agent.post("/api/counters/3/next", json={})
    names = [m["name"] for m in ground.get_received()]
    assert names == ["called"]
