"""Nobody where they don't belong: security headers, session cookies, password hashes, kiosk
keys and ticket tokens, and sign-in throttling that holds across processes."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from freezegun import freeze_time
from sqlalchemy import select

from onestop import auth
from onestop.app import create_app
from onestop.settings import Settings
from onestop.throttle import PER_ACCOUNT, PER_ADDRESS, WINDOW
from routing.store import sql
from routing.store.models import Device, Staff
from tests.conftest import OPEN_MOMENT
from tests.factories.configs import REFERENCE_CONFIG, reference_data, write_config
from tests.factories.people import PASSWORD, add_kiosk, add_person

#: pages, API answers, errors and static files: every answer carries the headers
ANSWERS = (
    "/",
    "/kiosk",
    "/counter",
    "/display/ground",
    "/api/languages",
    "/api/openapi.json",
    "/api/no-such-thing",
    "/no-such-page",
    "/static/onestop.css",
)


@pytest.mark.parametrize("path", ANSWERS)
def test_every_answer_carries_the_security_headers(app: Flask, path: str) -> None:
    headers = app.test_client().get(path).headers
    csp = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "unsafe-eval" not in headers["Content-Security-Policy"]
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers


def test_no_page_runs_an_inline_script(app: Flask) -> None:
    """Data blocks (`type="application/json"`) are not run; any other script has a src."""
    add_person(app, "ana", services=("residence-first",))
    client = app.test_client()
    client.post("/api/login", json={"username": "ana", "password": PASSWORD})
    client.post("/api/counters/3/open", json={})
    for path in ("/", "/kiosk", "/kiosk/pt", "/counter/3", "/display/ground"):
        html = client.get(path).get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
        assert not re.search(r"\son[a-z]+=", html), path
        assert "javascript:" not in html, path


@pytest.fixture
def https_app(tmp_path: Path, open_day: None) -> Iterator[Flask]:
    data = reference_data()
    data["centre"]["https"] = True
    config = write_config(tmp_path, data)
    url = f"sqlite:///{tmp_path / 'onestop.db'}"
    application = create_app(Settings(config=config, database_url=url, kiosk_rate=0))
    yield application
    application.extensions["onestop"].db.dispose()


def _session_cookie(app: Flask) -> str:
    add_person(app, "ana")
    answer = app.test_client().post("/api/login", json={"username": "ana", "password": PASSWORD})
    assert answer.status_code == 200
    return answer.headers["Set-Cookie"]


def test_the_session_cookie_is_httponly_and_samesite(app: Flask) -> None:
    cookie = _session_cookie(app)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # a centre's LAN over plain HTTP (API.md)


def test_behind_https_the_cookie_is_secure_and_hsts_is_sent(https_app: Flask) -> None:
    cookie = _session_cookie(https_app)
    assert "Secure" in cookie and "HttpOnly" in cookie
    assert https_app.test_client().get("/").headers["Strict-Transport-Security"]


def test_passwords_are_kept_as_slow_salted_hashes(app: Flask) -> None:
    add_person(app, "ana")
    add_person(app, "rui")
    with app.extensions["onestop"].db.session(write=False) as session:
        hashes = list(session.execute(select(Staff.password_hash)).scalars())
    assert len(set(hashes)) == 2  # the same password, salted apart
    for stored in hashes:
        assert PASSWORD not in stored
        method = stored.split("$")[0].split(":")
        assert method[0] == "scrypt" and int(method[1]) >= 2**15  # werkzeug's scrypt, n >= 32768


def test_kiosk_keys_are_unguessable_and_only_their_hash_is_kept(app: Flask) -> None:
    keys = [add_kiosk(app, f"kiosk-{n}") for n in range(20)]
    assert len(set(keys)) == 20
    assert all(len(key) >= 43 for key in keys)  # 32 random bytes, base64url
    with app.extensions["onestop"].db.session(write=False) as session:
        stored = set(session.execute(select(Device.key_hash)).scalars())
    assert stored == {hashlib.sha256(key.encode()).hexdigest() for key in keys}
    assert not any(key in value for key in keys for value in stored)


def test_kiosk_keys_are_compared_in_constant_time(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = add_kiosk(app)
    compared: list[tuple[str, str]] = []
    constant_time = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        compared.append((a, b))
        return constant_time(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", spy)
    client = app.test_client()
    assert client.get("/api/kiosk/device", headers={"Authorization": f"Bearer {key}"}).is_json
    assert compared == [(hashlib.sha256(key.encode()).hexdigest(),) * 2]
    near = key[:-1] + ("A" if key[-1] != "A" else "B")
    answer = client.get("/api/kiosk/device", headers={"Authorization": f"Bearer {near}"})
    assert answer.status_code == 401


def test_ticket_tokens_are_unguessable(app: Flask) -> None:
    key = add_kiosk(app)
    client = app.test_client()
    tokens = set()
    for _ in range(30):
        answer = client.post(
            "/api/tickets",
            json={"service": "tax-number", "language": "pt"},
            headers={"Authorization": f"Bearer {key}"},
        )
        token = answer.get_json()["token"]
        assert re.fullmatch(r"[A-Za-z0-9_-]{24,}", token)  # >= 144 random bits
        tokens.add(token)
    assert len(tokens) == 30
    assert client.get("/api/tickets/" + "A" * 24).status_code == 404


def test_ticket_tokens_are_compared_in_constant_time(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = add_kiosk(app)
    token = (
        app.test_client()
        .post(
            "/api/tickets",
            json={"service": "tax-number", "language": "pt"},
            headers={"Authorization": f"Bearer {key}"},
        )
        .get_json()["token"]
    )
    compared: list[tuple[str, str]] = []
    constant_time = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        compared.append((a, b))
        return constant_time(a, b)

    monkeypatch.setattr(sql.hmac, "compare_digest", spy)
    assert app.test_client().get(f"/api/tickets/{token}").status_code == 200
    assert compared == [(token, token)]


def _login(app: Flask, password: str, address: str = "192.0.2.10", user: str = "ana") -> int:
    client = app.test_client()
    answer = client.post(
        "/api/login",
        json={"username": user, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )
    return answer.status_code


@pytest.fixture
def second_app(app: Flask) -> Iterator[Flask]:
    """Another process's app on the same database: it shares nothing in memory with `app`."""
    url = str(app.extensions["onestop"].db.url)
    other = create_app(Settings(config=REFERENCE_CONFIG, database_url=url, kiosk_rate=0))
    yield other
    other.extensions["onestop"].db.dispose()


def test_repeated_failures_throttle_the_account_in_every_process(
    app: Flask, second_app: Flask
) -> None:
    add_person(app, "ana")
    with freeze_time(OPEN_MOMENT) as clock:
        for attempt in range(PER_ACCOUNT):
            assert _login(app if attempt % 2 else second_app, "wrong") == 401
        # Now even the right password is refused, from any address, through any process.
        assert _login(app, PASSWORD) == 429
        assert _login(second_app, PASSWORD, address="192.0.2.99") == 429
        answer = app.test_client().post("/api/login", json={"username": "ana", "password": "x"})
        assert answer.get_json()["error"]["code"] == "rate_limited"
        # Another account is not held up by ana's failures.
        add_person(app, "rui")
        assert _login(app, PASSWORD, user="rui", address="192.0.2.50") == 200
        clock.tick(WINDOW + dt.timedelta(seconds=1))
        assert _login(second_app, PASSWORD) == 200
        # A success wipes the slate: a few more failures do not lock ana out at once.
        for _ in range(PER_ACCOUNT - 1):
            assert _login(app, "wrong") == 401
        assert _login(app, PASSWORD) == 200


def test_one_address_spraying_many_accounts_is_throttled(app: Flask) -> None:
    with freeze_time(OPEN_MOMENT):
        for n in range(PER_ADDRESS):
            assert _login(app, "guess", user=f"user{n}") == 401
        add_person(app, "ana")
        assert _login(app, PASSWORD) == 429
        assert _login(app, PASSWORD, address="192.0.2.11") == 200


def test_the_sign_in_page_is_throttled_too(app: Flask) -> None:
    add_person(app, "ana")
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/counter").text)[1]
    statuses = [
        client.post(
            "/counter/login",
            data={"username": "ana", "password": password, "csrf_token": token},
        ).status_code
        for password in ["wrong"] * PER_ACCOUNT + [PASSWORD]
    ]
    assert statuses == [401] * PER_ACCOUNT + [429]


def test_behind_a_proxy_the_throttle_counts_the_client_not_the_proxy(
    sqlite_url: str, open_day: None
) -> None:
    settings = Settings(config=REFERENCE_CONFIG, database_url=sqlite_url, kiosk_rate=0, proxies=1)
    proxied = create_app(settings)
    try:
        add_person(proxied, "ana")
        with freeze_time(OPEN_MOMENT):
            for n in range(PER_ADDRESS):
                answer = proxied.test_client().post(
                    "/api/login",
                    json={"username": f"user{n}", "password": "guess"},
                    headers={"X-Forwarded-For": "198.51.100.7"},
                    environ_base={"REMOTE_ADDR": "127.0.0.1"},
                )
                assert answer.status_code == 401
            for client_address, status in (("198.51.100.7", 429), ("198.51.100.8", 200)):
                answer = proxied.test_client().post(
                    "/api/login",
                    json={"username": "ana", "password": PASSWORD},
                    headers={"X-Forwarded-For": client_address},
                    environ_base={"REMOTE_ADDR": "127.0.0.1"},
                )
                assert answer.status_code == status, client_address
    finally:
        proxied.extensions["onestop"].db.dispose()
