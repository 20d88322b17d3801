"""Backups of a SQLite database through SQLite's online backup API, and restores from them.

The backup API copies a consistent snapshot while the server keeps serving (WAL readers do
not block writers), unlike copying the file, which can catch it halfway through a checkpoint.
A restore copies a checked backup over the database the same way, so the WAL and the shared
memory file stay coherent. PostgreSQL has its own tools (`pg_dump`, `pg_restore`; README).
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

#: tables a OneStop database has from its first migration on
REQUIRED_TABLES = frozenset({"alembic_version", "tickets", "events", "sequences", "staff"})


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


def sqlite_path(url: str) -> Path:
    """The file of a SQLite database URL; raises `BackupError` for any other database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise BackupError(
            f"{parsed.get_backend_name()} is backed up with its own tools: "
            "pg_dump -Fc (and pg_restore to restore); see README.md"
        )
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("an in-memory database has nothing to back up")
    return Path(parsed.database)


def backup(url: str, target: Path) -> int:
    """Copy the live database at `url` into `target` (replaced whole, never half-written);
    returns the number of tickets the copy holds."""
    source = sqlite_path(url)
    if not source.exists():
        raise BackupError(f"no database at {source}")
    if target.resolve() == source.resolve():
        raise BackupError("the backup must not overwrite the database itself")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    with (
        closing(sqlite3.connect(source, timeout=30)) as live,
        closing(sqlite3.connect(partial)) as copy,
    ):
        live.backup(copy)
        # One self-contained file: no WAL beside it to lose when it is moved.
        copy.execute("PRAGMA journal_mode=DELETE")
    tickets = check(partial)
    os.replace(partial, target)
    return tickets


def restore(source: Path, url: str) -> int:
    """Replace the database at `url` with the backup `source`; returns its ticket count.

    The server must be stopped first: a running one would keep serving what it had cached.
    """
    target = sqlite_path(url)
    if not source.exists():
        raise BackupError(f"no backup at {source}")
    tickets = check(source)
    with (
        closing(sqlite3.connect(source)) as copy,
        closing(sqlite3.connect(target, timeout=30)) as live,
    ):
        copy.backup(live)
        live.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return tickets


def check(path: Path) -> int:
    """Whether `path` is a sound OneStop database; returns its ticket count or raises."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            verdict = db.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict != "ok":
                raise BackupError(f"{path} is damaged: {verdict}")
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            if not tables >= REQUIRED_TABLES:
                raise BackupError(f"{path} is not a OneStop database")
            return db.execute("SELECT count(*) FROM tickets").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a SQLite database: {error}") from None
