"""`GET /healthz`: what a load balancer or systemd probe asks, without signing in."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from onestop.app import create_app
from onestop.settings import Settings
from tests.conftest import POSTGRES_URL, REDIS_URL, need_redis
from tests.factories.configs import REFERENCE_CONFIG, reference_data, write_config
from tests.factories.people import add_kiosk
from tests.kiosk.fake_printer import refused_port


def _app(database_url: str, **settings: object) -> Iterator[Flask]:
    app = create_app(Settings(config=REFERENCE_CONFIG, database_url=database_url, **settings))
    yield app
    app.extensions["onestop"].db.dispose()


@pytest.fixture
def healthy(database_url: str) -> Iterator[Flask]:
    yield from _app(database_url)


def test_a_healthy_process_answers_ok_without_a_login(healthy: Flask) -> None:
    answer = healthy.test_client().get("/healthz")
    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["status"], body["database"], body["redis"]) == ("ok", "ok", "off")
    assert body["centre"] == "lisboa"
    assert {p["kiosk"] for p in body["printers"]} == {k["name"] for k in reference_data()["kiosks"]}
    assert answer.headers["Cache-Control"] == "no-store"


def test_an_unreachable_redis_makes_the_process_unhealthy(sqlite_url: str) -> None:
    for app in _app(sqlite_url, redis_url=f"redis://127.0.0.1:{refused_port()}/0"):
        answer = app.test_client().get("/healthz")
        assert answer.status_code == 503
        assert (answer.get_json()["status"], answer.get_json()["redis"]) == ("down", "down")
        # The database is still fine, and says so.
        assert answer.get_json()["database"] == "ok"


def test_a_reachable_redis_is_reported(sqlite_url: str) -> None:
    need_redis()
    for app in _app(sqlite_url, redis_url=REDIS_URL):
        answer = app.test_client().get("/healthz")
        assert (answer.status_code, answer.get_json()["redis"]) == (200, "ok")


def test_a_database_gone_away_answers_503_and_comes_back(postgres_url: str) -> None:
    name = make_url(postgres_url).database
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        for app in _app(postgres_url):
            client = app.test_client()
            assert client.get("/healthz").status_code == 200
            app.extensions["onestop"].db.dispose()
            with admin.connect() as connection:
                connection.execute(text(f'ALTER DATABASE "{name}" RENAME TO "{name}_away"'))
            try:
                answer = client.get("/healthz")
                assert answer.status_code == 503
                assert answer.get_json()["database"] == "down"
                assert answer.get_json()["status"] == "down"
            finally:
                with admin.connect() as connection:
                    connection.execute(text(f'ALTER DATABASE "{name}_away" RENAME TO "{name}"'))
            assert client.get("/healthz").status_code == 200
    finally:
        admin.dispose()


def test_a_printer_fault_is_reported_but_keeps_the_process_in_service(
    tmp_path: Path, sqlite_url: str, open_day: None
) -> None:
    data = reference_data()
    printer = {"kind": "network", "host": "127.0.0.1", "port": refused_port()}
    data["kiosks"] = [{"name": "kiosk-1", "printer": printer}]
    config = write_config(tmp_path, data)
    app = create_app(Settings(config=config, database_url=sqlite_url, kiosk_rate=0))
    try:
        key = add_kiosk(app, "kiosk-1")
        client = app.test_client()
        auth = {"Authorization": f"Bearer {key}"}
        ticket = client.post(
            "/api/tickets", json={"service": "residence-first", "language": "pt"}, headers=auth
        ).get_json()
        printed = client.post(
            "/api/kiosk/receipts", json={"token": ticket["token"], "language": "pt"}, headers=auth
        )
        assert printed.get_json()["result"] == "fault"
        for _ in range(200):
            body = client.get("/healthz").get_json()
            if body["printers"][0]["state"] == "fault":
                break
            time.sleep(0.05)
        answer = client.get("/healthz")
        assert answer.status_code == 200
        assert answer.get_json()["status"] == "degraded"
        assert answer.get_json()["printers"] == [
            {"kiosk": "kiosk-1", "kind": "network", "state": "fault", "code": "unreachable"}
        ]
    finally:
        app.extensions["onestop"].db.dispose()
