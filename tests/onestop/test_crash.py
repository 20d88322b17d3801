"""A server killed with SIGKILL mid-burst loses no ticket it acknowledged, and half-writes none.

A real `onestop run` serves several kiosks' worth of threads; its whole process group is
killed while requests are in flight; the database is then read directly, and a new server
on the same database must know every acknowledged ticket and carry numbering on.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from onestop.db import Database
from routing.calendar import Calendar
from routing.config import load_config
from tests.factories.configs import always_open
from tests.factories.ledger import assert_numbering_intact, split_number
from tests.factories.processes import Server

log = logging.getLogger(__name__)
pytestmark = pytest.mark.slow

SERVICES = ("residence-first", "tax-number", "reception-triage")
CLIENTS = 6
#: acknowledged tickets to wait for before pulling the plug
BEFORE_KILL = 60
BURST_TIMEOUT_S = 40


@dataclass
class Burst:
    """Client threads issuing tickets until the server stops answering."""

    url: str
    key: str
    acknowledged: list[dict] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    enough: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._client, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        return threads

    def _client(self, n: int) -> None:
        headers = {"Authorization": f"Bearer {self.key}"}
        with requests.Session() as http:
            for i in range(10_000):
                body = {"service": SERVICES[(n + i) % len(SERVICES)], "language": "pt"}
                try:
                    answer = http.post(
                        f"{self.url}/api/tickets", json=body, headers=headers, timeout=20
                    )
                except requests.RequestException:
                    return
                with self.lock:
                    if answer.status_code != 201:
                        self.unexpected.append(f"{answer.status_code} {answer.text[:200]}")
                        return
                    self.acknowledged.append(answer.json())
                    if len(self.acknowledged) >= BEFORE_KILL:
                        self.enough.set()


def test_sigkill_mid_burst_keeps_every_acknowledged_ticket(
    database_url: str, tmp_path: Path
) -> None:
    config = always_open(tmp_path)
    calendar = Calendar(load_config(config).centre)
    server = Server(config, database_url, tmp_path / "server.log", threads=16)
    key = server.add_kiosk("kiosk-1")

    with server:
        burst = Burst(server.url, key)
        threads = burst.run()
        assert burst.enough.wait(BURST_TIMEOUT_S), burst.unexpected
        server.kill()
        for thread in threads:
            thread.join(30)
    assert burst.unexpected == []
    acknowledged = burst.acknowledged
    assert len(acknowledged) >= BEFORE_KILL

    db = Database(database_url)
    with db.session(write=False) as session:
        numbering = assert_numbering_intact(session)
    db.dispose()
    stored = sum(len(values) for values in numbering.values())
    assert stored >= len(acknowledged)
    log.info("killed with %d tickets acknowledged, %d stored", len(acknowledged), stored)

    with server, requests.Session() as http:
        for ticket in acknowledged:
            status = http.get(f"{server.url}/api/tickets/{ticket['token']}", timeout=10)
            assert status.status_code == 200, ticket
            assert status.json()["number"] == ticket["number"]
        for service in SERVICES:
            answer = http.post(
                f"{server.url}/api/tickets",
                json={"service": service, "language": "pt"},
                headers={"Authorization": f"Bearer {key}"},
                timeout=10,
            )
            assert answer.status_code == 201, answer.text
            fresh = answer.json()
            prefix, value = split_number(fresh["number"])
            day = calendar.local_day(dt.datetime.fromisoformat(fresh["issued_at"]))
            assert value > max(numbering.get((day, prefix), [0]))

    with db.session(write=False) as session:
        assert_numbering_intact(session)
    db.dispose()
