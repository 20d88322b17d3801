"""The database's fast paths: autocommit lookups and SQLite checkpoints off the writers' path."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from onestop.accounts import add_device
from onestop.auth import hash_key
from onestop.db import WRITER_CACHE_KIB, Database
from routing.config import load_config
from routing.store.models import Secret
from routing.store.sql import device_by_key_hash
from tests.factories.configs import REFERENCE_CONFIG


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A migrated database whose pool holds one connection, so every use reuses it."""
    database = Database(database_url, pool_size=1)
    database.upgrade()
    yield database
    database.dispose()


def secrets_named(db: Database, name: str) -> int:
    with db.session(write=False) as session:
        return session.execute(
            select(func.count()).select_from(Secret).where(Secret.name == name)
        ).scalar_one()


def test_kiosk_key_is_found_in_autocommit(db: Database) -> None:
    config = load_config(REFERENCE_CONFIG)
    with db.session(write=True) as session:
        key = add_device(session, config, "kiosk-1", "kiosk")
    with db.autocommit() as connection:
        found = device_by_key_hash(connection, config.centre.code, hash_key(key))
        unknown = device_by_key_hash(connection, config.centre.code, hash_key("not-a-key"))
        elsewhere = device_by_key_hash(connection, "porto", hash_key(key))
    assert found is not None and (found.name, found.kind) == ("kiosk-1", "kiosk")
    assert unknown is None and elsewhere is None


def test_transactions_still_roll_back_after_an_autocommit_read(db: Database) -> None:
    for _ in range(2):
        with db.autocommit() as connection:
            connection.execute(select(func.count()).select_from(Secret)).scalar_one()
        with pytest.raises(RuntimeError), db.session(write=True) as session:
            session.add(Secret(name="half-done", value="x"))
            session.flush()
            raise RuntimeError("the request failed half-way")
        assert secrets_named(db, "half-done") == 0
    with db.session(write=True) as session:
        session.add(Secret(name="done", value="x"))
    assert secrets_named(db, "done") == 1


def secrets_named_like(url: str, pattern: str) -> int:
    db = Database(url)
    try:
        with db.session(write=False) as session:
            return session.execute(
                select(func.count()).select_from(Secret).where(Secret.name.like(pattern))
            ).scalar_one()
    finally:
        db.dispose()


def _rows_in_main_file(path: Path) -> int:
    """Rows of `secrets` in the database file itself, ignoring what is still in the WAL."""
    connection = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return connection.execute("SELECT count(*) FROM secrets").fetchone()[0]
    finally:
        connection.close()


def test_sqlite_checkpoints_in_the_background_and_stops_on_dispose(sqlite_url: str) -> None:
    path = Path(make_url(sqlite_url).database or "")
    db = Database(sqlite_url)
    db.upgrade()
    db.checkpoint_in_background(every_s=0.05)
    try:
        with db.autocommit() as connection:
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == 0
        for n in range(20):
            with db.session(write=True) as session:
                session.add(Secret(name=f"s{n}", value="x"))
        deadline = time.monotonic() + 10
        while _rows_in_main_file(path) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _rows_in_main_file(path) == 20
    finally:
        db.dispose()
    with db.autocommit() as connection:
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == 1000
    db.dispose()


def test_sqlite_wal_starts_afresh_while_writers_keep_writing(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    db.upgrade()
    db.checkpoint_in_background(every_s=0.01)
    transactions = 800

    def write(worker: int) -> None:
        for n in range(transactions // 4):
            with db.session(write=True) as session:
                session.add(Secret(name=f"w{worker}-{n}", value="x" * 100))

    try:
        writers = [threading.Thread(target=write, args=(w,)) for w in range(4)]
        for thread in writers:
            thread.start()
        for thread in writers:
            thread.join(timeout=60)
        with db.autocommit() as connection:
            _busy, frames, _copied = connection.exec_driver_sql(
                "PRAGMA wal_checkpoint(PASSIVE)"
            ).one()
    finally:
        db.dispose()
    # Every transaction appends at least one frame: fewer frames means the WAL started over.
    assert secrets_named_like(sqlite_url, "w%") == transactions
    assert frames < transactions


def test_sqlite_writers_share_one_connection_with_a_large_cache(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    db.upgrade()
    try:
        seen = set()
        for _ in range(3):
            with db.session(write=True) as session:
                connection = session.connection()
                seen.add(id(connection.connection.dbapi_connection))
                cache = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
        with db.session(write=False) as session:
            reader_cache = session.connection().exec_driver_sql("PRAGMA cache_size").scalar_one()
    finally:
        db.dispose()
    assert len(seen) == 1
    assert cache == -WRITER_CACHE_KIB and reader_cache != cache
