"""Faults under load: a server killed while kiosks issue and counters call; a PostgreSQL
restarted under load; Redis stopped under several processes.

The PostgreSQL and Redis here are private ones started by the test (a cluster in a temporary
folder, a `redis-server` on a free port): the machine's shared services are never touched.
Without their binaries a test is skipped, with the reason, unless CI=true, where it fails.
"""

from __future__ import annotations

import queue
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import socketio
from sqlalchemy import create_engine, text

from onestop.db import Database
from tests.factories.configs import always_open
from tests.factories.floor import AGENTS, SERVICE, Floor, staff_floor
from tests.factories.ledger import assert_numbering_intact, assert_states_match_events
from tests.factories.processes import Server
from tests.factories.services import PrivatePostgres, PrivateRedis

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
    #: keep going through 503 answers (each kept in `unavailable`) instead of stopping
    outages: bool = False
    issued: list[dict] = field(default_factory=list)
    unavailable: list[dict] = field(default_factory=list)
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
                    elif answer.status_code == 503 and self.outages:
                        self.unavailable.append(answer.json())
                        time.sleep(0.02)
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
        action = "next"
        with http:
            while not self.stop.is_set():
                url = f"{self.server.url}/api/counters/{counter}"
                try:
                    answer = http.post(f"{url}/{action}", json={}, timeout=20)
                except requests.RequestException:
                    return
                if answer.status_code == 503 and self.outages:
                    with self.lock:
                        self.unavailable.append(answer.json())
                    time.sleep(0.02)
                    continue  # nothing was done: the same step again
                if answer.status_code == 409 and self.outages:
                    # A step done but not acknowledged when the database went: read where
                    # the counter stands, as the console does on reconnecting.
                    action = _resume(http, url)
                    continue
                if action == "next" and answer.status_code == 204:
                    time.sleep(0.02)
                    continue
                with self.lock:
                    if answer.status_code != 200:
                        self.failures.append(f"{name} {action}: {answer.status_code}")
                        return
                    self.acted.append((name, action, answer.json()["number"]))
                action = NEXT_STEP[action]


NEXT_STEP = {"next": "start", "start": "finish", "finish": "next"}


def _resume(http: requests.Session, url: str) -> str:
    """The step a counter is at: `next`, or `start` or `finish` for the ticket it holds."""
    while True:
        answer = http.get(url, timeout=20)
        if answer.status_code == 200:
            held = answer.json()["ticket"]
            return (
                "next" if held is None else {"called": "start", "serving": "finish"}[held["state"]]
            )
        time.sleep(0.05)


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


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    cluster = PrivatePostgres()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


def test_postgres_restarted_under_load(private_postgres: PrivatePostgres, tmp_path: Path) -> None:
    admin = create_engine(private_postgres.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("CREATE DATABASE onestop"))
    admin.dispose()
    url = private_postgres.url.rsplit("/", 1)[0] + "/onestop"
    server = Server(always_open(tmp_path), url, tmp_path / "server.log", threads=16)
    key = staff_floor(server)
    load = Load(server, key, outages=True)
    with server:
        assert server.process is not None
        pid = server.process.pid
        load.start()
        assert _wait_for(lambda: len(load.issued) >= 30 and load.count("finish") >= 3)
        private_postgres.stop("immediate")  # a crash, then a restart: recovery replays the WAL
        assert _wait_for(lambda: len(load.unavailable) >= 20), load.failures
        before_restart = len(load.issued)
        private_postgres.start()
        assert _wait_for(
            lambda: len(load.issued) >= before_restart + 30 and load.count("finish") >= 6
        ), load.failures
        load.join()
        assert server.process is not None and server.process.pid == pid  # never restarted
    assert load.failures == []
    assert {tuple(body["error"]) for body in load.unavailable} == {("code", "message")}
    assert {body["error"]["code"] for body in load.unavailable} == {"unavailable"}

    db = Database(url)
    with db.session(write=False) as session:
        numbering = assert_numbering_intact(session)
        assert_states_match_events(session)
    db.dispose()
    stored = {
        f"{prefix}{value:03d}" for (_, prefix), values in numbering.items() for value in values
    }
    assert {ticket["number"] for ticket in load.issued} <= stored


#: python-socketio's Redis listener retries after 1, 2, 4, 8 ... seconds
REDIS_BACK_S = 40


def _display(base: str) -> tuple[socketio.Client, queue.Queue[dict]]:
    received: queue.Queue[dict] = queue.Queue()
    client = socketio.Client(reconnection=False)
    client.on("called", received.put)
    client.connect(base, auth={"display": "ground"}, transports=["websocket"], wait_timeout=10)
    return client, received


def _serve_one(floor: Floor) -> dict:
    floor.issue()
    called = floor.act("ana", "next")
    floor.act("ana", "start")
    floor.act("ana", "finish")
    return called


def test_redis_stopped_under_several_processes(postgres_url: str, tmp_path: Path) -> None:
    redis_server = PrivateRedis()
    redis_server.start()
    env = {
        "ONESTOP_REDIS_URL": redis_server.url,
        "ONESTOP_REDIS_CHANNEL": f"onestop-test-{uuid.uuid4().hex}",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    config = always_open(tmp_path)
    a, b = (Server(config, postgres_url, tmp_path / f"{n}.log", extra_env=env) for n in "ab")
    key = staff_floor(a)
    try:
        with a, b:
            display, calls = _display(b.url)
            floor = Floor(a, key)
            floor.seat("ana")
            first = _serve_one(floor)
            assert calls.get(timeout=10)["number"] == first["number"]

            redis_server.stop()
            # Issuing and calling go on through process A; B's display hears nothing...
            during = [_serve_one(floor)["number"] for _ in range(3)]
            # ...but what it reads on its periodic snapshot (any process) is the truth.
            shown = requests.get(f"{b.url}/api/display/ground", timeout=10).json()
            assert [call["number"] for call in shown["calls"][:3]] == during[::-1]

            redis_server.start()
            deadline = time.monotonic() + REDIS_BACK_S
            heard = None
            while heard is None and time.monotonic() < deadline:
                after = _serve_one(floor)
                try:
                    while (event := calls.get(timeout=2))["number"] != after["number"]:
                        assert event["number"] not in during  # nothing replayed out of order
                    heard = event
                except queue.Empty:
                    continue
            assert heard is not None, "the display was not reached after Redis came back"
            display.disconnect()
            floor.close()
    finally:
        redis_server.stop()
    for log in (a.log, b.log):
        assert "Traceback" not in log.read_text()
