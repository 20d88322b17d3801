"""The database: engines, short transactions, and migrations to the newest schema.

SQLite runs in WAL mode; a write transaction starts with `BEGIN IMMEDIATE` so two writers
never deadlock upgrading a read lock, and writers inside one process queue on a lock instead
of spinning on SQLite's busy handler. A serving process moves SQLite's WAL checkpoints (which
copy pages back and fsync) off the writers' path into a background thread, so no ticket waits
behind one. PostgreSQL runs at READ COMMITTED with row locks. A lookup of one row that needs
no transaction (a kiosk's key) runs in autocommit instead.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session

MIGRATIONS = Path(__file__).with_name("migrations")
#: an arbitrary key for PostgreSQL's advisory lock around migrations
MIGRATION_LOCK = 0x0E57_0001

#: seconds to wait for a PostgreSQL connection before calling the database down
CONNECT_TIMEOUT_S = 5
#: a pooled PostgreSQL connection idle for longer than this is tried before use
PING_AFTER_IDLE_S = 1.0
#: the SQLite writer's page cache (the default is 2 MiB): the queue counts read many pages
WRITER_CACHE_KIB = 64 * 1024

log = logging.getLogger(__name__)


class Database:
    """One database: a pool of connections and transactions handed out as sessions."""

    def __init__(self, url: str, *, pool_size: int = 16) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self._checkpointer: threading.Thread | None = None
        self._disposed = threading.Event()
        if self.is_sqlite:
            self.engine = _sqlite_engine(url, pool_size, pool_size)
            # Writers take turns on the lock anyway: one connection serves them all, and its
            # page cache stays warm, where a connection that another one wrote after would
            # have to drop its cache and read every page again.
            writer = _sqlite_engine(url, 1, 0)
            event.listen(writer, "connect", _large_cache)
            self._engines = (self.engine, writer)
            self._write_lock: threading.Lock | None = threading.Lock()
            for engine in self._engines:
                event.listen(engine, "connect", self._on_sqlite_connect)
        else:
            self.engine = writer = create_engine(
                url,
                pool_size=pool_size,
                max_overflow=pool_size,
                # A database host that does not answer is down, not a request hung for minutes.
                connect_args={"connect_timeout": CONNECT_TIMEOUT_S},
            )
            event.listen(self.engine, "checkin", _mark_idle)
            event.listen(self.engine, "checkout", _ping_if_idle)
            self._engines = (self.engine,)
            self._write_lock = None
        self._writer = writer.execution_options(onestop_write=True)
        # SQLite's driver is in autocommit already (see `_sqlite_engine`): it only skips BEGIN.
        autocommit: dict[str, Any] = {"onestop_autocommit": True}
        if not self.is_sqlite:
            autocommit["isolation_level"] = "AUTOCOMMIT"
        self._autocommit = self.engine.execution_options(**autocommit)

    @contextmanager
    def session(self, *, write: bool) -> Iterator[Session]:
        """A session in one transaction, committed on success and rolled back on error."""
        lock = self._write_lock if write and self._write_lock else nullcontext()
        bind = self._writer if write else self.engine
        with lock, Session(bind, expire_on_commit=False) as s, s.begin():
            yield s

    @contextmanager
    def autocommit(self) -> Iterator[Connection]:
        """A connection where each statement stands alone: for single-statement reads on the
        hot path, which then pay for no BEGIN and no COMMIT."""
        with self._autocommit.connect() as connection:
            yield connection

    def checkpoint_in_background(self, every_s: float = 1.0) -> None:
        """SQLite: from now on, this process's connections leave WAL checkpoints to a daemon
        thread that runs one every `every_s` seconds until `dispose`; a no-op on PostgreSQL.

        Call it in the serving process itself (after any fork). Writers then wait only for
        the last few frames of each checkpoint (see `_checkpoint`), not for the whole copy.
        """
        if not self.is_sqlite or self._checkpointer is not None:
            return
        self._checkpointer = threading.Thread(
            target=self._checkpoint_until_disposed,
            args=(every_s,),
            name="sqlite-checkpoint",
            daemon=True,
        )
        self._dispose_engines()
        self._checkpointer.start()

    def _checkpoint_until_disposed(self, every_s: float) -> None:
        while not self._disposed.wait(every_s):
            try:
                self._checkpoint()
            except Exception:
                log.exception("WAL checkpoint failed; retrying in %.1f s", every_s)

    def _checkpoint(self) -> None:
        """Copy the WAL back into the database file, and let the next writer start it afresh.

        The bulk is copied beside the writers. Writers keep appending meanwhile, so the WAL is
        never wholly copied and would grow without end: the few frames written during the copy
        follow with the writers held back for that moment, and the next writer then starts the
        WAL from its beginning again.
        """
        assert self._write_lock is not None
        with self.autocommit() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            with self._write_lock:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def _on_sqlite_connect(self, dbapi_connection: Any, _record: Any) -> None:
        if self._checkpointer is not None:
            dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")

    def upgrade(self) -> None:
        """Create or upgrade the schema to the newest migration; safe from several processes."""
        with self._writer.begin() as connection:
            if not self.is_sqlite:
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
            config = AlembicConfig()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def dispose(self) -> None:
        """Close every pooled connection and stop the checkpoint thread, if any: connections
        opened afterwards checkpoint by themselves again."""
        if self._checkpointer is not None:
            self._disposed.set()
            self._checkpointer.join()
            self._checkpointer = None
            self._disposed.clear()
        self._dispose_engines()

    def _dispose_engines(self) -> None:
        for engine in self._engines:
            engine.dispose()


def _mark_idle(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """A connection that sat unused for a while is tried before use, and replaced if the
    database dropped it (a restart); one used a moment ago is not: under load that saves a
    round trip per transaction, which SQLAlchemy's `pool_pre_ping` spends on every checkout.
    """
    since = record.info.get("idle_since")
    if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
        return
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        dbapi_connection.rollback()
    except Exception as error:
        raise DisconnectionError("the pooled connection is gone") from error


def _large_cache(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute(f"PRAGMA cache_size=-{WRITER_CACHE_KIB}")


def _sqlite_engine(url: str, pool_size: int, max_overflow: int) -> Engine:
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        connect_args={"check_same_thread": False, "timeout": 30},
    )

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling is switched off: SQLAlchemy emits BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get("onestop_autocommit"):
            return
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get("onestop_write") else "BEGIN")

    return engine
