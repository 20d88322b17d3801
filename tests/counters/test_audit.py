"""The audit trail: who did what to which ticket and when, for managers, as JSON, CSV and a page;
staff actions (counters, accounts, devices) are on it too."""

from __future__ import annotations

import csv
import io
import re

from flask import Flask
from flask.testing import FlaskClient

from tests.factories.people import add_kiosk, add_person, signed_in

FORMULA = '=HYPERLINK("http://evil.example/","x")'


def _day(app: Flask) -> tuple[FlaskClient, str]:
    """A small morning: a kiosk issues two tickets, ana serves one, pauses, comes back."""
    key = add_kiosk(app, "entrada-1")
    kiosk = {"Authorization": f"Bearer {key}"}
    client = app.test_client()
    for _ in range(2):
        answer = client.post(
            "/api/tickets", json={"service": "residence-first", "language": "pt"}, headers=kiosk
        )
        assert answer.status_code == 201
    add_person(app, "ana", services=("residence-first",))
    add_person(app, "boss", role="manager")
    ana = signed_in(app, "ana")
    for action in ("open", "next", "start", "finish"):
        assert ana.post(f"/api/counters/3/{action}", json={}).status_code == 200
    assert ana.post("/api/counters/3/pause", json={"reason": FORMULA}).status_code == 200
    assert ana.post("/api/counters/3/resume", json={}).status_code == 200
    return signed_in(app, "boss"), key


def test_the_trail_says_who_did_what_to_which_ticket(app: Flask) -> None:
    boss, _ = _day(app)
    answer = boss.get("/api/audit")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["truncated"] is False
    events = body["events"]
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    steps = [(e["kind"], e["ticket"], e["counter"], e["staff"], e["device"]) for e in events]
    assert ("issued", "A001", None, None, "entrada-1") in steps
    assert ("issued", "A002", None, None, "entrada-1") in steps
    assert ("opened", None, "3", "ana", None) in steps
    assert ("called", "A001", "3", "ana", None) in steps
    assert ("started", "A001", "3", "ana", None) in steps
    assert ("finished", "A001", "3", "ana", None) in steps
    assert ("resumed", None, "3", "ana", None) in steps
    paused = next(e for e in events if e["kind"] == "paused")
    assert paused["data"] == {"reason": FORMULA}
    added = [e for e in events if e["kind"] in ("staff_added", "device_added")]
    assert {(e["kind"], e["data"].get("user") or e["data"].get("device")) for e in added} == {
        ("device_added", "entrada-1"),
        ("staff_added", "ana"),
        ("staff_added", "boss"),
    }
    assert all(e["data"]["by"] == "command line" for e in added)
    assert not any("key" in str(e["data"]).lower() for e in added)  # a kiosk key never

    one = boss.get("/api/audit?ticket=a001").get_json()["events"]
    assert {e["ticket"] for e in one} == {"A001"}
    assert [e["kind"] for e in one] == ["issued", "called", "started", "finished"]


def test_days_are_local_days_and_bad_queries_are_422(app: Flask) -> None:
    boss, _ = _day(app)
    assert boss.get("/api/audit?from=2026-11-24&to=2026-11-24").get_json()["events"] == []
    assert len(boss.get("/api/audit?from=2026-11-24&to=2026-11-25").get_json()["events"]) > 10
    for query in (
        "from=yesterday",
        "from=2026-11-25&to=2026-11-24",
        "from=2020-01-01&to=2026-11-25",
        "ticket=A001;DROP TABLE events",
        "ticket=" + "A" * 40,
    ):
        answer = boss.get(f"/api/audit?{query}")
        assert answer.status_code == 422, query
        assert answer.get_json()["error"]["code"] == "invalid"
        assert boss.get(f"/api/audit.csv?{query}").status_code == 422


def test_the_csv_export_has_every_row_and_no_formula(app: Flask) -> None:
    boss, _ = _day(app)
    answer = boss.get("/api/audit.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert len(rows) == len(boss.get("/api/audit").get_json()["events"])
    header = ["at", "kind", "ticket", "service", "counter", "staff", "device", "data"]
    assert list(rows[0]) == header
    for row in rows:
        assert not any(value.startswith(("=", "+", "-", "@")) for value in row.values())
    assert any(FORMULA.replace('"', '\\"') in row["data"] for row in rows)


def test_staff_account_changes_on_the_admin_page_are_on_the_trail(app: Flask) -> None:
    boss, _ = _day(app)
    add_person(app, "root", role="admin")
    admin = signed_in(app, "root")
    page = admin.get("/counter/staff/1").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    saved = admin.post(
        "/counter/staff/1",
        data={"services": ["tax-number"], "languages": ["pt"], "active": "", "csrf_token": token},
    )
    assert saved.status_code == 302
    events = boss.get("/api/audit").get_json()["events"]
    changed = [e for e in events if e["kind"] == "staff_changed"]
    assert [(e["staff"], e["data"]) for e in changed] == [
        ("root", {"user": "ana", "services": ["tax-number"], "languages": ["pt"], "active": False})
    ]


def test_the_page_is_for_managers_and_admins(app: Flask) -> None:
    boss, _ = _day(app)
    assert app.test_client().get("/counter/audit").headers["Location"] == "/counter"
    assert signed_in(app, "ana").get("/counter/audit").status_code == 403
    page = boss.get("/counter/audit?ticket=A001&lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Audit trail" in html and html.count("<tr>") == 5  # the header and 4 events
    assert "/api/audit.csv?" in html
    assert boss.get("/counter/audit?from=nonsense").status_code == 422
    assert 'href="/counter/audit"' in boss.get("/counter").get_data(as_text=True)
