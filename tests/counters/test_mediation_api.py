"""A counter asks for a mediator in a language; a free mediator who speaks it takes it."""

from __future__ import annotations

from flask import Flask

from onestop.extensions import socketio
from tests.factories.people import add_person, signed_in


def test_request_routed_to_free_mediators_who_speak_the_language(app: Flask) -> None:
    add_person(app, "ana", services=("residence-first",))
    add_person(app, "wolof", role="mediator", languages=("pt", "wo", "fr"))
    add_person(app, "slav", role="mediator", languages=("pt", "uk", "ru"))
    ana, wolof, slav = signed_in(app, "ana"), signed_in(app, "wolof"), signed_in(app, "slav")
    ana.post("/api/counters/3/open", json={})
    assert wolof.post("/api/counters/25/open", json={}).status_code == 200
    assert slav.post("/api/counters/26/open", json={}).status_code == 200
    wolof_room = socketio.test_client(app, flask_test_client=wolof, auth={"counter": 25})
    slav_room = socketio.test_client(app, flask_test_client=slav, auth={"counter": 26})

    asked = ana.post("/api/counters/3/mediator", json={"language": "wo", "note": "first visit"})
    assert asked.status_code == 201
    request = asked.get_json()
    assert (request["state"], request["counter"], request["language"]) == ("waiting", "3", "wo")
    again = ana.post("/api/counters/3/mediator", json={"language": "wo"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_requested"

    told = [m["args"][0] for m in wolof_room.get_received() if m["name"] == "mediation"]
    assert [(t["request"], t["language"]) for t in told] == [(request["id"], "wo")]
    assert [m for m in slav_room.get_received() if m["name"] == "mediation"] == []

    assert [r["id"] for r in wolof.get("/api/mediation").get_json()["requests"]] == [request["id"]]
    assert slav.get("/api/mediation").get_json()["requests"] == []
    refused = slav.post(f"/api/mediation/{request['id']}/accept", json={})
    assert refused.status_code == 403

    taken = wolof.post(f"/api/mediation/{request['id']}/accept", json={}).get_json()
    assert (taken["state"], taken["mediator_counter"]) == ("accepted", "M1")
    mine = ana.get("/api/mediation").get_json()["requests"]
    assert [(r["state"], r["mediator_counter"]) for r in mine] == [("accepted", "M1")]

    assert wolof.post(f"/api/mediation/{request['id']}/done", json={}).get_json()["state"] == (
        "done"
    )
    assert ana.get("/api/mediation").get_json()["requests"] == []


def test_only_one_mediator_gets_a_request(app: Flask) -> None:
    add_person(app, "ana", services=("residence-first",))
    add_person(app, "m1", role="mediator", languages=("wo",))
    add_person(app, "m2", role="mediator", languages=("wo",))
    ana, m1, m2 = signed_in(app, "ana"), signed_in(app, "m1"), signed_in(app, "m2")
    ana.post("/api/counters/3/open", json={})
    m1.post("/api/counters/25/open", json={})
    m2.post("/api/counters/26/open", json={})
    request = ana.post("/api/counters/3/mediator", json={"language": "wo"}).get_json()
    assert m1.post(f"/api/mediation/{request['id']}/accept", json={}).status_code == 200
    late = m2.post(f"/api/mediation/{request['id']}/accept", json={})
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "request_taken"
    cancelled = ana.post(f"/api/mediation/{request['id']}/cancel", json={}).get_json()
    assert cancelled["state"] == "cancelled"


def test_a_mediator_busy_with_a_request_calls_no_ticket(app: Flask) -> None:
    add_person(app, "ana", services=("residence-first",))
    add_person(app, "m1", role="mediator", languages=("wo",))
    ana, m1 = signed_in(app, "ana"), signed_in(app, "m1")
    ana.post("/api/counters/3/open", json={})
    m1.post("/api/counters/25/open", json={})
    request = ana.post("/api/counters/3/mediator", json={"language": "wo"}).get_json()
    m1.post(f"/api/mediation/{request['id']}/accept", json={})
    busy = m1.post("/api/counters/25/next", json={})
    assert busy.status_code == 409 and busy.get_json()["error"]["code"] == "counter_busy"
    m1.post(f"/api/mediation/{request['id']}/done", json={})
    assert m1.post("/api/counters/25/next", json={}).status_code == 204
