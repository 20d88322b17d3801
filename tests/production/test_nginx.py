"""Two `onestop run` processes on one PostgreSQL and one Redis, behind deploy/nginx/onestop.conf:
kiosks and counters reach either process, numbers stay unique, and a display connected
through nginx sees every call, whichever process made it."""

from __future__ import annotations

import queue
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import socketio
from sqlalchemy import create_engine, text

from tests.conftest import REDIS_URL, need_redis
from tests.factories.configs import always_open
from tests.factories.floor import AGENTS, SERVICE, staff_floor
from tests.factories.nginx import Nginx
from tests.factories.people import PASSWORD
from tests.factories.processes import Server
from tests.production.conftest import need_nginx

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

TICKETS_PER_DOOR = 30
CALLS_PER_AGENT = 8
EVENT_SECONDS = 20


@dataclass
class Installation:
    a: Server
    b: Server
    nginx: Nginx
    kiosk_key: str
    database_url: str

    @property
    def doors(self) -> list[str]:
        """Process A directly, nginx, process B directly."""
        return [self.a.url, self.nginx.url, self.b.url]


@pytest.fixture
def installation(tmp_path: Path, postgres_url: str) -> Iterator[Installation]:
    need_redis()
    need_nginx()
    config = always_open(tmp_path)
    env = {
        "ONESTOP_REDIS_URL": REDIS_URL,
        "ONESTOP_REDIS_CHANNEL": f"onestop-test-{uuid.uuid4().hex}",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    a, b = (Server(config, postgres_url, tmp_path / f"{name}.log", extra_env=env) for name in "ab")
    key = staff_floor(a)
    with a, b:
        nginx = Nginx([a.port, b.port], tmp_path / "nginx")  # type: ignore[list-item]
        with nginx:
            yield Installation(a, b, nginx, key, postgres_url)


def _issue(base: str, key: str) -> str:
    answer = requests.post(
        f"{base}/api/tickets",
        json={"service": SERVICE, "language": "pt"},
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["number"]


def _agent(base: str, username: str) -> requests.Session:
    session = requests.Session()
    signed = session.post(
        f"{base}/api/login", json={"username": username, "password": PASSWORD}, timeout=30
    )
    assert signed.status_code == 200, signed.text
    opened = session.post(f"{base}/api/counters/{AGENTS[username]}/open", json={}, timeout=30)
    assert opened.ok, opened.text
    return session


def _calls(base: str, session: requests.Session, counter: int) -> list[str]:
    numbers = []
    for _ in range(CALLS_PER_AGENT):
        called = session.post(f"{base}/api/counters/{counter}/next", json={}, timeout=30)
        assert called.status_code == 200, called.text
        numbers.append(called.json()["number"])
        done = session.post(f"{base}/api/counters/{counter}/finish", json={}, timeout=30)
        assert done.status_code == 200, done.text
    return numbers


def test_two_processes_behind_nginx_share_numbers_queues_and_displays(
    installation: Installation,
) -> None:
    doors = installation.doors
    # A display through nginx, as a waiting-room TV would connect: long-polling first, then
    # upgraded to a WebSocket, both through nginx (which must keep it on one process).
    events: queue.Queue[dict] = queue.Queue()
    display = socketio.Client(reconnection=False)
    display.on("called", events.put)
    display.connect(installation.nginx.url, auth={"display": "ground"}, wait_timeout=20)
    agents: dict[str, tuple[str, requests.Session]] = {}
    try:
        assert display.transport() == "websocket"
        # Kiosks issue through both processes and through nginx, all at once.
        with ThreadPoolExecutor(max_workers=12) as pool:
            numbers = list(
                pool.map(
                    lambda i: _issue(doors[i % 3], installation.kiosk_key),
                    range(3 * TICKETS_PER_DOOR),
                )
            )
        total = 3 * TICKETS_PER_DOOR
        assert sorted(numbers) == [f"A{n:03d}" for n in range(1, total + 1)]

        # Three agents call at the same time, one through each door.
        for username, door in zip(AGENTS, doors, strict=True):
            agents[username] = (door, _agent(door, username))
        with ThreadPoolExecutor(max_workers=3) as pool:
            called = [
                number
                for numbers_called in pool.map(
                    lambda name: _calls(agents[name][0], agents[name][1], AGENTS[name]), AGENTS
                )
                for number in numbers_called
            ]
        assert len(set(called)) == len(called) == 3 * CALLS_PER_AGENT
        assert set(called) <= set(numbers)

        seen: dict[str, str] = {}
        while len(seen) < len(called):
            event = events.get(timeout=EVENT_SECONDS)
            seen[event["number"]] = event["counter"]
        assert set(seen) == set(called)
        assert set(seen.values()) == {str(counter) for counter in AGENTS.values()}
    finally:
        display.disconnect()
        for _, session in agents.values():
            session.close()

    # Every process agrees on what the queue is, and so does the database.
    waiting = {
        requests.get(f"{door}/api/display/ground", timeout=30).json()["waiting"][SERVICE]
        for door in doors
    }
    assert waiting == {total - len(called)}
    engine = create_engine(installation.database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT count(*), count(DISTINCT number) FROM tickets"))
            assert tuple(rows.one()) == (total, total)
    finally:
        engine.dispose()


def test_nginx_passes_its_request_id_and_the_health_check(installation: Installation) -> None:
    answer = requests.get(f"{installation.nginx.url}/healthz", timeout=30)
    assert answer.status_code == 200
    body = answer.json()
    assert (body["status"], body["database"], body["redis"]) == ("ok", "ok", "ok")
    # nginx's $request_id: 32 hex digits, the same in nginx's log and the app's.
    assert len(answer.headers["X-Request-Id"]) == 32
    int(answer.headers["X-Request-Id"], 16)
