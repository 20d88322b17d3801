"""What a console reads: its counter's snapshot (ticket and queue, counts only) and the day."""

from __future__ import annotations

import datetime as dt
import json

from flask import Flask
from flask.testing import FlaskClient
from freezegun import freeze_time

from tests.conftest import OPEN_MOMENT
from tests.factories.people import add_kiosk, add_person, signed_in


def _issue(app: Flask, key: str, service: str, language: str = "pt", **extra) -> dict:
    response = app.test_client().post(
        "/api/tickets",
        json={"service": service, "language": language, **extra},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _rows(snapshot: dict) -> dict[str, dict]:
    return {row["code"]: row for row in snapshot["queue"]["services"]}


def test_the_snapshot_counts_what_this_counter_may_call(app: Flask) -> None:
    key = add_kiosk(app)
    with freeze_time(OPEN_MOMENT) as clock:
        tickets = [_issue(app, key, "residence-first")]
        clock.tick(dt.timedelta(minutes=4))
        tickets.append(_issue(app, key, "residence-first", priority="elderly"))
        tickets.append(_issue(app, key, "residence-first", "wo", mediator=True))
        tickets.append(_issue(app, key, "residence-renewal", "uk"))
        tickets.append(_issue(app, key, "tax-number"))
        clock.tick(dt.timedelta(minutes=6))
        add_person(app, "ana", services=("residence-first",), languages=("pt",))
        add_person(app, "mia", role="mediator", languages=("pt", "wo"))
        ana, mia = signed_in(app, "ana"), signed_in(app, "mia")
        ana.post("/api/counters/3/open", json={})
        mia.post("/api/counters/25/open", json={})

        snapshot = ana.get("/api/counters/3").get_json()
        assert snapshot["counter"]["state"] == "open" and snapshot["ticket"] is None
        assert snapshot["no_show_after_recalls"] == 2
        rows = _rows(snapshot)
        assert list(rows) == [
            "residence-first",
            "residence-renewal",
            "family-reunification",
            "immigration-info",
        ]
        # Three wait for a first permit; Ana may call two (the Wolof visitor needs a mediator),
        # and none of the renewals, which she does not serve.
        assert (rows["residence-first"]["waiting"], rows["residence-first"]["callable"]) == (3, 2)
        assert rows["residence-first"]["oldest_wait_min"] == 10.0
        assert (rows["residence-renewal"]["waiting"], rows["residence-renewal"]["callable"]) == (
            1,
            0,
        )
        assert snapshot["queue"]["callable"] == 2 and snapshot["queue"]["mediated"] == []
        # Counts only: no number, token or language of any visitor.
        text = json.dumps(snapshot["queue"])
        assert not any(t["number"] in text or t["token"] in text for t in tickets)

        mine = mia.get("/api/counters/25").get_json()
        assert mine["queue"]["mediated"] == [{"language": "wo", "waiting": 1}]

        called = ana.post("/api/counters/3/next", json={}).get_json()
        snapshot = ana.get("/api/counters/3").get_json()
        assert snapshot["counter"]["state"] == "calling"
        # Longest weighted wait: the elderly visitor's 6 min of a 10-min target beat 10 min of 30.
        assert snapshot["ticket"]["number"] == called["number"] == tickets[1]["number"]
        assert _rows(snapshot)["residence-first"]["waiting"] == 2


def test_a_transfer_to_a_counter_shows_there(app: Flask) -> None:
    key = add_kiosk(app)
    _issue(app, key, "residence-first")
    add_person(app, "ana", services=("residence-first",))
    add_person(app, "eva", services=("residence-first",))
    ana, eva = signed_in(app, "ana"), signed_in(app, "eva")
    ana.post("/api/counters/3/open", json={})
    eva.post("/api/counters/4/open", json={})
    ana.post("/api/counters/3/next", json={})
    ana.post("/api/counters/3/transfer", json={"counter": 4, "note": "knows the case"})
    assert eva.get("/api/counters/4").get_json()["queue"]["sent_here"] == 1
    assert ana.get("/api/counters/3").get_json()["queue"]["sent_here"] == 0


def test_managers_see_any_counter_and_unknown_ones_are_404(app: Flask) -> None:
    add_person(app, "boss", role="manager")
    boss = signed_in(app, "boss")
    closed = boss.get("/api/counters/7").get_json()
    assert (closed["counter"]["state"], closed["counter"]["staff"], closed["ticket"]) == (
        "closed",
        None,
        None,
    )
    assert [row["callable"] for row in closed["queue"]["services"]] == [0, 0, 0]
    assert boss.get("/api/counters/999").status_code == 404


def test_a_pause_carries_its_reason(app: Flask) -> None:
    add_person(app, "ana", services=("residence-first",))
    ana = signed_in(app, "ana")
    ana.post("/api/counters/3/open", json={})
    ana.post("/api/counters/3/pause", json={"reason": "training"})
    counter = ana.get("/api/counters/3").get_json()["counter"]
    assert (counter["state"], counter["pause_reason"]) == ("paused", "training")
    ana.post("/api/counters/3/resume", json={})
    ana.post("/api/counters/3/pause", json={})
    assert ana.get("/api/counters/3").get_json()["counter"]["pause_reason"] == "break"


def _serve(client: FlaskClient, counter: int, clock, minutes: float) -> None:
    assert client.post(f"/api/counters/{counter}/next", json={}).status_code == 200
    client.post(f"/api/counters/{counter}/start", json={})
    clock.tick(dt.timedelta(minutes=minutes))
    assert client.post(f"/api/counters/{counter}/finish", json={}).status_code == 200


def test_a_persons_day(app: Flask) -> None:
    key = add_kiosk(app)
    with freeze_time(OPEN_MOMENT) as clock:
        for _ in range(5):
            _issue(app, key, "residence-first")
        add_person(app, "ana", services=("residence-first",))
        add_person(app, "eva", services=("residence-first",))
        ana, eva = signed_in(app, "ana"), signed_in(app, "eva")
        ana.post("/api/counters/3/open", json={})
        eva.post("/api/counters/4/open", json={})
        assert ana.get("/api/me/day").get_json() == {
            "day": "2026-11-25",
            "served": 0,
            "no_show": 0,
            "transferred": 0,
            "mean_service_min": None,
            "paused_min": 0.0,
        }
        _serve(ana, 3, clock, 6)
        _serve(ana, 3, clock, 10)
        _serve(eva, 4, clock, 30)
        ana.post("/api/counters/3/next", json={})
        ana.post("/api/counters/3/no-show", json={})
        ana.post("/api/counters/3/pause", json={"reason": "lunch"})
        clock.tick(dt.timedelta(minutes=30))
        ana.post("/api/counters/3/resume", json={})
        ana.post("/api/counters/3/pause", json={"reason": "break"})
        clock.tick(dt.timedelta(minutes=5))
        day = ana.get("/api/me/day").get_json()
        assert (day["served"], day["no_show"], day["mean_service_min"]) == (2, 1, 8.0)
        # Breaks: thirty minutes' lunch, and the five minutes of the pause still going on.
        assert day["paused_min"] == 35.0
        assert eva.get("/api/me/day").get_json()["served"] == 1

        # Past local midnight (and within the session's fourteen hours): a new day.
        clock.tick(dt.timedelta(hours=13))
        tomorrow = ana.get("/api/me/day").get_json()
        assert (tomorrow["day"], tomorrow["served"], tomorrow["paused_min"]) == (
            "2026-11-26",
            0,
            0.0,
        )
