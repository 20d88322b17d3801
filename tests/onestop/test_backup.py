"""`onestop backup` and `onestop restore`: a consistent copy taken while a server issues tickets,
and a restore after which a server carries numbering on from the backup."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest
import requests

from onestop.db import Database
from tests.factories.configs import REFERENCE_CONFIG, always_open
from tests.factories.ledger import assert_numbering_intact, split_number
from tests.factories.processes import Server
from tests.onestop.test_cli import onestop

pytestmark = pytest.mark.slow

TICKET = {"service": "tax-number", "language": "pt"}


def _numbering(url: str) -> dict:
    db = Database(url)
    with db.session(write=False) as session:
        numbering = assert_numbering_intact(session)
    db.dispose()
    return numbering


def _issue_until(server: Server, key: str, stop: threading.Event, issued: list[str]) -> None:
    with requests.Session() as http:
        while not stop.is_set():
            answer = http.post(
                f"{server.url}/api/tickets",
                json=TICKET,
                headers={"Authorization": f"Bearer {key}"},
                timeout=20,
            )
            assert answer.status_code == 201, answer.text
            issued.append(answer.json()["number"])


def test_backup_while_serving_then_restore(tmp_path: Path) -> None:
    server = Server.on_sqlite(always_open(tmp_path))
    key = server.add_kiosk("kiosk-1")
    copy = tmp_path / "backups" / "onestop-today.db"
    copy.parent.mkdir()
    issued: list[str] = []
    stop = threading.Event()
    with server:
        clients = [
            threading.Thread(target=_issue_until, args=(server, key, stop, issued))
            for _ in range(3)
        ]
        for client in clients:
            client.start()
        while len(issued) < 20:
            stop.wait(0.05)
        printed = server.cli("backup", str(copy))
        while len(issued) < 40:
            stop.wait(0.05)
        stop.set()
        for client in clients:
            client.join(30)

    assert printed.startswith("backed up ")
    backed_up = _numbering(f"sqlite:///{copy}")
    in_copy = max(backed_up[next(iter(backed_up))])
    assert 20 <= in_copy < len(issued)
    assert [path.name for path in copy.parent.iterdir()] == [copy.name]  # one whole file

    assert server.cli("restore", str(copy), "--yes").startswith(f"restored {in_copy} ticket(s)")
    assert max(_numbering(server.database_url)[next(iter(backed_up))]) == in_copy
    with server, requests.Session() as http:
        answer = http.post(
            f"{server.url}/api/tickets",
            json=TICKET,
            headers={"Authorization": f"Bearer {key}"},
            timeout=10,
        )
        assert answer.status_code == 201
        assert split_number(answer.json()["number"])[1] == in_copy + 1
    _numbering(server.database_url)


def test_restore_refuses_what_is_not_a_onestop_backup(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'onestop.db'}"
    config = ("--config", str(REFERENCE_CONFIG))
    assert onestop(*config, "init", database_url=url).exit_code == 0
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    other = tmp_path / "other.db"
    with closing(sqlite3.connect(other)) as db:
        db.execute("CREATE TABLE things (id INTEGER)")
    for source, reason in ((junk, "not a SQLite database"), (other, "not a OneStop database")):
        result = onestop(*config, "restore", str(source), "--yes", database_url=url)
        assert result.exit_code == 1 and reason in result.output, result.output
    asked = onestop(*config, "restore", str(other), database_url=url, stdin="n\n")
    assert asked.exit_code == 1 and "Aborted" in asked.output
    _numbering(url)


def test_backup_of_postgres_points_to_pg_dump(tmp_path: Path) -> None:
    url = "postgresql+psycopg://onestop@db.example.invalid/onestop"
    result = onestop(
        "--config", str(REFERENCE_CONFIG), "backup", str(tmp_path / "x.db"), database_url=url
    )
    assert result.exit_code == 1 and "pg_dump" in result.output
    assert not (tmp_path / "x.db").exists()
