"""Day boundaries through the app: closing with tickets waiting and one still being served, one
server process running across midnight into the next morning, and a restart after a crash in
the middle of the day. Numbering and states stay right throughout."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from freezegun import freeze_time

from onestop.app import create_app
from onestop.housekeeping import DayCloser
from onestop.settings import Settings
from tests.factories.configs import REFERENCE_CONFIG
from tests.factories.ledger import assert_numbering_intact, assert_states_match_events
from tests.factories.people import add_kiosk, add_person, signed_in

SERVICE = "residence-first"


def _issue(app: Flask, key: str) -> tuple[int, dict]:
    answer = app.test_client().post(
        "/api/tickets",
        json={"service": SERVICE, "language": "pt"},
        headers={"Authorization": f"Bearer {key}"},
    )
    return answer.status_code, answer.get_json()


def _state(client: FlaskClient, ticket: dict) -> str:
    return client.get(f"/api/tickets/{ticket['token']}").get_json()["state"]


def _ledger_intact(app: Flask) -> None:
    with app.extensions["onestop"].db.session(write=False) as session:
        assert_numbering_intact(session)
        assert_states_match_events(session)


def test_closing_with_tickets_waiting_then_across_midnight(app: Flask) -> None:
    """Wednesday 25 November: one server process from the morning to the next morning."""
    key = add_kiosk(app)
    add_person(app, "ana", services=(SERVICE,))
    closer = DayCloser(app)
    public = app.test_client()
    with freeze_time("2026-11-25 19:40:00", tick=True) as clock:
        assert closer.tick() == (0, 0)
        tickets = [_issue(app, key)[1] for _ in range(4)]
        assert [t["number"] for t in tickets] == ["A001", "A002", "A003", "A004"]
        ana = signed_in(app, "ana")
        ana.post("/api/counters/3/open", json={})
        assert ana.post("/api/counters/3/next", json={}).get_json()["number"] == "A001"
        assert ana.post("/api/counters/3/start", json={}).status_code == 200

        clock.move_to("2026-11-25 20:00:30")  # the doors have closed; ana is still serving
        status, refused = _issue(app, key)
        assert (status, refused["error"]["code"]) == (409, "closed")
        assert closer.tick() == (3, 0)
        assert [_state(public, t) for t in tickets] == [
            "serving",
            "cancelled",
            "cancelled",
            "cancelled",
        ]
        assert ana.post("/api/counters/3/finish", json={}).get_json()["state"] == "done"
        assert ana.post("/api/counters/3/next", json={}).status_code == 409  # after hours
        assert ana.post("/api/counters/3/close", json={}).status_code == 200

        clock.move_to("2026-11-25 23:59:50")
        assert closer.tick() is None
        clock.move_to("2026-11-26 00:00:10")  # midnight passes in the same process
        assert closer.tick() is None
        assert _issue(app, key)[0] == 409  # closed at night

        clock.move_to("2026-11-26 08:31:00")
        status, morning = _issue(app, key)
        assert (status, morning["number"]) == (201, "A001")  # a new day, a new A001
        assert closer.tick() is None
        assert _state(public, morning) == "waiting"
        assert _state(public, tickets[1]) == "cancelled"  # yesterday's A002 is still itself
        ana.post("/api/counters/3/open", json={})
        assert ana.post("/api/counters/3/next", json={}).get_json()["token"] == morning["token"]
        shown = public.get("/api/display/ground").get_json()
        assert [call["number"] for call in shown["calls"]] == ["A001"]  # today's call only
    _ledger_intact(app)


def test_a_restart_after_a_crash_mid_day_changes_nothing(app: Flask) -> None:
    key = add_kiosk(app)
    add_person(app, "ana", services=(SERVICE,))
    with freeze_time("2026-11-25 11:00:00", tick=True):
        tickets = [_issue(app, key)[1] for _ in range(3)]
        ana = signed_in(app, "ana")
        ana.post("/api/counters/3/open", json={})
        ana.post("/api/counters/3/next", json={})
        assert ana.post("/api/counters/3/pause", json={"reason": "x"}).status_code == 409
        cookie = ana.get_cookie("session")
        assert cookie is not None
        # The process dies without any goodbye; a new one starts on the same database.
        url = str(app.extensions["onestop"].db.url)
        again = create_app(Settings(config=REFERENCE_CONFIG, database_url=url, kiosk_rate=0))
        try:
            assert DayCloser(again).tick() == (0, 0)  # on start: today is not closed
            public = again.test_client()
            assert [_state(public, t) for t in tickets] == ["called", "waiting", "waiting"]
            assert _issue(again, key)[1]["number"] == "A004"
            back = again.test_client()
            back.set_cookie("session", cookie.value)
            assert back.get("/api/counters/3").get_json()["ticket"]["number"] == "A001"
            assert back.post("/api/counters/3/start", json={}).status_code == 200
            assert back.post("/api/counters/3/finish", json={}).status_code == 200
            assert back.post("/api/counters/3/next", json={}).get_json()["number"] == "A002"
            _ledger_intact(again)
        finally:
            again.extensions["onestop"].db.dispose()
