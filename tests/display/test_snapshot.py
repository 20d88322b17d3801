"""A zone's snapshot: its calls from the event log, newest first, and the centre's state."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask
from freezegun import freeze_time

from display.snapshot import LAST_CALLS, centre_state
from routing.calendar import Calendar
from routing.config import load_config
from tests.factories.configs import REFERENCE_CONFIG, always_open, reference_data, write_config
from tests.factories.people import add_kiosk, add_person, signed_in


def _issue(app: Flask, key: str, service: str, language: str = "pt") -> dict:
    response = app.test_client().post(
        "/api/tickets",
        json={"service": service, "language": language},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_calls_of_the_zone_newest_first_with_recalls_marked(any_app: Flask) -> None:
    app = any_app
    key = add_kiosk(app)
    first = _issue(app, key, "residence-first", "uk")
    second = _issue(app, key, "residence-first", "pt")
    upstairs = _issue(app, key, "nationality", "ar")
    add_person(app, "ana", services=("residence-first",))
    add_person(app, "rui", services=("nationality",))
    ana, rui = signed_in(app, "ana"), signed_in(app, "rui")
    ana.post("/api/counters/3/open", json={})
    rui.post("/api/counters/19/open", json={})
    for action in ("next", "recall", "finish", "next"):
        assert ana.post(f"/api/counters/3/{action}", json={}).status_code == 200
    assert rui.post("/api/counters/19/next", json={}).status_code == 200

    ground = app.test_client().get("/api/display/ground").get_json()
    calls = [(c["number"], c["counter"], c["language"], c["recall"]) for c in ground["calls"]]
    assert calls == [
        (second["number"], "3", "pt", False),
        (first["number"], "3", "uk", True),
        (first["number"], "3", "uk", False),
    ]
    moments = [dt.datetime.fromisoformat(c["at"]) for c in ground["calls"]]
    assert moments == sorted(moments, reverse=True) and moments[0].tzinfo is not None
    assert {c["service"] for c in ground["calls"]} == {"residence-first"}
    assert ground["waiting"]["residence-first"] == 0 and "nationality" not in ground["waiting"]

    first_floor = app.test_client().get("/api/display/first").get_json()
    assert [(c["number"], c["counter"]) for c in first_floor["calls"]] == [
        (upstairs["number"], "19")
    ]


def test_waiting_counts_and_estimates_per_service_of_the_zone(app: Flask) -> None:
    """Before anyone has signed in, the eight counters planned now for tax numbers (four of
    them mediators') are taken to call at once: three waiting make nobody wait, twelve do."""
    key = add_kiosk(app)
    estimates = []
    for _ in range(12):
        _issue(app, key, "tax-number")
        snapshot = app.test_client().get("/api/display/ground").get_json()
        tax = next(s for s in snapshot["services"] if s["code"] == "tax-number")
        estimates.append(tax["estimated_wait_min"])
    assert snapshot["waiting"]["tax-number"] == 12
    assert snapshot["waiting"]["residence-first"] == 0
    assert tax["waiting"] == 12
    assert estimates[2] == 0 and estimates[-1] > 0 and estimates == sorted(estimates)
    assert snapshot["open"] is True and snapshot["state"] == "open"


def test_only_the_last_calls_of_today_are_listed(app: Flask) -> None:
    key = add_kiosk(app)
    add_person(app, "ana", services=("residence-first",))
    ana = signed_in(app, "ana")
    ana.post("/api/counters/3/open", json={})
    for _ in range(LAST_CALLS + 2):
        _issue(app, key, "residence-first")
        ana.post("/api/counters/3/next", json={})
        ana.post("/api/counters/3/finish", json={})
    calls = app.test_client().get("/api/display/ground").get_json()["calls"]
    assert [c["number"] for c in calls] == [f"A{n:03d}" for n in range(LAST_CALLS + 2, 2, -1)]
    with freeze_time("2026-11-26 10:00:00", tick=True):
        assert app.test_client().get("/api/display/ground").get_json()["calls"] == []


def test_an_unknown_zone_is_a_json_404(app: Flask) -> None:
    response = app.test_client().get("/api/display/basement")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Wednesday mid-morning (Lisbon is on UTC in winter)
        ("2026-11-25T10:00:00+00:00", ("open", "2026-11-25T20:00:00+00:00", None)),
        ("2026-11-25T19:45:00+00:00", ("closing_soon", "2026-11-25T20:00:00+00:00", None)),
        ("2026-11-25T20:00:00+00:00", ("closed", None, "2026-11-26T08:30:00+00:00")),
        # Sunday: closed until Monday
        ("2026-11-29T12:00:00+00:00", ("closed", None, "2026-11-30T08:30:00+00:00")),
        # Christmas Eve (the centre's own holiday), then Christmas: open again on the 26th
        ("2026-12-24T10:00:00+00:00", ("closed", None, "2026-12-26T08:30:00+00:00")),
        # Summer time: 08:30 in Lisbon is 07:30 UTC
        ("2026-07-01T06:00:00+00:00", ("closed", None, "2026-07-01T07:30:00+00:00")),
    ],
)
def test_the_centre_is_open_closing_soon_or_closed_until_its_next_opening(
    moment: str, expected: tuple[str, str | None, str | None]
) -> None:
    calendar = Calendar(load_config(REFERENCE_CONFIG).centre)
    state = centre_state(calendar, dt.datetime.fromisoformat(moment))
    assert (state["state"], state["closes_at"], state["next_opening"]) == expected
    assert state["open"] is (expected[0] != "closed")


def test_a_centre_open_past_midnight_is_not_closing_at_midnight(tmp_path: Path) -> None:
    around_the_clock = Calendar(load_config(always_open(tmp_path)).centre)
    late = dt.datetime(2026, 11, 25, 23, 45, tzinfo=dt.UTC)
    assert centre_state(around_the_clock, late) == {
        "open": True,
        "state": "open",
        "closes_at": None,
        "next_opening": None,
    }
    data = reference_data()
    data["centre"]["hours"] = {
        "mon": "08:30-24:00",
        "tue": "00:00-20:00",
        "wed": "08:30-20:00",
    }
    data["centre"]["holidays"] = {"country": None, "extra": []}
    calendar = Calendar(load_config(write_config(tmp_path, data, "late.yaml")).centre)
    monday_night = dt.datetime(2026, 11, 23, 23, 45, tzinfo=dt.UTC)
    state = centre_state(calendar, monday_night)
    assert (state["state"], state["closes_at"]) == ("open", "2026-11-24T20:00:00+00:00")
    tuesday = dt.datetime(2026, 11, 24, 19, 45, tzinfo=dt.UTC)
    assert centre_state(calendar, tuesday)["state"] == "closing_soon"
