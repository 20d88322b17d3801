"""Several `onestop run` processes over one Redis: a call made through one process reaches
displays connected to another."""

from __future__ import annotations

import queue
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import socketio

from tests.conftest import IN_CI
from tests.factories.configs import always_open
from tests.factories.floor import Floor, staff_floor
from tests.factories.processes import Server

REDIS_URL = "redis://127.0.0.1:6379/0"
EVENT_SECONDS = 10

pytestmark = pytest.mark.slow


def _need_redis() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        if IN_CI:
            pytest.fail(f"CI=true but Redis on 127.0.0.1:6379 is unreachable: {error}")
        pytest.skip(f"Redis on 127.0.0.1:6379 is unreachable: {error}")


@pytest.fixture
def two_servers(tmp_path: Path, database_url: str) -> Iterator[tuple[Server, Server, str]]:
    """Processes A and B on one database and one Redis channel of this test's own."""
    _need_redis()
    config = always_open(tmp_path)
    env = {
        "ONESTOP_REDIS_URL": REDIS_URL,
        "ONESTOP_REDIS_CHANNEL": f"onestop-test-{uuid.uuid4().hex}",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    a, b = (Server(config, database_url, tmp_path / f"{name}.log", extra_env=env) for name in "ab")
    key = staff_floor(a)
    with a, b:
        yield a, b, key


def _display(base: str, zone: str) -> tuple[socketio.Client, queue.Queue[dict]]:
    received: queue.Queue[dict] = queue.Queue()
    client = socketio.Client(reconnection=False)
    client.on("called", received.put)
    client.connect(base, auth={"display": zone}, transports=["websocket"], wait_timeout=10)
    return client, received


def test_a_call_through_one_process_reaches_a_display_on_another(
    two_servers: tuple[Server, Server, str],
) -> None:
    a, b, key = two_servers
    ground, calls = _display(b.url, "ground")
    upstairs, elsewhere = _display(b.url, "first")
    floor = Floor(a, key)
    try:
        ticket = floor.issue("ru")
        floor.seat("ana")
        called = floor.act("ana", "next")
        event = calls.get(timeout=EVENT_SECONDS)
        assert (event["number"], event["counter"], event["language"], event["recall"]) == (
            ticket["number"],
            "3",
            "ru",
            False,
        )
        assert called["number"] == ticket["number"]
        floor.act("ana", "recall")
        again = calls.get(timeout=EVENT_SECONDS)
        assert (again["number"], again["recall"]) == (ticket["number"], True)
        assert elsewhere.empty()
    finally:
        floor.close()
        ground.disconnect()
        upstairs.disconnect()
