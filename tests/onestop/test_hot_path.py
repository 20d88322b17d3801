"""What the issuing path saves: a known kiosk key costs no query, and a pooled PostgreSQL
connection is tried only after sitting idle, yet a dropped one still costs no failed request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, event, text

from onestop import db as database_module
from onestop.app import create_app
from onestop.db import Database
from onestop.settings import Settings
from tests.conftest import POSTGRES_URL
from tests.factories.configs import REFERENCE_CONFIG
from tests.factories.people import add_kiosk


@pytest.fixture
def counted(any_app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = any_app.extensions["onestop"].db.engine

    def note(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    yield statements
    event.remove(engine, "before_cursor_execute", note)


def test_a_known_kiosk_key_is_read_once(any_app: Flask, counted: list[str], tmp_path: Path) -> None:
    key = add_kiosk(any_app, "kiosk-1")
    client = any_app.test_client()
    body = {"service": "residence-first", "language": "pt"}
    for _ in range(3):
        answer = client.post("/api/tickets", json=body, headers={"Authorization": f"Bearer {key}"})
        assert answer.status_code == 201
    assert sum("FROM devices" in s for s in counted) == 1
    wrong = client.post("/api/tickets", json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    # Another app, on another database, knows its own kiosks: nothing learnt here carries over.
    elsewhere = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    other = create_app(Settings(config=REFERENCE_CONFIG, database_url=elsewhere, kiosk_rate=0))
    try:
        foreign = other.test_client().post(
            "/api/tickets", json=body, headers={"Authorization": f"Bearer {key}"}
        )
        assert foreign.status_code == 401
    finally:
        other.extensions["onestop"].db.dispose()


def test_a_connection_dropped_while_idle_is_replaced_before_use(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database_module, "PING_AFTER_IDLE_S", 0.0)
    database = Database(postgres_url, pool_size=1)
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with database.session(write=False) as session:
            first = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        # The pooled connection is dead: the ping finds out and the pool opens a new one.
        with database.session(write=False) as session:
            second = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert second != first
    finally:
        admin.dispose()
        database.dispose()
