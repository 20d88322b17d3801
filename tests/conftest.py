"""Shared fixtures: databases (SQLite always, PostgreSQL when present), apps, a frozen open day."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from freezegun import freeze_time
from sqlalchemy import create_engine

from onestop.app import create_app
from onestop.db import Database
from onestop.settings import Settings
from tests.factories.configs import REFERENCE_CONFIG
from tests.factories.databases import fresh_postgres

IN_CI = os.environ.get("CI") == "true"
POSTGRES_URL = os.environ.get(
    "ONESTOP_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


class ClosingClient(FlaskClient):
    """Closes every answer, as a WSGI server does once it has sent it: what the app does after
    answering (the live feed) has happened by the time a test looks."""

    def open(self, *args: object, **kwargs: object):  # type: ignore[override]
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


Flask.test_client_class = ClosingClient

#: a Wednesday in winter (Lisbon = UTC), mid-morning: the centre is open
OPEN_MOMENT = "2026-11-25 10:00:00"


def _postgres_reachable() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except Exception as error:
        return str(error).splitlines()[0]
    return None


def need_postgres() -> None:
    """Skip (outside CI) or fail (in CI) when PostgreSQL is not there."""
    problem = _postgres_reachable()
    if problem is None:
        return
    if IN_CI:
        pytest.fail(f"CI=true but PostgreSQL on 127.0.0.1:5432 is unreachable: {problem}")
    pytest.skip(f"PostgreSQL on 127.0.0.1:5432 is unreachable: {problem}")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    need_postgres()
    with fresh_postgres(POSTGRES_URL) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'onestop.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test using this runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'onestop.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """Each test using this runs on an upgraded SQLite and PostgreSQL database in turn."""
    db = Database(database_url)
    db.upgrade()
    yield db
    db.dispose()


@pytest.fixture
def open_day() -> Iterator[None]:
    """Freeze the clock on an ordinary open morning; `tick` so times still move forward."""
    with freeze_time(OPEN_MOMENT, tick=True):
        yield


def _reference_app(url: str) -> Iterator[Flask]:
    application = create_app(Settings(config=REFERENCE_CONFIG, database_url=url, kiosk_rate=0))
    yield application
    application.extensions["onestop"].db.dispose()


@pytest.fixture
def app(sqlite_url: str, open_day: None) -> Iterator[Flask]:
    """The reference centre on a fresh SQLite database, on an open morning, no rate limit."""
    yield from _reference_app(sqlite_url)


@pytest.fixture
def any_app(database_url: str, open_day: None) -> Iterator[Flask]:
    """The same on SQLite and then on PostgreSQL."""
    yield from _reference_app(database_url)


REDIS_URL = os.environ.get("ONESTOP_TEST_REDIS", "redis://127.0.0.1:6379/0")


def need_redis() -> None:
    """Skip (outside CI) or fail (in CI) when Redis on 127.0.0.1:6379 is not there."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        if IN_CI:
            pytest.fail(f"CI=true but Redis on 127.0.0.1:6379 is unreachable: {error}")
        pytest.skip(f"Redis on 127.0.0.1:6379 is unreachable: {error}")
