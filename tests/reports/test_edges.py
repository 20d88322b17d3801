"""Percentiles and targets at their edges, empty days, summer time, the national view and the
mediators, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from routing.store.models import Ticket
from tests.factories.people import add_person, signed_in
from tests.reports.history import History, frozen_app

WEDNESDAY = "2026-11-25"


def _manager(app: Flask, role: str = "manager") -> FlaskClient:
    add_person(app, f"boss-{role}", role)
    return signed_in(app, f"boss-{role}")


def _summary(client: FlaskClient, first: str, last: str) -> dict:
    response = client.get(f"/api/reports/summary?from={first}&to={last}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _tax(summary: dict) -> dict:
    return next(row for row in summary["services"] if row["code"] == "tax-number")


def _waits(story: History, day: str, waits_s: list[int]) -> None:
    """Visitors alone in the tax-number queue at counter 10, waiting these seconds each."""
    moment = dt.datetime.fromisoformat(f"{day} 08:30")
    story.at(f"{day} 08:30").counter("open", 10, "rui")
    for wait in waits_s:
        called = moment + dt.timedelta(seconds=wait)
        done = called + dt.timedelta(minutes=5)
        story.serve("tax-number", str(moment), str(called), str(done), 10, "rui")
        moment = done + dt.timedelta(minutes=1)


def test_p90_and_median_are_nearest_rank(database_url: str) -> None:
    with frozen_app(database_url, f"{WEDNESDAY} 08:00") as (app, clock):
        story = History(app, clock)
        story.person("rui", services=("tax-number",))
        _waits(story, WEDNESDAY, [60 * m for m in (7, 1, 10, 3, 9, 2, 8, 4, 6, 5)])
        client = _manager(app)
        tax = _tax(_summary(client, WEDNESDAY, WEDNESDAY))
        assert tax["wait_p90_min"] == 9.0  # the 9th of 10: not interpolated
        breakdown = client.get(f"/api/reports/breakdown?from={WEDNESDAY}&to={WEDNESDAY}")
        row = next(r for r in breakdown.get_json()["rows"] if r["service"] == "tax-number")
        assert row["wait_median_min"] == 5.0  # the 5th of 10: the lower middle


def test_one_wait_and_tenths_rounded_down(database_url: str) -> None:
    with frozen_app(database_url, f"{WEDNESDAY} 08:00") as (app, clock):
        story = History(app, clock)
        story.person("rui", services=("tax-number",))
        _waits(story, WEDNESDAY, [4 * 60 + 59])
        tax = _tax(_summary(_manager(app), WEDNESDAY, WEDNESDAY))
        # one wait of 4 min 59 s: its own p90, counted in tenths rounded down; the mean is exact
        assert (tax["wait_p90_min"], tax["wait_mean_min"]) == (4.9, 5.0)


def test_within_target_counts_the_target_itself_and_not_a_second_more(database_url: str) -> None:
    with frozen_app(database_url, f"{WEDNESDAY} 08:00") as (app, clock):
        story = History(app, clock)
        story.person("rui", services=("tax-number",))
        _waits(story, WEDNESDAY, [30 * 60, 30 * 60 + 1, 29 * 60 + 59, 31 * 60])
        tax = _tax(_summary(_manager(app), WEDNESDAY, WEDNESDAY))
        assert tax["within_target_pct"] == 50.0


def test_days_without_tickets(database_url: str) -> None:
    with frozen_app(database_url, f"{WEDNESDAY} 08:00") as (app, _clock):
        client = _manager(app)
        summary = _summary(client, "2026-11-29", "2026-11-29")  # a Sunday: closed
        assert summary["total"] == {
            "issued": 0,
            "served": 0,
            "no_show": 0,
            "cancelled": 0,
            "refused": 0,
            "wait_mean_min": None,
            "wait_p90_min": None,
            "within_target_pct": None,
            "service_mean_min": None,
        }
        assert len(summary["services"]) == len(app.extensions["onestop"].centre.config.services)
        hours = client.get("/api/reports/breakdown?by=hour&from=2026-11-23&to=2026-11-29")
        assert [row["issued"] for row in hours.get_json()["rows"]] == [0] * 12  # 08:00-19:00
        heat = client.get("/api/reports/heatmap?from=2026-11-23&to=2026-11-29").get_json()
        assert heat["arrivals"] == [[0] * 24 for _ in range(7)]
        plan = client.get("/api/reports/staffing?from=2026-11-23&to=2026-11-29").get_json()
        assert {row["needed"] for row in plan["rows"]} == {0}
        for name in ("estimates", "staff", "mediation"):
            assert (
                client.get(f"/api/reports/{name}?from=2026-11-29&to=2026-11-29").status_code == 200
            )


def test_hours_are_local_across_both_summer_time_changes(database_url: str) -> None:
    # Saturday 28 March 2026 10:00 is 10:00 UTC; Monday 30 March 10:00 is 09:00 UTC.
    # Saturday 24 October 10:00 is 09:00 UTC; Monday 26 October 10:00 is 10:00 UTC.
    with frozen_app(database_url, "2026-03-28 08:00") as (app, clock):
        story = History(app, clock)
        story.person("rui", services=("tax-number",))
        for day in ("2026-03-28", "2026-03-30", "2026-10-24", "2026-10-26"):
            story.at(f"{day} 10:00").issue("tax-number")
            story.at(f"{day} 10:00:30").issue("tax-number")
        client = _manager(app)
        for first, last in (("2026-03-28", "2026-03-30"), ("2026-10-24", "2026-10-26")):
            query = f"from={first}&to={last}"
            hours = client.get(f"/api/reports/breakdown?by=hour&{query}").get_json()
            issued = {row["hour"]: row["issued"] for row in hours["rows"] if row["issued"]}
            assert issued == {10: 4}, (first, issued)
            heat = client.get(f"/api/reports/heatmap?{query}").get_json()["arrivals"]
            assert (heat[5][10], heat[0][10]) == (2, 2)
            assert sum(map(sum, heat)) == 4
            days = client.get(f"/api/reports/breakdown?by=weekday&{query}").get_json()
            assert [row["issued"] for row in days["rows"]] == [2, 0, 0, 0, 0, 2, 0]
        # the whole year at once: one expression, four offsets
        year = client.get("/api/reports/breakdown?by=hour&from=2026-01-01&to=2026-12-31")
        assert {r["hour"]: r["issued"] for r in year.get_json()["rows"] if r["issued"]} == {10: 8}


def test_national_summary_per_centre_for_admins_only(database_url: str) -> None:
    with frozen_app(database_url, f"{WEDNESDAY} 08:00") as (app, clock):
        story = History(app, clock)
        story.person("rui", services=("tax-number",))
        _waits(story, WEDNESDAY, [10 * 60, 40 * 60])
        state = app.extensions["onestop"]
        with state.db.session(write=True) as session:
            template = session.execute(select(Ticket).limit(1)).scalar_one()
            issued = template.issued_at
            for n, wait in enumerate((5, 15, 25)):
                session.add(
                    Ticket(
                        centre="porto",
                        day=template.day,
                        number=f"G{n + 1:03d}",
                        token=f"porto-{n}",
                        service="tax-number",
                        language="pt",
                        state="done",
                        issued_at=issued,
                        queued_at=issued,
                        called_at=issued + dt.timedelta(minutes=wait),
                        started_at=issued + dt.timedelta(minutes=wait),
                        ended_at=issued + dt.timedelta(minutes=wait + 10),
                        wait_s=wait * 60.0,
                        service_s=600.0,
                    )
                )
        query = f"from={WEDNESDAY}&to={WEDNESDAY}"
        assert _manager(app).get(f"/api/reports/national?{query}").status_code == 403
        national = _manager(app, "admin").get(f"/api/reports/national?{query}").get_json()
        centres = {row["centre"]: row for row in national["centres"]}
        assert set(centres) == {"lisboa", "porto"}
        assert (centres["porto"]["issued"], centres["porto"]["wait_mean_min"]) == (3, 15.0)
        assert centres["porto"]["within_target_pct"] == 100.0
        assert (centres["lisboa"]["issued"], centres["lisboa"]["within_target_pct"]) == (2, 50.0)
        assert national["total"]["issued"] == 5
        assert national["total"]["wait_p90_min"] == 40.0  # the 5th of 5
        assert national["total"]["within_target_pct"] == 80.0


def test_mediator_demand_by_language(database_url: str) -> None:
    with frozen_app(database_url, f"{WEDNESDAY} 08:00") as (app, clock):
        story = History(app, clock)
        story.person("rui", services=("tax-number",))
        story.person("mira", "mediator", languages=("pt", "ar"))
        story.at(f"{WEDNESDAY} 08:30").counter("open", 10, "rui")
        story.counter("open", 25, "mira")
        request = story.at(f"{WEDNESDAY} 08:40").ask_mediator(10, "rui", "ar")
        story.at(f"{WEDNESDAY} 08:43").accept(request, "mira")
        story.at(f"{WEDNESDAY} 08:50").end_mediation(request, "mira")
        story.serve(
            "tax-number",
            f"{WEDNESDAY} 09:00",
            f"{WEDNESDAY} 09:06",
            f"{WEDNESDAY} 09:20",
            25,
            "mira",
            mediator=True,
            language="ar",
        )
        story.at(f"{WEDNESDAY} 09:30").issue("tax-number", mediator=True, language="ar")
        assert story.at(f"{WEDNESDAY} 09:31").counter("call", 25, "mira") is not None
        client = _manager(app)
        rows = client.get(f"/api/reports/mediation?from={WEDNESDAY}&to={WEDNESDAY}").get_json()
        assert rows["rows"] == [
            {
                "language": "ar",
                "tickets": 2,
                "served": 1,
                "wait_mean_min": 3.5,
                "requests": 1,
                "accepted": 1,
                "accept_mean_min": 3.0,
            }
        ]


def test_bad_ranges_are_refused_clearly(database_url: str) -> None:
    with frozen_app(database_url, f"{WEDNESDAY} 08:00") as (app, _clock):
        client = _manager(app)
        for query in (
            "from=2026-13-01&to=2026-12-31",
            "from=2026-12-31&to=2026-12-01",
            "from=2000-01-01&to=2026-12-31",
            "by=minute",
        ):
            path = "breakdown" if "by=" in query else "summary"
            response = client.get(f"/api/reports/{path}?{query}")
            assert response.status_code == 422, query
            assert response.get_json()["error"]["code"] == "invalid"
        default = client.get("/api/reports/breakdown").get_json()
        assert (default["from"], default["to"]) == ("2026-11-01", WEDNESDAY)
