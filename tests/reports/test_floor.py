"""The live floor: waiting per service against its target, counters, mediation, refusals."""

from __future__ import annotations

from flask import Flask

from tests.factories.people import add_person, signed_in
from tests.reports.history import History, frozen_app

DAY = "2026-11-25"


def test_floor_now(database_url: str) -> None:
    with frozen_app(database_url, f"{DAY} 07:00") as (app, clock):
        story = History(app, clock)
        story.person("rui", services=("tax-number",))
        assert story.issue("tax-number") == "closed"
        story.at(f"{DAY} 08:30").counter("open", 10, "rui")
        story.at(f"{DAY} 08:40").issue("tax-number")
        story.at(f"{DAY} 08:45").issue("tax-number")
        story.at(f"{DAY} 08:50").issue("immigration-info")
        story.at(f"{DAY} 09:00").counter("call", 10, "rui")
        story.at(f"{DAY} 09:20").ask_mediator(10, "rui", "pt")
        story.at(f"{DAY} 09:30")
        add_person(app, "boss", "manager")
        floor = signed_in(app, "boss").get("/api/reports/floor").get_json()
    services = {row["code"]: row for row in floor["services"]}
    assert services["tax-number"]["waiting"] == 1
    assert services["tax-number"]["oldest_wait_min"] == 45.0
    assert services["tax-number"]["over_target"] is True  # 45 minutes against 30
    assert services["immigration-info"]["oldest_wait_min"] == 40.0
    assert services["immigration-info"]["over_target"] is True  # against 20
    assert floor["longest"]["code"] == "tax-number"
    counter = next(row for row in floor["counters"] if row["id"] == 10)
    assert (counter["state"], counter["staff"], counter["ticket"]) == ("calling", "rui", "G001")
    assert next(row for row in floor["counters"] if row["id"] == 11)["state"] == "closed"
    assert floor["mediation"] == [
        {"language": "pt", "state": "waiting", "counter": "10", "waited_min": 10.0}
    ]
    assert floor["refusals"] == {"total": 1, "by_reason": {"closed": 1}}


def test_floor_when_nobody_waits(app: Flask) -> None:
    add_person(app, "boss", "manager")
    floor = signed_in(app, "boss").get("/api/reports/floor").get_json()
    assert floor["longest"] is None
    assert sum(row["waiting"] for row in floor["services"]) == 0
    assert floor["refusals"] == {"total": 0, "by_reason": {}}
