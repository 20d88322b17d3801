"""`onestop user list | set-password | disable | enable | skills`, on SQLite and PostgreSQL.

Commands run in-process through click's `CliRunner`; what they change is then checked
through an app on the same database, as staff would meet it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner, Result
from flask import Flask

from onestop.app import create_app
from onestop.cli import main
from onestop.settings import Settings
from tests.factories.configs import REFERENCE_CONFIG
from tests.factories.people import add_kiosk


@pytest.fixture
def run(database_url: str):
    """`onestop --config REFERENCE ARGS` on this test's database."""

    def invoke(*args: str, stdin: str | None = None) -> Result:
        env = {"DATABASE_URL": database_url, "ONESTOP_DATABASE_URL": None, "ONESTOP_CONFIG": None}
        return CliRunner().invoke(
            main, ["--config", str(REFERENCE_CONFIG), *args], input=stdin, env=env
        )

    return invoke


@pytest.fixture
def app_on(database_url: str, open_day: None) -> Iterator[Flask]:
    application = create_app(
        Settings(config=REFERENCE_CONFIG, database_url=database_url, kiosk_rate=0)
    )
    yield application
    application.extensions["onestop"].db.dispose()


def _add(run, name: str, *options: str, password: str = "first-pass") -> None:
    result = run("user", "add", name, *options, "--password-stdin", stdin=f"{password}\n")
    assert result.exit_code == 0, result.output


def _login(app: Flask, username: str, password: str) -> int:
    client = app.test_client()
    return client.post("/api/login", json={"username": username, "password": password}).status_code


def test_list_shows_every_account(run, app_on: Flask) -> None:
    _add(run, "zoe", "--role", "mediator", "--languages", "pt,wo")
    _add(run, "ana", "--role", "agent", "--services", "residence-first,tax-number")
    _add(run, "boss", "--role", "manager")
    result = run("user", "list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["USERNAME", "ROLE", "STATE", "SERVICES", "LANGUAGES"]
    assert [line.split() for line in lines[1:]] == [
        ["ana", "agent", "active", "residence-first,tax-number", "-"],
        ["boss", "manager", "active", "-", "-"],
        ["zoe", "mediator", "active", "-", "pt,wo"],
    ]


def test_a_new_password_ends_the_old_one_and_its_sessions(run, app_on: Flask) -> None:
    _add(run, "ana", "--role", "agent")
    signed = app_on.test_client()
    signed.post("/api/login", json={"username": "ana", "password": "first-pass"})
    assert signed.get("/api/me").status_code == 200
    result = run("user", "set-password", "ana", "--password-stdin", stdin="second-pass\r\n")
    assert result.exit_code == 0, result.output
    assert _login(app_on, "ana", "first-pass") == 401
    assert _login(app_on, "ana", "second-pass") == 200
    assert signed.get("/api/me").status_code == 401
    short = run("user", "set-password", "ana", "--password-stdin", stdin="abc\n")
    assert short.exit_code == 2 and "at least 4 characters" in short.stderr
    assert _login(app_on, "ana", "second-pass") == 200


def test_disable_and_enable(run, app_on: Flask) -> None:
    _add(run, "ana", "--role", "agent")
    signed = app_on.test_client()
    signed.post("/api/login", json={"username": "ana", "password": "first-pass"})
    assert run("user", "disable", "ana").exit_code == 0
    assert signed.get("/api/me").status_code == 401
    assert _login(app_on, "ana", "first-pass") == 401
    assert "disabled" in run("user", "list").stdout.splitlines()[1]
    assert run("user", "enable", "ana").exit_code == 0
    assert _login(app_on, "ana", "first-pass") == 200


def test_skills_shows_and_replaces_services_and_languages(run, app_on: Flask) -> None:
    _add(run, "ana", "--role", "agent", "--services", "residence-first", "--languages", "pt")
    shown = run("user", "skills", "ana")
    assert shown.stdout == "ana: services residence-first; languages pt\n"
    changed = run("user", "skills", "ana", "--services", "tax-number,tax-returns")
    assert changed.stdout == "ana: services tax-number,tax-returns; languages pt\n"
    changed = run("user", "skills", "ana", "--languages", "pt,uk,ru")
    assert changed.stdout == "ana: services tax-number,tax-returns; languages pt,uk,ru\n"
    cleared = run("user", "skills", "ana", "--services", "")
    assert cleared.stdout == "ana: services -; languages pt,uk,ru\n"
    wrong = run("user", "skills", "ana", "--languages", "pt,klingon")
    assert wrong.exit_code == 2 and "klingon" in wrong.stderr
    assert run("user", "skills", "ana").stdout == "ana: services -; languages pt,uk,ru\n"

    # The router reads the skills at each call: with none of counter 5's services Ana calls
    # nobody; given one of them, she calls its ticket at once.
    run("user", "skills", "ana", "--services", "tax-number")
    key = add_kiosk(app_on)
    kiosk = app_on.test_client()
    for service in ("residence-first", "tax-number"):
        kiosk.post(
            "/api/tickets",
            json={"service": service, "language": "pt"},
            headers={"Authorization": f"Bearer {key}"},
        )
    client = app_on.test_client()
    client.post("/api/login", json={"username": "ana", "password": "first-pass"})
    assert client.post("/api/counters/5/open", json={}).status_code == 200
    assert client.post("/api/counters/5/next", json={}).status_code == 204
    run("user", "skills", "ana", "--services", "residence-first")
    assert client.post("/api/counters/5/next", json={}).get_json()["service"] == "residence-first"


def test_unknown_users_are_a_clear_error(run) -> None:
    for command in (("set-password", "nobody", "--password-stdin"), ("disable", "nobody")):
        result = run("user", *command, stdin="some-pass\n")
        assert result.exit_code == 2 and "no user named 'nobody'" in result.stderr


def test_disabling_closes_the_counter_once_the_visitor_there_is_served(run, app_on: Flask) -> None:
    _add(run, "ana", "--role", "agent", "--services", "residence-first")
    _add(run, "boss", "--role", "manager")
    ana, boss = app_on.test_client(), app_on.test_client()
    ana.post("/api/login", json={"username": "ana", "password": "first-pass"})
    boss.post("/api/login", json={"username": "boss", "password": "first-pass"})
    assert ana.post("/api/counters/3/open", json={}).status_code == 200
    kiosk = {"Authorization": f"Bearer {add_kiosk(app_on)}"}
    ticket = {"service": "residence-first", "language": "pt"}
    assert app_on.test_client().post("/api/tickets", json=ticket, headers=kiosk).status_code == 201
    assert ana.post("/api/counters/3/next", json={}).status_code == 200

    busy = run("user", "disable", "ana")
    assert busy.exit_code == 2 and "still has a visitor at counter 3" in busy.stderr
    assert ana.post("/api/counters/3/finish", json={}).status_code == 200
    assert run("user", "disable", "ana").exit_code == 0
    states = {c["id"]: c["state"] for c in boss.get("/api/counters").get_json()}
    assert states[3] == "closed"
