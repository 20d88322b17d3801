"""Hostile text in every text field: script and SQL injection, odd unicode, control characters.

It is stored as typed or refused with 422, never runs a query of its own, never answers 500,
and comes back escaped on every page that shows it. Runs on SQLite and on PostgreSQL (which
refuses a NUL in text: that must be a 422 or a 404, not a fault).
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import func, select

from routing.store.models import Event, Staff, Ticket
from tests.factories.people import add_kiosk, add_person, signed_in

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
SQL = "'; DROP TABLE tickets; --"
#: right-to-left override, zero-width joiner, a combining mark, an astral emoji, a lone quote
UNICODE = "\u202eevil\u200d\u0301 🧾 ' \" `"
TEXTS = (SCRIPT, SQL, UNICODE, "Robert'); DELETE FROM staff WHERE ('1'='1", "x" * 500)
CONTROL = ("nul\x00byte", "bell\x07", "escape\x1b[31m")


def _serving(app: Flask, username: str) -> tuple[FlaskClient, str]:
    """`username` (an agent) holds counter 3 with a called ticket; returns its client and a
    kiosk key."""
    key = add_kiosk(app)
    for _ in range(2):
        app.test_client().post(
            "/api/tickets",
            json={"service": "residence-first", "language": "pt"},
            headers={"Authorization": f"Bearer {key}"},
        )
    add_person(app, username, services=("residence-first", "residence-renewal"))
    client = signed_in(app, username)
    assert client.post("/api/counters/3/open", json={}).status_code == 200
    return client, key


@pytest.mark.parametrize("text", TEXTS)
def test_hostile_text_is_stored_as_typed_and_escaped_on_every_page(
    any_app: Flask, text: str
) -> None:
    username = text[:60]
    agent, _ = _serving(any_app, username)
    assert agent.post("/api/counters/3/pause", json={"reason": text}).status_code == 200
    assert agent.post("/api/counters/3/resume", json={}).status_code == 200
    assert agent.post("/api/counters/3/next", json={}).status_code == 200
    asked = agent.post("/api/counters/3/mediator", json={"language": "wo", "note": text})
    assert asked.status_code == 201 and asked.get_json()["note"] == text
    assert agent.post(f"/api/mediation/{asked.get_json()['id']}/cancel", json={}).status_code == 200
    moved = agent.post(
        "/api/counters/3/transfer", json={"service": "residence-renewal", "note": text}
    )
    assert moved.status_code == 200
    for lookup in (f"/api/services?lang={text}", f"/api/audit?ticket={text}"):
        assert agent.get(lookup).status_code in (200, 403, 422)

    add_person(any_app, "root", role="admin")
    admin = signed_in(any_app, "root")
    events = admin.get("/api/audit").get_json()["events"]
    assert next(e for e in events if e["kind"] == "transferred")["data"]["note"] == text
    assert next(e for e in events if e["kind"] == "paused")["data"]["reason"] == text[:200]
    with any_app.extensions["onestop"].db.session(write=False) as session:
        assert session.execute(select(func.count()).select_from(Ticket)).scalar_one() == 2
        assert session.execute(select(Staff.username).where(Staff.username == username)).scalar()
        staff_id = session.execute(select(Staff.id).where(Staff.username == username)).scalar()
        assert session.execute(select(func.count()).select_from(Event)).scalar_one() > 5

    pages = {
        "console": agent.get("/counter/3"),
        "staff list": admin.get("/counter/staff"),
        "staff edit": admin.get(f"/counter/staff/{staff_id}"),
        "audit": admin.get("/counter/audit"),
    }
    for name, page in pages.items():
        assert page.status_code == 200, name
        body = page.get_data(as_text=True)
        if "<" in text or "'" in text:
            assert text not in body, f"{name} shows the text unescaped"
        if name in ("staff list", "audit"):
            assert str(escape(username)) in body, name
        assert "<script>alert" not in body, name


@pytest.mark.parametrize("text", CONTROL)
def test_control_characters_are_refused_not_faults(any_app: Flask, text: str) -> None:
    agent, key = _serving(any_app, "ana")
    kiosk = {"Authorization": f"Bearer {key}"}
    refused = (
        agent.post("/api/counters/3/pause", json={"reason": text}),
        agent.post("/api/counters/3/mediator", json={"language": "wo", "note": text}),
        agent.post("/api/counters/3/transfer", json={"service": text}),
        any_app.test_client().post("/api/login", json={"username": text, "password": text}),
        any_app.test_client().post(
            "/api/tickets", json={"service": text, "language": "pt"}, headers=kiosk
        ),
        any_app.test_client().post(
            "/api/kiosk/receipts", json={"token": text, "language": "pt"}, headers=kiosk
        ),
    )
    assert [answer.status_code for answer in refused] == [422, 422, 422, 422, 422, 422]
    client = any_app.test_client()
    assert client.get(f"/api/tickets/{text}").status_code == 404
    assert client.post(f"/api/tickets/{text}/cancel", json={}).status_code == 404
    assert client.get(f"/t/{text}").status_code == 404
    assert client.get(f"/api/display/{text}").status_code == 404
    page = client.post("/counter/login", data={"username": text, "password": "x"})
    assert page.status_code in (400, 401)
    with pytest.raises(Exception, match="printable"):
        add_person(any_app, text)
