"""The serving process closes the day by itself, once per closing of the doors."""

from __future__ import annotations

from flask import Flask
from freezegun import freeze_time

from onestop.housekeeping import DayCloser
from tests.factories.people import add_kiosk


def _issue(app: Flask, key: str) -> dict:
    return (
        app.test_client()
        .post(
            "/api/tickets",
            json={"service": "tax-number", "language": "pt"},
            headers={"Authorization": f"Bearer {key}"},
        )
        .get_json()
    )


def test_the_day_closes_once_after_each_closing(app: Flask) -> None:
    key = add_kiosk(app)
    closer = DayCloser(app)
    assert closer.tick() == (0, 0)  # on start: yesterday's leftovers, none here
    issued = _issue(app, key)
    assert closer.tick() is None  # the doors have not closed since: no table touched
    with freeze_time("2026-11-25 20:00:30"):
        assert closer.tick() == (1, 0)
        assert closer.tick() is None
    status = app.test_client().get(f"/api/tickets/{issued['token']}").get_json()
    assert status["state"] == "cancelled"
