"""The serving process closes the day by itself."""

from __future__ import annotations

from flask import Flask
from freezegun import freeze_time

from onestop.housekeeping import run_once
from tests.factories.people import add_kiosk


def test_a_round_after_closing_cancels_the_queue(app: Flask) -> None:
    key = add_kiosk(app)
    kiosk = app.test_client()
    issued = kiosk.post(
        "/api/tickets",
        json={"service": "tax-number", "language": "pt"},
        headers={"Authorization": f"Bearer {key}"},
    ).get_json()
    assert run_once(app) == (0, 0)
    with freeze_time("2026-11-25 20:00:30"):
        assert run_once(app) == (1, 0)
    assert (
        kiosk.get(issued["status_url"].replace("/t/", "/api/tickets/")).get_json()["state"]
        == "cancelled"
    )
