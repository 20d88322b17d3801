"""The whole life of tickets through the HTTP API, as a kiosk and counter staff would drive it."""

from __future__ import annotations

from flask import Flask

from tests.factories.people import add_kiosk, add_person, signed_in


def _issue(client, key: str, service: str, **extra) -> dict:
    response = client.post(
        "/api/tickets",
        json={"service": service, "language": "pt", **extra},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_issue_call_serve_transfer_finish(any_app: Flask) -> None:
    app = any_app
    key = add_kiosk(app)
    kiosk = app.test_client()
    first = _issue(kiosk, key, "residence-first")
    second = _issue(kiosk, key, "residence-first")  # no priority: lwwt would call it first
    tax = _issue(kiosk, key, "tax-number")
    assert (first["number"], second["number"], tax["number"][0]) == ("A001", "A002", "G")
    assert (first["position"], second["position"]) == (1, 2)
    assert first["state"] == "waiting" and first["status_url"] == f"/t/{first['token']}"

    add_person(app, "ana", services=("residence-first", "residence-renewal"))
    add_person(app, "rui", services=("tax-number", "tax-returns"))
    ana, rui = signed_in(app, "ana"), signed_in(app, "rui")
    assert ana.post("/api/counters/3/open", json={}).get_json()["state"] == "open"
    assert rui.post("/api/counters/10/open", json={}).status_code == 200

    called = ana.post("/api/counters/3/next", json={}).get_json()
    assert (called["number"], called["state"], called["counter"]) == ("A001", "called", "3")
    status = kiosk.get(f"/api/tickets/{first['token']}").get_json()
    assert status == {
        "number": "A001",
        "service": "residence-first",
        "state": "called",
        "position": None,
        "estimated_wait_min": first["estimated_wait_min"],
        "counter": "3",
    }
    assert ana.post("/api/counters/3/next", json={}).get_json()["error"]["code"] == "counter_busy"
    assert ana.post("/api/counters/3/recall", json={}).get_json()["recalls"] == 1
    assert ana.post("/api/counters/3/start", json={}).get_json()["state"] == "serving"

    moved = ana.post("/api/counters/3/transfer", json={"service": "tax-number"}).get_json()
    assert moved["state"] == "waiting" and moved["number"] == "A001"
    assert moved["issued_at"] == first["issued_at"] and moved["service"] == "tax-number"

    # Arrival time is kept: A001 came before J001, so the tax counter calls it first.
    assert rui.post("/api/counters/10/next", json={}).get_json()["number"] == "A001"
    assert rui.post("/api/counters/10/finish", json={}).get_json()["state"] == "done"
    assert rui.post("/api/counters/10/next", json={}).get_json()["number"] == tax["number"]
    assert rui.post("/api/counters/10/no-show", json={}).get_json()["state"] == "no_show"
    assert rui.post("/api/counters/10/next", json={}).status_code == 204

    assert ana.post("/api/counters/3/next", json={}).get_json()["number"] == "A002"
    assert ana.post("/api/counters/3/finish", json={}).get_json()["state"] == "done"
    assert ana.post("/api/counters/3/pause", json={"reason": "lunch"}).get_json()["state"] == (
        "paused"
    )
    assert ana.post("/api/counters/3/next", json={}).get_json()["error"]["code"] == (
        "counter_closed"
    )
    assert ana.post("/api/counters/3/resume", json={}).get_json()["state"] == "open"
    assert ana.post("/api/counters/3/close", json={}).get_json()["state"] == "closed"

    listed = {c["id"]: c for c in ana.get("/api/counters").get_json()}
    assert (listed[3]["state"], listed[3]["staff"]) == ("closed", None)
    assert (listed[10]["state"], listed[10]["staff"]) == ("open", "rui")
    assert listed[25]["kind"] == "mediator" and len(listed) == 30


def test_transfer_to_a_counter_goes_first_there(app: Flask) -> None:
    key = add_kiosk(app)
    kiosk = app.test_client()
    for _ in range(3):
        _issue(kiosk, key, "residence-first")
    add_person(app, "ana", services=("residence-first",))
    add_person(app, "eva", services=("residence-first",))
    ana, eva = signed_in(app, "ana"), signed_in(app, "eva")
    ana.post("/api/counters/3/open", json={})
    eva.post("/api/counters/4/open", json={})
    ana.post("/api/counters/3/next", json={})
    eva.post("/api/counters/4/next", json={})
    eva.post("/api/counters/4/finish", json={})
    sent = ana.post("/api/counters/3/transfer", json={"counter": 4, "note": "needs a form"})
    assert sent.get_json()["number"] == "A001"
    # A003 arrived later, but A001 was sent to counter 4 and goes first there.
    assert eva.post("/api/counters/4/next", json={}).get_json()["number"] == "A001"
    assert ana.post("/api/counters/3/next", json={}).get_json()["number"] == "A003"


def test_a_counter_is_held_by_one_person(app: Flask) -> None:
    add_person(app, "ana", services=("residence-first",))
    add_person(app, "eva", services=("residence-first",))
    add_person(app, "mia", role="mediator", languages=("wo", "pt"))
    ana, eva, mia = signed_in(app, "ana"), signed_in(app, "eva"), signed_in(app, "mia")
    assert ana.post("/api/counters/3/open", json={}).status_code == 200
    taken = eva.post("/api/counters/3/open", json={})
    assert taken.status_code == 409 and taken.get_json()["error"]["code"] == "counter_taken"
    assert eva.post("/api/counters/3/next", json={}).status_code == 403
    assert mia.post("/api/counters/4/open", json={}).status_code == 403
    assert app.test_client().post("/api/counters/3/next", json={}).status_code == 401
