"""`onestop run` serves under SCHED_BATCH, down to the threads that write to each display."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import socketio

from tests.factories.configs import always_open
from tests.factories.processes import Server

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="SCHED_BATCH is Linux's"
)


def threads_of_group(group: int) -> list[int]:
    """Every thread of every process in process group `group`."""
    threads = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != group:
                continue
            threads.extend(int(task.name) for task in (entry / "task").iterdir())
        except (ProcessLookupError, FileNotFoundError):
            continue
    return threads


def test_every_server_thread_is_batch_scheduled(tmp_path: Path) -> None:
    display = socketio.Client(reconnection=False)
    with Server.on_sqlite(always_open(tmp_path)) as server:
        assert server.process is not None
        display.connect(server.url, auth={"display": "ground"}, transports=["websocket"])
        try:
            threads = threads_of_group(server.process.pid)
            # the master, the worker, its request threads and the display's writer
            assert len(threads) > 3
            policies = {tid: os.sched_getscheduler(tid) for tid in threads}
        finally:
            display.disconnect()
    assert [tid for tid, policy in policies.items() if policy != os.SCHED_BATCH] == []
