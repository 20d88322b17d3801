"""Every failure under /api answers JSON `{"error": {"code", "message"}}`: never HTML, never a
traceback. Pages outside /api keep ordinary HTML errors."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.test import TestResponse

from onestop.app import MAX_BODY_BYTES, create_app
from onestop.settings import Settings
from tests.conftest import POSTGRES_URL
from tests.factories.configs import REFERENCE_CONFIG
from tests.factories.people import add_kiosk, add_person, signed_in

TICKET = {"service": "residence-first", "language": "pt"}
#: what would betray a traceback or the code behind it
LEAKS = ("Traceback", 'File "', "RuntimeError", "the secret internals", "<html", "<!doctype")


def assert_error(response: TestResponse, status: int, code: str) -> str:
    """The response is the JSON error envelope with `status` and `code`; returns the message."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    text_body = response.get_data(as_text=True)
    assert not any(leak.lower() in text_body.lower() for leak in LEAKS), text_body
    return body["error"]["message"]


@pytest.fixture
def kiosk_key(app: Flask) -> str:
    return add_kiosk(app)


def _issue(app: Flask, key: str | None, **kwargs) -> TestResponse:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return app.test_client().post("/api/tickets", headers=headers, **kwargs)


def test_unknown_paths_and_tokens_are_json_404(app: Flask, kiosk_key: str) -> None:
    client = app.test_client()
    assert_error(client.get("/api/nowhere"), 404, "not_found")
    assert_error(client.get("/api"), 404, "not_found")
    assert_error(client.get("/api/tickets/no-such-token"), 404, "not_found")
    assert_error(client.post("/api/tickets/no-such-token/cancel", json={}), 404, "not_found")
    add_person(app, "ana", services=("residence-first",))
    assert_error(signed_in(app, "ana").post("/api/counters/999/open", json={}), 404, "not_found")


def test_pages_outside_the_api_keep_html_errors(app: Flask) -> None:
    client = app.test_client()
    for path in ("/nowhere", "/apiary", "/vendor/unknown.js"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.mimetype == "text/html", path


def test_wrong_method_is_json_405_with_allow(app: Flask) -> None:
    client = app.test_client()
    response = client.get("/api/tickets")
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]
    assert_error(client.delete("/api/languages"), 405, "method_not_allowed")


def test_a_body_over_64_kib_is_413(app: Flask, kiosk_key: str) -> None:
    padding = "x" * MAX_BODY_BYTES
    big = f'{{"username": "{padding}", "password": "p"}}'
    response = app.test_client().post("/api/login", data=big, content_type="application/json")
    assert_error(response, 413, "too_large")
    ticket = f'{{"service": "{padding}", "language": "pt"}}'
    assert_error(
        _issue(app, kiosk_key, data=ticket, content_type="application/json"), 413, "too_large"
    )


def test_a_form_post_is_415(app: Flask, kiosk_key: str) -> None:
    client = app.test_client()
    assert_error(
        client.post("/api/login", data={"username": "a", "password": "b"}),
        415,
        "unsupported_media_type",
    )
    assert_error(_issue(app, kiosk_key, data=TICKET), 415, "unsupported_media_type")
    add_person(app, "ana", services=("residence-first",))
    staff = signed_in(app, "ana")
    # A signed-in browser tricked into a cross-site form post changes nothing.
    assert_error(staff.post("/api/counters/3/open", data={}), 415, "unsupported_media_type")
    counters = {counter["id"]: counter for counter in staff.get("/api/counters").get_json()}
    assert counters[3]["state"] == "closed"


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ('{"service": "residence-first", "language": ', "not valid JSON"),
        ("", "not valid JSON"),
        ('{"service": 5, "language": "pt", "mediator": "perhaps"}', "mediator"),
        ('{"service": "residence-first", "language": "pt", "colour": "red"}', "colour"),
        ('{"language": "pt"}', "service"),
        ('{"service": "no-such-service", "language": "pt"}', "no-such-service"),
        ('{"service": "residence-first", "language": "xx"}', "xx"),
        ('{"service": "residence-first", "language": "pt", "priority": "vip"}', "priority"),
        ('["residence-first", "pt"]', "body"),
    ],
)
def test_a_bad_body_is_422_naming_the_problem(
    app: Flask, kiosk_key: str, body: str, named: str
) -> None:
    response = _issue(app, kiosk_key, data=body, content_type="application/json")
    assert named in assert_error(response, 422, "invalid")


def test_a_missing_or_wrong_kiosk_key_is_401(app: Flask, kiosk_key: str) -> None:
    assert_error(_issue(app, None, json=TICKET), 401, "unauthorized")
    assert_error(_issue(app, "not-a-key", json=TICKET), 401, "unauthorized")
    basic = {"Authorization": f"Basic {kiosk_key}"}
    response = app.test_client().post("/api/tickets", json=TICKET, headers=basic)
    assert_error(response, 401, "unauthorized")
    assert _issue(app, kiosk_key, json=TICKET).status_code == 201


def test_a_fault_is_500_without_a_traceback(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    def explode() -> None:
        raise RuntimeError("the secret internals")

    app.add_url_rule("/api/explode", "explode", explode)
    app.add_url_rule("/explode", "explode_page", explode)
    client = app.test_client()
    assert_error(client.get("/api/explode"), 500, "internal")
    assert "the secret internals" in caplog.text  # logged for the operator, not shown
    page = client.get("/explode")
    assert page.status_code == 500 and page.mimetype == "text/html"
    assert "the secret internals" not in page.get_data(as_text=True)


@pytest.fixture
def sqlite_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "data"
    directory.mkdir()
    return directory


def test_a_vanished_sqlite_database_is_503(sqlite_dir: Path, open_day: None) -> None:
    url = f"sqlite:///{sqlite_dir / 'onestop.db'}"
    app = create_app(Settings(config=REFERENCE_CONFIG, database_url=url, kiosk_rate=0))
    key = add_kiosk(app)
    client = app.test_client()
    assert client.get("/api/services").status_code == 200
    shutil.rmtree(sqlite_dir)
    app.extensions["onestop"].db.dispose()  # pooled connections still hold the unlinked file
    assert_error(client.get("/api/services"), 503, "unavailable")
    assert_error(_issue(app, key, json=TICKET), 503, "unavailable")
    assert client.get("/").status_code == 200  # the index needs no database
    app.extensions["onestop"].db.dispose()


@pytest.fixture
def postgres_app(postgres_url: str, open_day: None) -> Iterator[Flask]:
    app = create_app(Settings(config=REFERENCE_CONFIG, database_url=postgres_url, kiosk_rate=0))
    yield app
    app.extensions["onestop"].db.dispose()


@pytest.mark.postgres
def test_an_unreachable_postgres_is_503_then_recovers(
    postgres_app: Flask, postgres_url: str
) -> None:
    key = add_kiosk(postgres_app)
    client = postgres_app.test_client()
    assert _issue(postgres_app, key, json=TICKET).status_code == 201
    name = make_url(postgres_url).database
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
        assert_error(client.get("/api/services"), 503, "unavailable")
        assert_error(_issue(postgres_app, key, json=TICKET), 503, "unavailable")
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()
    # The outage was transient: the same app serves again without a restart.
    assert client.get("/api/services").status_code == 200
    assert _issue(postgres_app, key, json=TICKET).get_json()["number"] == "A002"
