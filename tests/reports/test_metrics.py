"""Each report figure against a value worked out by hand from a history written under freezegun,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from routing.store.models import Event, Ticket
from tests.factories.people import add_person, signed_in
from tests.reports.history import History, frozen_app

DAY = "2026-11-25"  # a Wednesday in winter: Lisbon is on UTC
#: (issued, called, finished or None for a no-show, priority) of tax-number visitors, alone
#: in the queue one after another at counter 10: waits 1, 2, 5, 8, 12, 20, 30, 31, 45, 10, 11
TAX_NUMBER = [
    ("08:30", "08:31", "08:41", None),
    ("08:45", "08:47", "08:52", None),
    ("09:00", "09:05", "09:15", None),
    ("09:20", "09:28", None, None),
    ("09:30", "09:42", "09:50", None),
    ("10:00", "10:20", "10:30", None),
    ("10:30", "11:00", "11:10", None),  # exactly the 30-minute target: within
    ("11:10", "11:41", "11:50", None),
    ("12:00", "12:45", "12:55", None),
    ("13:00", "13:10", "13:20", "elderly"),  # exactly the 10-minute priority target: within
    ("13:20", "13:31", "13:40", "elderly"),  # 11 minutes: late for a priority visitor
]


@pytest.fixture
def history(database_url: str) -> Iterator[History]:
    with frozen_app(database_url, f"{DAY} 07:00") as (app, clock):
        story = History(app, clock)
        story.person("rui", services=("tax-number", "tax-returns"))
        assert story.issue("tax-number") == "closed"  # 07:00: refused
        story.at(f"{DAY} 08:30").counter("open", 10, "rui")
        for issued, called, finished, priority in TAX_NUMBER:
            story.serve(
                "tax-number",
                f"{DAY} {issued}",
                f"{DAY} {called}",
                f"{DAY} {finished}" if finished else None,
                10,
                "rui",
                priority=priority,
            )
        left = story.at(f"{DAY} 14:00").issue("tax-number")
        story.at(f"{DAY} 14:30").cancel(left)
        story.at(f"{DAY} 15:00").issue("tax-number")
        story.at(f"{DAY} 15:05").counter("call", 10, "rui")
        story.counter("start", 10, "rui")
        story.at(f"{DAY} 15:08").counter("transfer", 10, "rui", "tax-returns")
        story.at(f"{DAY} 15:12").counter("call", 10, "rui")
        story.counter("start", 10, "rui")
        story.at(f"{DAY} 15:20").counter("finish", 10, "rui")
        story.at(f"{DAY} 16:00").counter("pause", 10, "rui", "lunch")
        story.at(f"{DAY} 16:15").counter("resume", 10, "rui")
        add_person(app, "boss", "manager")
        yield story


def _client(app: Flask) -> FlaskClient:
    return signed_in(app, "boss")


def _get(client: FlaskClient, path: str) -> dict:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_each_ticket_keeps_the_wait_and_service_time_its_events_give(history: History) -> None:
    """The reports sum `wait_s` and `service_s`: they must be what the event log says, the
    transferred ticket's wait counted to its last call and its service from its last start."""
    with history.app.extensions["onestop"].db.session(write=False) as session:
        events = session.execute(
            select(Event.ticket_id, Event.kind, Event.at)
            .where(Event.ticket_id.is_not(None))
            .order_by(Event.id)
        ).all()
        stored = {t.id: (t.wait_s, t.service_s) for t in session.scalars(select(Ticket))}
    moments: dict[int, dict[str, dt.datetime]] = {}
    for ticket_id, kind, at in events:
        if kind == "transferred":
            moments[ticket_id].pop("started")
        moments.setdefault(ticket_id, {})[kind] = at
    expected = {}
    for ticket_id, seen in moments.items():
        wait = seen["called"] - seen["issued"] if "called" in seen else None
        began = seen.get("started", seen.get("called"))
        served = seen["finished"] - began if "finished" in seen else None
        expected[ticket_id] = tuple(
            None if span is None else span.total_seconds() for span in (wait, served)
        )
    assert stored == expected
    assert sorted(wait for wait, _ in stored.values() if wait is not None)[:3] == [60, 120, 300]
    assert sum(served is not None for _, served in stored.values()) == 11


def test_summary_per_service_and_total(history: History) -> None:
    summary = _get(_client(history.app), f"/api/reports/summary?from={DAY}&to={DAY}")
    rows = {row["code"]: row for row in summary["services"]}
    assert rows["tax-number"] == {
        "code": "tax-number",
        "issued": 12,
        "served": 10,
        "no_show": 1,
        "cancelled": 1,
        "refused": 1,
        "wait_mean_min": round(175 / 11, 1),
        "wait_p90_min": 31.0,  # the 10th of 11 sorted waits
        "within_target_pct": round(100 * 8 / 11, 1),
        "service_mean_min": 9.1,
    }
    assert rows["tax-returns"] == {
        "code": "tax-returns",
        "issued": 1,
        "served": 1,
        "no_show": 0,
        "cancelled": 0,
        "refused": 0,
        "wait_mean_min": 12.0,  # from its issue as tax-number to its last call
        "wait_p90_min": 12.0,
        "within_target_pct": 100.0,
        "service_mean_min": 8.0,
    }
    assert rows["residence-first"]["issued"] == 0
    assert rows["residence-first"]["wait_mean_min"] is None
    assert summary["total"] == {
        "issued": 13,
        "served": 11,
        "no_show": 1,
        "cancelled": 1,
        "refused": 1,
        "wait_mean_min": round(187 / 12, 1),
        "wait_p90_min": 31.0,  # the 11th of 12
        "within_target_pct": 75.0,
        "service_mean_min": 9.0,
    }


def test_breakdown_has_median_transfers_and_refusal_reasons(history: History) -> None:
    client = _client(history.app)
    by_service = _get(client, f"/api/reports/breakdown?by=service&from={DAY}&to={DAY}")
    rows = {row["service"]: row for row in by_service["rows"]}
    assert rows["tax-number"]["wait_median_min"] == 11.0  # the 6th of 11
    assert rows["tax-number"]["refused_by_reason"] == {"closed": 1}
    assert rows["tax-returns"]["transfers"] == 1
    assert by_service["total"]["wait_median_min"] == 11.0  # the 6th of 12
    assert by_service["total"]["transfers"] == 1

    by_hour = _get(client, f"/api/reports/breakdown?by=hour&from={DAY}&to={DAY}")
    issued = {row["hour"]: row["issued"] for row in by_hour["rows"]}
    assert {h: n for h, n in issued.items() if n} == {
        8: 2,
        9: 3,
        10: 2,
        11: 1,
        12: 1,
        13: 2,
        14: 1,
        15: 1,
    }
    refused = {row["hour"]: row["refused"] for row in by_hour["rows"] if row["refused"]}
    assert refused == {7: 1}
    nine = next(row for row in by_hour["rows"] if row["hour"] == 9)
    assert (nine["wait_mean_min"], nine["no_show"]) == (round(25 / 3, 1), 1)

    by_weekday = _get(client, f"/api/reports/breakdown?by=weekday&from={DAY}&to={DAY}")
    assert [row["issued"] for row in by_weekday["rows"]] == [0, 0, 13, 0, 0, 0, 0]


def test_staff_estimates_heatmap_and_staffing(history: History) -> None:
    client = _client(history.app)
    staff = _get(client, f"/api/reports/staff?from={DAY}&to={DAY}")["rows"]
    assert staff == [
        {
            "username": "rui",
            "served": 11,
            "no_show": 1,
            "service_mean_min": 9.0,
            "break_min": 15.0,
            # every call after the counter was free: each wait, except the transferred
            # ticket's first call (it counts from its new queueing: 4 minutes)
            "idle_while_waiting_min": 1 + 2 + 5 + 8 + 12 + 20 + 30 + 31 + 45 + 10 + 11 + 4,
        }
    ]
    estimates = _get(client, f"/api/reports/estimates?from={DAY}&to={DAY}")["rows"]
    tax = next(row for row in estimates if row["code"] == "tax-number")
    # each visitor came to an empty queue at an open centre: the estimate was 0 minutes
    assert tax == {
        "code": "tax-number",
        "tickets": 11,
        "estimate_mean_min": 0.0,
        "wait_mean_min": round(175 / 11, 1),
        "error_mean_min": round(175 / 11, 1),
        "bias_min": -round(175 / 11, 1),
        "within_5_min_pct": round(100 * 3 / 11, 1),
    }
    heat = _get(client, f"/api/reports/heatmap?from={DAY}&to={DAY}")["arrivals"]
    assert heat[2][8:16] == [2, 3, 2, 1, 1, 2, 1, 1]
    assert sum(map(sum, heat)) == 13
    plan = {
        row["hour"]: row
        for row in _get(client, f"/api/reports/staffing?from={DAY}&to={DAY}")["rows"]
    }
    assert plan[9]["arrivals_per_day"] == 3.0
    assert plan[9]["needed"] >= 1
    assert plan[9]["staffed"] > 20
    # counter 10, open from 08:30, paused 16:00 to 16:15, still open at 16:15
    assert [plan[hour]["open"] for hour in (8, 9, 15, 16)] == [0.5, 1.0, 1.0, 0.0]


def test_csv_of_every_table(history: History) -> None:
    client = _client(history.app)
    response = client.get(f"/api/reports/summary.csv?from={DAY}&to={DAY}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == (
        "code,issued,served,no_show,cancelled,refused,wait_mean_min,wait_p90_min,"
        "within_target_pct,service_mean_min"
    )
    assert "tax-number,12,10,1,1,1,15.9,31.0,72.7,9.1" in lines
    assert lines[-1].startswith("total,13,11,")
    for name in ("breakdown", "estimates", "staff", "heatmap", "staffing"):
        answer = client.get(f"/api/reports/{name}.csv?from={DAY}&to={DAY}")
        assert answer.status_code == 200 and answer.mimetype == "text/csv", name
        assert len(answer.get_data(as_text=True).splitlines()) >= 2, name
    empty = client.get(f"/api/reports/mediation.csv?from={DAY}&to={DAY}")
    assert empty.get_data(as_text=True).splitlines() == [
        "language,tickets,served,wait_mean_min,requests,accepted,accept_mean_min"
    ]
