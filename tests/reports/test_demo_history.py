"""`onestop demo --history-days N`: simulated past days the reports can read."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import func, select

from onestop.demo import DEMO_PASSWORD, seed_demo
from onestop.history import fill_history
from routing.states import TicketState
from routing.store.models import Event, Ticket


@pytest.mark.slow
def test_history_fills_past_open_days_with_served_tickets(app: Flask) -> None:
    state = app.extensions["onestop"]
    config = state.centre.config
    with state.db.session(write=True) as session:
        seed_demo(session, config)
    today = dt.date(2026, 11, 25)  # Wednesday: Sunday 22 is closed
    with state.db.session(write=True) as session:
        written = fill_history(session, config, 3, today)
    with state.db.session(write=False) as session:
        days = dict(session.execute(select(Ticket.day, func.count()).group_by(Ticket.day)).all())
        states = set(session.execute(select(Ticket.state).distinct()).scalars())
        issued = session.execute(
            select(func.count()).select_from(Event).where(Event.kind == "issued")
        ).scalar_one()
    assert set(days) == {dt.date(2026, 11, 23), dt.date(2026, 11, 24)}
    assert sum(days.values()) == written == issued > 500
    assert TicketState.WAITING not in states and TicketState.DONE in states

    client = app.test_client()
    login = client.post("/api/login", json={"username": "manager", "password": DEMO_PASSWORD})
    assert login.status_code == 200
    summary = client.get("/api/reports/summary?from=2026-11-23&to=2026-11-24").get_json()
    assert summary["total"]["issued"] == written
    assert summary["total"]["served"] > 0.8 * written
    assert summary["total"]["wait_p90_min"] is not None
    staff = client.get("/api/reports/staff?from=2026-11-23&to=2026-11-24").get_json()["rows"]
    assert {row["username"] for row in staff} >= {"agent1", "agent3"}
    assert sum(row["served"] for row in staff) == summary["total"]["served"]
