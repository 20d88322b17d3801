"""Committed changes reach the right Socket.IO rooms, and only those."""

from __future__ import annotations

from flask import Flask

from onestop.extensions import socketio
from tests.factories.people import add_kiosk, add_person, signed_in


def test_a_call_reaches_its_zone_and_its_ticket(app: Flask) -> None:
    key = add_kiosk(app)
    ticket = (
        app.test_client()
        .post(
            "/api/tickets",
            json={"service": "residence-first", "language": "ar"},
            headers={"Authorization": f"Bearer {key}"},
        )
        .get_json()
    )
    ground = socketio.test_client(app, auth={"display": "ground"})
    first = socketio.test_client(app, auth={"display": "first"})
    phone = socketio.test_client(app, auth={"ticket": ticket["token"]})
    assert ground.is_connected() and first.is_connected() and phone.is_connected()

    add_person(app, "ana", services=("residence-first",))
    agent = signed_in(app, "ana")
    agent.post("/api/counters/3/open", json={})
    agent.post("/api/counters/3/next", json={})
    agent.post("/api/counters/3/recall", json={})

    calls = [m["args"][0] for m in ground.get_received() if m["name"] == "called"]
    assert [(c["number"], c["counter"], c["language"], c["recall"]) for c in calls] == [
        ("A001", "3", "ar", False),
        ("A001", "3", "ar", True),
    ]
    assert [m for m in first.get_received() if m["name"] == "called"] == []
    states = [m["args"][0]["state"] for m in phone.get_received() if m["name"] == "ticket"]
    assert states == ["called", "called"]


def test_rooms_that_need_a_role_refuse_strangers(app: Flask) -> None:
    assert not socketio.test_client(app, auth={"display": "nowhere"}).is_connected()
    assert not socketio.test_client(app, auth={"floor": True}).is_connected()
    assert not socketio.test_client(app, auth={"counter": 3}).is_connected()
    assert not socketio.test_client(app).is_connected()
    add_person(app, "boss", role="manager")
    manager = signed_in(app, "boss")
    floor = socketio.test_client(app, flask_test_client=manager, auth={"floor": True})
    assert floor.is_connected()


def test_a_counter_room_is_for_its_holder_and_managers(app: Flask) -> None:
    add_person(app, "ana", services=("residence-first",))
    add_person(app, "eva", services=("residence-first",))
    add_person(app, "boss", role="manager")
    ana, eva, boss = signed_in(app, "ana"), signed_in(app, "eva"), signed_in(app, "boss")
    ana.post("/api/counters/3/open", json={})

    def watches(client, counter) -> bool:
        return socketio.test_client(
            app, flask_test_client=client, auth={"counter": counter}
        ).is_connected()

    assert watches(ana, 3) and watches(boss, 3)
    assert not watches(eva, 3) and not watches(ana, 4) and not watches(ana, "3; drop")
