"""The /counter pages: sign-in with a CSRF token, the choice of counter, the console, sign-out,
sessions across a restart, the page language, and the admin's staff page."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from onestop.app import create_app
from onestop.settings import Settings
from tests.factories.configs import REFERENCE_CONFIG
from tests.factories.people import PASSWORD, add_kiosk, add_person

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _token(client: FlaskClient, path: str = "/counter") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    match = TOKEN.search(page.get_data(as_text=True))
    assert match, "the page has no CSRF token"
    return match[1]


def _sign_in(client: FlaskClient, username: str, password: str = PASSWORD) -> None:
    answer = client.post(
        "/counter/login",
        data={"username": username, "password": password, "csrf_token": _token(client)},
    )
    assert (answer.status_code, answer.headers["Location"]) == (302, "/counter")


def _offered(client: FlaskClient) -> list[int]:
    html = client.get("/counter").get_data(as_text=True)
    return [int(n) for n in re.findall(r'data-counter="(\d+)"', html)]


def _setup(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="console-setup">(.*?)</script>', html)
    assert match
    return json.loads(match[1])


def test_sign_in_needs_the_forms_token_and_the_right_password(app: Flask) -> None:
    add_person(app, "ana", services=("residence-first",))
    client = app.test_client()
    page = client.get("/counter?lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in html and 'name="password"' in html
    token = TOKEN.search(html)[1]

    credentials = {"username": "ana", "password": PASSWORD}
    assert client.post("/counter/login", data=credentials).status_code == 400
    stranger = app.test_client()
    stolen = stranger.post("/counter/login", data={**credentials, "csrf_token": token})
    assert stolen.status_code == 400, "a token works only in the session it was made for"
    wrong = client.post(
        "/counter/login", data={"username": "ana", "password": "nope", "csrf_token": token}
    )
    assert wrong.status_code == 401
    assert "Wrong username or password." in wrong.get_data(as_text=True)
    assert client.get("/api/me").status_code == 401

    signed = client.post("/counter/login", data={**credentials, "csrf_token": token})
    assert (signed.status_code, signed.headers["Location"]) == (302, "/counter")
    assert client.get("/api/me").get_json() == {"username": "ana", "role": "agent"}
    # A fresh session gets a fresh token: the one from before signing in is spent.
    assert _token(client) != token


def test_each_person_is_offered_the_counters_they_may_open(app: Flask) -> None:
    add_person(app, "ana", services=("residence-first",))
    add_person(app, "rui", services=())
    add_person(app, "mia", role="mediator", languages=("pt", "wo"))
    add_person(app, "boss", role="manager")
    clients = {name: app.test_client() for name in ("ana", "rui", "mia", "boss")}
    for name, client in clients.items():
        _sign_in(client, name)
    assert _offered(clients["ana"]) == [3, 4, 5, 6]
    assert _offered(clients["rui"]) == list(range(1, 25))
    assert _offered(clients["mia"]) == list(range(25, 31))
    boss = clients["boss"].get("/counter?lang=en").get_data(as_text=True)
    assert _offered(clients["boss"]) == []
    assert "Counters are for agents and mediators." in boss


def test_opening_a_counter_leads_to_its_console(app: Flask) -> None:
    add_person(app, "ana", services=("residence-first",))
    add_person(app, "eva", services=("residence-first",))
    ana, eva = app.test_client(), app.test_client()
    _sign_in(ana, "ana")
    _sign_in(eva, "eva")

    assert ana.post("/counter/3/open", data={}).status_code == 400
    refused = ana.post("/counter/10/open", data={"csrf_token": _token(ana)})
    assert refused.status_code == 403, "counter 10 serves none of Ana's services"
    opened = ana.post("/counter/3/open", data={"csrf_token": _token(ana)})
    assert (opened.status_code, opened.headers["Location"]) == (302, "/counter/3")
    assert ana.get("/counter").headers["Location"] == "/counter/3"
    console = ana.get("/counter/3?lang=en")
    assert console.status_code == 200
    setup = _setup(console.get_data(as_text=True))
    assert (setup["counter"], setup["kind"], setup["role"], setup["zone"]) == (
        3,
        "counter",
        "agent",
        "ground",
    )
    assert setup["no_show_after_recalls"] == 2
    assert setup["strings"]["reasons"]["lunch"] == "Lunch"

    choice = eva.get("/counter?lang=en").get_data(as_text=True)
    assert re.search(r'data-counter="3" disabled', choice) and "Taken by ana" in choice
    taken = eva.post("/counter/3/open", data={"csrf_token": _token(eva)})
    assert taken.status_code == 409
    assert eva.get("/counter/3").headers["Location"] == "/counter"
    assert eva.get("/api/counters/3").status_code == 403


def test_signing_out(app: Flask) -> None:
    add_person(app, "ana", services=("residence-first",))
    client = app.test_client()
    _sign_in(client, "ana")
    assert client.post("/counter/logout", data={}).status_code == 400
    out = client.post("/counter/logout", data={"csrf_token": _token(client)})
    assert out.status_code == 302
    assert client.get("/api/me").status_code == 401


def test_sign_in_goes_back_to_the_local_page_it_came_from(app: Flask) -> None:
    add_person(app, "boss", "manager")
    client = app.test_client()
    sent = client.get("/reports?from=2026-11-02")
    assert sent.headers["Location"] == "/counter?next=/reports?from%3D2026-11-02"
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert '<input type="hidden" name="next" value="/reports?from=2026-11-02">' in page
    token = TOKEN.search(page)[1]
    answer = client.post(
        "/counter/login",
        data={
            "username": "boss",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/reports?from=2026-11-02",
        },
    )
    assert (answer.status_code, answer.headers["Location"]) == (302, "/reports?from=2026-11-02")
    assert client.get(answer.headers["Location"]).status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/reports",
        "//evil.example/reports",
        "/\\evil.example/reports",
        "\\\\evil.example",
        "javascript:alert(1)",
        "reports",
        "/reports\r\nSet-Cookie: x=1",
        "",
    ],
)
def test_sign_in_never_sends_anyone_to_another_host(app: Flask, target: str) -> None:
    add_person(app, "boss", "manager")
    client = app.test_client()
    page = client.get("/counter", query_string={"next": target}).get_data(as_text=True)
    assert 'name="next"' not in page
    answer = client.post(
        "/counter/login",
        data={
            "username": "boss",
            "password": PASSWORD,
            "csrf_token": TOKEN.search(page)[1],
            "next": target,
        },
    )
    assert (answer.status_code, answer.headers["Location"]) == (302, "/counter")


def test_a_failed_sign_in_keeps_where_to_go_back(app: Flask) -> None:
    add_person(app, "boss", "manager")
    client = app.test_client()
    token = _token(client, "/counter?next=/reports")
    wrong = client.post(
        "/counter/login",
        data={"username": "boss", "password": "nope", "csrf_token": token, "next": "/reports"},
    )
    assert wrong.status_code == 401
    assert '<input type="hidden" name="next" value="/reports">' in wrong.get_data(as_text=True)


def test_managers_and_admins_find_the_reports_from_the_counter_pages(app: Flask) -> None:
    add_person(app, "ana", services=("residence-first",))
    add_person(app, "boss", "manager")
    add_person(app, "chief", "admin")
    for username, linked in (("ana", False), ("boss", True), ("chief", True)):
        client = app.test_client()
        _sign_in(client, username)
        html = client.get("/counter?lang=en").get_data(as_text=True)
        assert ('<a href="/reports" id="reports-link">Reports</a>' in html) is linked, username
    portuguese = app.test_client()
    _sign_in(portuguese, "boss")
    html = portuguese.get("/counter?lang=pt").get_data(as_text=True)
    assert '<a href="/reports" id="reports-link">Relatórios</a>' in html


@pytest.fixture
def second_app(sqlite_url: str, app: Flask) -> Iterator[Flask]:
    """Another process's app on the same database, as after a restart."""
    again = create_app(Settings(config=REFERENCE_CONFIG, database_url=sqlite_url, kiosk_rate=0))
    yield again
    again.extensions["onestop"].db.dispose()


def test_a_session_survives_a_restart(app: Flask, second_app: Flask) -> None:
    add_person(app, "ana", services=("residence-first",))
    before = app.test_client()
    _sign_in(before, "ana")
    before.post("/counter/3/open", data={"csrf_token": _token(before)})
    cookie = before.get_cookie("session")
    assert cookie is not None

    after = second_app.test_client()
    after.set_cookie("session", cookie.value)
    assert after.get("/api/me").get_json() == {"username": "ana", "role": "agent"}
    assert after.get("/counter").headers["Location"] == "/counter/3"
    assert after.post("/api/counters/3/pause", json={"reason": "lunch"}).status_code == 200


def test_pages_speak_the_language_asked_and_remember_it(app: Flask) -> None:
    client = app.test_client()
    portuguese = client.get("/counter?lang=pt").get_data(as_text=True)
    assert '<html lang="pt" dir="ltr">' in portuguese and "Entrada no balcão" in portuguese
    again = client.get("/counter", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Entrada no balcão" in again
    arabic = app.test_client().get("/counter", headers={"Accept-Language": "ar"})
    assert '<html lang="ar" dir="rtl">' in arabic.get_data(as_text=True)
    english = app.test_client().get("/counter", headers={"Accept-Language": "en-GB"})
    assert "Counter sign-in" in english.get_data(as_text=True)


def test_the_admin_edits_skills_and_the_router_follows(app: Flask) -> None:
    ana_id = add_person(app, "ana", services=("residence-first",))
    admin_id = add_person(app, "root", role="admin")
    add_person(app, "boss", role="manager")
    admin, ana, boss = app.test_client(), app.test_client(), app.test_client()
    for client, name in ((admin, "root"), (ana, "ana"), (boss, "boss")):
        _sign_in(client, name)
    assert app.test_client().get("/counter/staff").headers["Location"] == "/counter"
    assert boss.get("/counter/staff").status_code == 403
    listing = admin.get("/counter/staff?lang=en").get_data(as_text=True)
    assert 'data-username="ana"' in listing and "residence-first" in listing
    form = f"/counter/staff/{ana_id}"
    token = _token(admin, form)
    wanted = {"services": ["tax-number"], "languages": ["pt", "wo"], "active": "on"}

    assert admin.post(form, data=wanted).status_code == 400
    bad = admin.post(form, data={**wanted, "services": ["no-such"], "csrf_token": token})
    assert bad.status_code == 422 and "no-such" in bad.get_data(as_text=True)
    saved = admin.post(form, data={**wanted, "csrf_token": token})
    assert saved.status_code == 302
    assert "Saved." in admin.get(saved.headers["Location"] + "&lang=en").get_data(as_text=True)
    assert _offered(ana) == [9, 10, 11, 12, 14]

    own = admin.post(
        f"/counter/staff/{admin_id}",
        data={"services": [], "languages": [], "csrf_token": token},
    )
    assert own.status_code == 422 and admin.get("/api/me").status_code == 200
    disabled = admin.post(form, data={**wanted, "active": "", "csrf_token": token})
    assert disabled.status_code == 302
    assert ana.get("/api/me").status_code == 401


def test_disabling_someone_closes_their_counter_once_their_visitor_is_served(app: Flask) -> None:
    """A counter held by someone who can no longer sign in would count as staffed for good."""
    ana_id = add_person(app, "ana", services=("residence-first",))
    add_person(app, "root", role="admin")
    admin, ana = app.test_client(), app.test_client()
    _sign_in(admin, "root")
    _sign_in(ana, "ana")
    assert ana.post("/api/counters/3/open", json={}).status_code == 200
    kiosk = {"Authorization": f"Bearer {add_kiosk(app)}"}
    issued = app.test_client().post(
        "/api/tickets", json={"service": "residence-first", "language": "pt"}, headers=kiosk
    )
    assert issued.status_code == 201
    assert ana.post("/api/counters/3/next", json={}).status_code == 200
    form = f"/counter/staff/{ana_id}"
    off = {"services": ["residence-first"], "languages": ["pt"], "csrf_token": _token(admin, form)}

    busy = admin.post(f"{form}?lang=en", data=off)
    assert busy.status_code == 422 and "must be finished or transferred" in busy.get_data(
        as_text=True
    )
    assert ana.get("/api/me").status_code == 200
    assert ana.post("/api/counters/3/finish", json={}).status_code == 200
    assert admin.post(form, data=off).status_code == 302
    assert ana.get("/api/me").status_code == 401
    counter = next(c for c in admin.get("/api/counters").get_json() if c["id"] == 3)
    assert counter["state"] == "closed"
