"""Faults under load: a server killed while kiosks issue and counters call; a PostgreSQL
restarted under load; Redis stopped under several processes.

The PostgreSQL and Redis here are private ones started by the test (a cluster in a temporary
folder, a `redis-server` on a free port): the machine's shared services are never touched.
Without their binaries a test is skipped, with the reason, unless CI=true, where it fails.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from onestop.db import Database
from tests.factories.configs import always_open
from tests.factories.floor import AGENTS, SERVICE, staff_floor
from tests.factories.ledger import assert_numbering_intact, assert_states_match_events
from tests.factories.processes import Server

pytestmark = pytest.mark.slow

#: what an acknowledged action at a counter guarantees about its ticket afterwards
AT_LEAST = {
    "next": {"called", "serving", "done"},
    "start": {"serving", "done"},
    "finish": {"done"},
}
ISSUED_BEFORE_KILL = 60
FINISHED_BEFORE_KILL = 10
LOAD_TIMEOUT_S = 60


@dataclass
class Load:
    """Kiosk threads issuing and agents calling, starting and finishing, until told to stop
    or until the server stops answering; every acknowledged answer is kept."""

    server: Server
    key: str
    issued: list[dict] = field(default_factory=list)
    acted: list[tuple[str, str, str]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self, kiosks: int = 3) -> None:
        self.threads = [threading.Thread(target=self._kiosk) for _ in range(kiosks)]
        self.threads += [threading.Thread(target=self._agent, args=(name,)) for name in AGENTS]
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(30)

    def count(self, action: str) -> int:
        with self.lock:
            return sum(1 for _, done, _ in self.acted if done == action)

    def _kiosk(self) -> None:
        headers = {"Authorization": f"Bearer {self.key}"}
        with requests.Session() as http:
            while not self.stop.is_set():
                try:
                    answer = http.post(
                        f"{self.server.url}/api/tickets",
                        json={"service": SERVICE, "language": "pt"},
                        headers=headers,
                        timeout=20,
                    )
                except requests.RequestException:
                    return
                with self.lock:
                    if answer.status_code == 201:
                        self.issued.append(answer.json())
                    else:
                        self.failures.append(f"issue: {answer.status_code} {answer.text[:200]}")
                        return

    def _agent(self, name: str) -> None:
        counter = AGENTS[name]
        try:
            http = self.server.signed_in(name)
            opened = http.post(f"{self.server.url}/api/counters/{counter}/open", json={})
            assert opened.status_code == 200, opened.text
        except (requests.RequestException, AssertionError) as error:
            with self.lock:
                self.failures.append(f"{name} could not sit down: {error}")
            return
        with http:
            while not self.stop.is_set():
                for action in ("next", "start", "finish"):
                    try:
                        answer = http.post(
                            f"{self.server.url}/api/counters/{counter}/{action}",
                            json={},
                            timeout=20,
                        )
                    except requests.RequestException:
                        return
                    if action == "next" and answer.status_code == 204:
                        time.sleep(0.02)
                        break
                    with self.lock:
                        if answer.status_code != 200:
                            self.failures.append(f"{name} {action}: {answer.status_code}")
                            return
                        self.acted.append((name, action, answer.json()["number"]))


def _wait_for(condition, timeout_s: float = LOAD_TIMEOUT_S) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_sigkill_while_issuing_and_calling(database_url: str, tmp_path: Path) -> None:
    server = Server(always_open(tmp_path), database_url, tmp_path / "server.log", threads=16)
    key = staff_floor(server)
    load = Load(server, key)
    with server:
        load.start()
        assert _wait_for(
            lambda: (
                len(load.issued) >= ISSUED_BEFORE_KILL
                and load.count("finish") >= FINISHED_BEFORE_KILL
            )
        ), load.failures
        server.kill()
        load.join()
    assert load.failures == []

    db = Database(database_url)
    with db.session(write=False) as session:
        numbering = assert_numbering_intact(session)
        states = assert_states_match_events(session)
    db.dispose()
    by_number = {ticket["number"]: ticket for ticket in load.issued}
    assert len(by_number) == len(load.issued)  # no number handed out twice
    assert sum(len(values) for values in numbering.values()) >= len(load.issued)
    assert set(states.values()) <= {"waiting", "called", "serving", "done"}

    with server, requests.Session() as http:
        status = {}
        for ticket in load.issued:
            answer = http.get(f"{server.url}/api/tickets/{ticket['token']}", timeout=10)
            assert answer.status_code == 200, ticket
            status[ticket["number"]] = answer.json()["state"]
        for name, action, number in load.acted:
            assert status[number] in AT_LEAST[action], (name, action, number, status[number])
        # Each agent picks up where the crash left them: their counter, then fresh tickets.
        for name, counter in AGENTS.items():
            agent = server.signed_in(name)
            url = f"{server.url}/api/counters/{counter}"
            held = agent.get(url, timeout=10).json()["ticket"]
            if held is not None and held["state"] == "called":
                assert agent.post(f"{url}/start", json={}, timeout=10).status_code == 200
            if held is not None:
                assert agent.post(f"{url}/finish", json={}, timeout=10).status_code == 200
            called = agent.post(f"{url}/next", json={}, timeout=10)
            if called.status_code == 200:
                assert status.get(called.json()["number"], "waiting") == "waiting"
            else:
                assert called.status_code == 204
        fresh = http.post(
            f"{server.url}/api/tickets",
            json={"service": SERVICE, "language": "pt"},
            headers={"Authorization": f"Bearer {key}"},
            timeout=10,
        )
        assert fresh.status_code == 201
        assert fresh.json()["number"] not in by_number

    with db.session(write=False) as session:
        assert_numbering_intact(session)
        assert_states_match_events(session)
    db.dispose()
