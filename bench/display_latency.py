"""Call -> display event latency, p50 and p99, with 1, 100 and 500 connected displays.

    python -m bench.display_latency [--clients 1,100,500] [--calls 40] [--database-url URL]

For each client count it starts `onestop run` (the always-open reference centre, a fresh
SQLite database unless --database-url names another) with enough threads for every
WebSocket, pinned to one core as README.md's production set-up pins each process; connects
that many python-socketio clients (asyncio, 250 to a worker process) to the ground floor's
display room, then has an agent call tickets one at a time through the HTTP API. Latency
runs from just before the `next` request is sent until a client's `called` handler runs: it
includes the HTTP request, the transaction, the emit to every client and the client's own
event loop. CLOCK_MONOTONIC is shared by all processes on the machine. "spread" is, per
call, the time from the first display reached to the last: the fan-out. The clients share
the machine's cores with the server, which a real centre's screens do not.
Measured and printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import multiprocessing
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from pathlib import Path

import socketio

from tests.factories.configs import always_open
from tests.factories.floor import Floor, staff_floor
from tests.factories.processes import Server

log = logging.getLogger("bench.display_latency")

ZONE = "ground"
CLIENTS_PER_PROCESS = 250
CONNECT_BATCH = 50
#: spare server threads for the HTTP requests beside the WebSockets each client holds
SPARE_THREADS = 40
CALL_GAP_S = 0.25
#: the core the server runs on, as README.md's production set-up pins each process to its
#: own: a Python process runs one thread at a time, and waking a display's thread on the
#: other core costs more than it gains (bench/README.md, 2026-12-03)
SERVER_CPU = "0"
SETTLE_S = 3.0


@dataclass(frozen=True)
class Result:
    clients: int
    calls: int
    events: int
    missing: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    http_p50_ms: float
    #: per call, from the first display reached to the last
    spread_p50_ms: float


def _displays(
    base: str, count: int, ready: Queue[int], stop: Event, results: Queue[list[tuple[str, int]]]
) -> None:
    """A worker process: `count` displays on one asyncio loop, each noting when every call
    reached it. Asyncio clients cost the shared cores far less than one thread each would, so
    the figures are the server's fan-out rather than the clients' own scheduling."""
    results.put(asyncio.run(_watch(base, count, ready, stop)))


async def _watch(base: str, count: int, ready: Queue[int], stop: Event) -> list[tuple[str, int]]:
    received: list[tuple[str, int]] = []
    clients = []
    for start in range(0, count, CONNECT_BATCH):
        batch = [
            socketio.AsyncClient(reconnection=False)
            for _ in range(start, min(count, start + CONNECT_BATCH))
        ]
        for client in batch:
            client.on("called", lambda data: received.append((data["number"], time.monotonic_ns())))
        await asyncio.gather(
            *(
                client.connect(
                    base, auth={"display": ZONE}, transports=["websocket"], wait_timeout=60
                )
                for client in batch
            )
        )
        clients.extend(batch)
    # The clients are the instrument: a full collection of their objects pauses all of a
    # worker's displays for 100-200 ms, which would be read as the server's latency.
    gc.collect()
    gc.disable()
    ready.put(count)
    while not stop.is_set():
        await asyncio.sleep(0.2)
    await asyncio.gather(*(client.disconnect() for client in clients))
    return received


@dataclass
class Displays:
    """Displays connected by `watching`; `received` is filled once they have stopped."""

    connected: int
    received: list[tuple[str, int]]


@contextmanager
def watching(urls: list[str], clients: int) -> Iterator[Displays]:
    """`clients` displays spread evenly over the servers at `urls`, in worker processes of at
    most CLIENTS_PER_PROCESS each; on leaving, they stop and hand in what reached them."""
    context = multiprocessing.get_context("spawn")
    ready: Queue[int] = context.Queue()
    results: Queue[list[tuple[str, int]]] = context.Queue()
    stop = context.Event()
    workers = []
    for n, url in enumerate(urls):
        mine = clients // len(urls) + (n < clients % len(urls))
        for start in range(0, mine, CLIENTS_PER_PROCESS):
            share = min(CLIENTS_PER_PROCESS, mine - start)
            workers.append(
                context.Process(target=_displays, args=(url, share, ready, stop, results))
            )
    try:
        for worker in workers:
            worker.start()
        displays = Displays(sum(ready.get(timeout=600) for _ in workers), [])
        log.info("%d displays connected", displays.connected)
        yield displays
        stop.set()
        displays.received.extend(event for _ in workers for event in results.get(timeout=600))
    finally:
        stop.set()
        for worker in workers:
            if worker.pid is None:
                continue
            worker.join(timeout=60)
            if worker.is_alive():
                worker.kill()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def pin(pid: int) -> None:
    """Pin process `pid`, its children (gunicorn's worker) and all their threads to
    `SERVER_CPU`; threads they start later follow."""
    children = subprocess.run(
        ["pgrep", "--parent", str(pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    for process in (str(pid), *children):
        subprocess.run(
            ["taskset", "--all-tasks", "--cpu-list", "--pid", SERVER_CPU, process],
            check=True,
            stdout=subprocess.DEVNULL,
        )


def measure(clients: int, calls: int, database_url: str | None) -> Result:
    """One row of the table: a fresh server and `clients` displays."""
    with tempfile.TemporaryDirectory(prefix="onestop-bench-") as folder:
        directory = Path(folder)
        config = always_open(directory)
        server = Server(
            config,
            database_url or f"sqlite:///{directory / 'onestop.db'}",
            directory / "server.log",
            threads=clients + SPARE_THREADS,
            extra_env={"XDG_CACHE_HOME": str(directory / "cache")},
        )
        key = staff_floor(server)
        server.start()
        assert server.process is not None
        pin(server.process.pid)
        floor = Floor(server, key)
        sent: dict[str, int] = {}
        http: list[float] = []
        try:
            with watching([server.url], clients) as displays:
                floor.seat("ana")
                for index in range(calls + 1):
                    floor.issue("pt")
                    started = time.monotonic_ns()
                    ticket = floor.act("ana", "next")
                    answered = time.monotonic_ns()
                    if index > 0:  # the first call warms the server up
                        sent[ticket["number"]] = started
                        http.append((answered - started) / 1e6)
                    time.sleep(CALL_GAP_S)
                    floor.act("ana", "finish")
                time.sleep(SETTLE_S)
        finally:
            floor.close()
            server.stop()
    received, connected = displays.received, displays.connected
    latencies = [(moment - sent[number]) / 1e6 for number, moment in received if number in sent]
    by_call: dict[str, list[int]] = {}
    for number, moment in received:
        by_call.setdefault(number, []).append(moment)
    spreads = [
        (max(times) - min(times)) / 1e6 for number, times in by_call.items() if number in sent
    ]
    return Result(
        clients=clients,
        calls=calls,
        events=len(latencies),
        missing=connected * calls - len(latencies),
        p50_ms=_percentile(latencies, 0.50),
        p99_ms=_percentile(latencies, 0.99),
        max_ms=max(latencies),
        http_p50_ms=statistics.median(http),
        spread_p50_ms=statistics.median(spreads),
    )


def _table(rows: list[Result]) -> str:
    header = (
        f"{'clients':>7} {'calls':>5} {'events':>7} {'missing':>7} "
        f"{'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'HTTP p50 ms':>11} {'spread p50 ms':>13}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(
            f"{row.clients:>7} {row.calls:>5} {row.events:>7} {row.missing:>7} "
            f"{row.p50_ms:>8.1f} {row.p99_ms:>8.1f} {row.max_ms:>8.1f} {row.http_p50_ms:>11.1f} "
            f"{row.spread_p50_ms:>13.1f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="1,100,500", help="client counts, comma-separated")
    parser.add_argument("--calls", type=int, default=40, help="calls measured per client count")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    rows = []
    for clients in (int(part) for part in args.clients.split(",")):
        log.info("measuring with %d display(s)", clients)
        rows.append(measure(clients, args.calls, args.database_url))
    print(_table(rows))


if __name__ == "__main__":
    main()
