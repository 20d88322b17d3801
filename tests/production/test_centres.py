"""Two centres in one installation: one PostgreSQL database, one Redis, each centre its own
config and its own process. Nothing of one shows in the other: numbers, queues, counters,
staff, kiosks and displays."""

from __future__ import annotations

import queue
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import socketio
import yaml

from tests.conftest import REDIS_URL, need_redis
from tests.factories.configs import always_open
from tests.factories.floor import AGENTS, SERVICE, Floor, staff_floor
from tests.factories.people import PASSWORD
from tests.factories.processes import Server

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

EVENT_SECONDS = 10
QUIET_SECONDS = 1.5


def _centre(folder: Path, code: str, database_url: str) -> Server:
    """The reference centre renamed to `code`, served by a process of its own."""
    folder.mkdir()
    config = always_open(folder)
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["centre"]["code"] = code
    data["centre"]["name"] = f"Centro {code}"
    config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    env = {
        "ONESTOP_REDIS_URL": REDIS_URL,
        "ONESTOP_REDIS_CHANNEL": f"onestop-test-{code}-{uuid.uuid4().hex}",
        "XDG_CACHE_HOME": str(folder / "cache"),
    }
    return Server(config, database_url, folder / "server.log", extra_env=env)


@pytest.fixture
def centres(tmp_path: Path, postgres_url: str) -> Iterator[tuple[Floor, Floor]]:
    need_redis()
    lisboa = _centre(tmp_path / "lisboa", "lisboa", postgres_url)
    porto = _centre(tmp_path / "porto", "porto", postgres_url)
    floors = [Floor(server, staff_floor(server)) for server in (lisboa, porto)]
    with lisboa, porto:
        yield floors[0], floors[1]
    for floor in floors:
        floor.close()


def _display(base: str) -> tuple[socketio.Client, queue.Queue[dict]]:
    events: queue.Queue[dict] = queue.Queue()
    client = socketio.Client(reconnection=False)
    client.on("called", events.put)
    client.connect(base, auth={"display": "ground"}, transports=["websocket"], wait_timeout=10)
    return client, events


def _snapshot(floor: Floor) -> dict:
    return requests.get(f"{floor.server.url}/api/display/ground", timeout=10).json()


def test_two_centres_on_one_database_and_one_redis_stay_apart(
    centres: tuple[Floor, Floor],
) -> None:
    lisboa, porto = centres
    # Numbering: each centre counts its own day from 001.
    assert [lisboa.issue()["number"] for _ in range(3)] == ["A001", "A002", "A003"]
    assert [porto.issue()["number"] for _ in range(2)] == ["A001", "A002"]
    # Kiosks: a key belongs to its centre.
    foreign = requests.post(
        f"{porto.server.url}/api/tickets",
        json={"service": SERVICE, "language": "pt"},
        headers={"Authorization": f"Bearer {lisboa.kiosk_key}"},
        timeout=10,
    )
    assert foreign.status_code == 401

    lisboa_screen, lisboa_calls = _display(lisboa.server.url)
    porto_screen, porto_calls = _display(porto.server.url)
    try:
        # Counters and displays: Lisbon's counter 3 calls, Porto's screen hears nothing.
        lisboa.seat("ana")
        assert lisboa.act("ana", "next")["number"] == "A001"
        assert lisboa_calls.get(timeout=EVENT_SECONDS)["number"] == "A001"
        with pytest.raises(queue.Empty):
            porto_calls.get(timeout=QUIET_SECONDS)
        porto_counters = requests.get(
            f"{porto.server.url}/api/counters", timeout=10, cookies=lisboa.agents["ana"].cookies
        )
        # Staff: Lisbon's signed-in agent is nobody in Porto, even with the shared cookie key.
        assert porto_counters.status_code == 401
        porto.seat("rui")
        rui = porto.agents["rui"]
        counters = {
            c["id"]: c["state"]
            for c in rui.get(f"{porto.server.url}/api/counters", timeout=10).json()
        }
        assert counters[AGENTS["ana"]] == "closed" and counters[AGENTS["rui"]] == "open"
        assert porto.act("rui", "next")["number"] == "A001"
        event = porto_calls.get(timeout=EVENT_SECONDS)
        assert (event["number"], event["counter"]) == ("A001", str(AGENTS["rui"]))
        with pytest.raises(queue.Empty):
            lisboa_calls.get(timeout=QUIET_SECONDS)
    finally:
        lisboa_screen.disconnect()
        porto_screen.disconnect()

    # Queues: each centre's waiting room shows its own.
    assert _snapshot(lisboa)["waiting"][SERVICE] == 2
    assert _snapshot(porto)["waiting"][SERVICE] == 1
    assert [c["number"] for c in _snapshot(porto)["calls"]] == ["A001"]
    # Staff accounts: a manager of Lisbon cannot sign in to Porto.
    lisboa.server.add_staff("chefe", role="manager")
    login = {"username": "chefe", "password": PASSWORD}
    assert requests.post(f"{lisboa.server.url}/api/login", json=login, timeout=10).ok
    refused = requests.post(f"{porto.server.url}/api/login", json=login, timeout=10)
    assert refused.status_code == 401
