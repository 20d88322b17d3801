"""The production set-up measured end to end, as one table: SQLite with one process, then
PostgreSQL with 1, 2 and 4 processes sharing Redis, every request through nginx
(deploy/nginx/onestop.conf).

    python -m bench.production [--quick] [--setups sqlite:1,postgres:1,postgres:2,postgres:4]

For each set-up, on a fresh database and an always-open copy of the reference centre:

1. issuing: wrk posts tickets through nginx from 16, then 64 kiosks (one connection each,
   bench/issue.lua), `--seconds` each; then the database is checked for duplicate numbers;
2. next call: the queue is brought to `--waiting` tickets (more issued, or the newest
   cancelled), then an agent at each of the 24 plain counters calls, finishes and calls
   again through nginx for `--call-seconds`; the latency of each `next` is kept;
3. call -> display: `--clients` Socket.IO displays, spread over the processes as nginx's
   ip_hash spreads screens with different addresses, and one agent calling through nginx
   `--calls` times; latency runs from the request sent to the event handled in a display.

Servers log every request as a JSON line at INFO, as in production. Needs wrk and nginx
(`make production-tools`), PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379.
Everything (load generator, nginx, servers, PostgreSQL, displays) shares this machine's cores.
"""

from __future__ import annotations

import argparse
import logging
import math
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from bench.common import postgres_database, service_codes, sqlite_database
from bench.display_latency import _percentile, watching
from bench.issue_tickets import duplicates, wrk
from onestop.app import create_app
from onestop.settings import Settings
from routing.config import load_config
from tests.factories.configs import always_open
from tests.factories.nginx import NGINX, Nginx
from tests.factories.people import PASSWORD, add_kiosk, add_person
from tests.factories.processes import Server

log = logging.getLogger("bench.production")

REDIS_URL = "redis://127.0.0.1:6379/0"
KIOSKS = (16, 64)
WARM_UP_SECONDS = 3
#: threads per process besides one per display WebSocket
SPARE_THREADS = 64
CALL_GAP_S = 0.2
SETTLE_S = 3.0
TRIM = (
    "UPDATE tickets SET state = 'cancelled' WHERE id IN "
    "(SELECT id FROM tickets WHERE state = 'waiting' ORDER BY id DESC LIMIT :extra)"
)


@dataclass(frozen=True)
class Issuing:
    tickets_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int


@dataclass(frozen=True)
class Calls:
    waiting: int
    calls: int
    p50_ms: float
    p99_ms: float


@dataclass(frozen=True)
class Display:
    clients: int
    p50_ms: float
    p99_ms: float
    missing: int


@dataclass(frozen=True)
class Row:
    backend: str
    processes: int
    issuing: dict[int, Issuing]
    duplicates: int
    calls: Calls
    display: Display


@dataclass(frozen=True)
class Options:
    seconds: int
    waiting: int
    call_seconds: int
    clients: int
    calls: int


@contextmanager
def installation(
    backend: str, processes: int, workdir: Path, threads: int
) -> Iterator[tuple[Nginx, list[Server], str, str, Path]]:
    """`processes` servers on a fresh database (and one Redis channel when on PostgreSQL),
    behind nginx; yields nginx, the servers, the kiosk key, the database URL, the config."""
    config = always_open(workdir)
    database: AbstractContextManager[str] = (
        sqlite_database(workdir) if backend == "sqlite" else postgres_database()
    )
    with database as url, ExitStack() as stack:
        env = {
            "XDG_CACHE_HOME": str(workdir / "cache"),
            "ONESTOP_LOG_FORMAT": "json",
            "ONESTOP_LOG_LEVEL": "INFO",
        }
        if backend == "postgres":
            env["ONESTOP_REDIS_URL"] = REDIS_URL
            env["ONESTOP_REDIS_CHANNEL"] = f"onestop-bench-{uuid.uuid4().hex}"
        servers = [
            Server(config, url, workdir / f"server-{n}.log", threads=threads, extra_env=env)
            for n in range(processes)
        ]
        key = _staff(config, url)
        for server in servers:
            stack.enter_context(server)
        ports = [server.port for server in servers]
        nginx = stack.enter_context(Nginx(ports, workdir / "nginx", access_log=False))  # type: ignore[arg-type]
        log.info(
            "%s x%d: nginx %s -> %s (server pids %s)",
            backend,
            processes,
            nginx.url,
            ports,
            [s.process.pid for s in servers if s.process],
        )
        yield nginx, servers, key, url, config


def _staff(config: Path, url: str) -> str:
    """An agent at every plain counter, serving its services in every language; a kiosk."""
    app = create_app(Settings(config=config, database_url=url))
    try:
        centre = app.extensions["onestop"].centre.config
        languages = tuple(language.code for language in centre.languages)
        for counter in centre.counters:
            if counter.kind == "counter":
                add_person(app, f"agent{counter.id}", "agent", tuple(counter.services), languages)
        return add_kiosk(app, "bench-kiosk")
    finally:
        app.extensions["onestop"].db.dispose()


def plain_counters(config: Path) -> list[int]:
    return [c.id for c in load_config(config).counters if c.kind == "counter"]


def measure_issuing(base: str, key: str, services: list[str], seconds: int) -> dict[int, Issuing]:
    wrk(base, key, services, 16, WARM_UP_SECONDS)
    results = {}
    for kiosks in KIOSKS:
        result = wrk(base, key, services, kiosks, seconds)
        results[kiosks] = Issuing(
            tickets_per_s=(result.requests - result.non_2xx) / result.seconds,
            p50_ms=result.p50_ms,
            p99_ms=result.p99_ms,
            errors=result.non_2xx + result.socket_errors,
        )
        log.info("%d kiosks: %s", kiosks, results[kiosks])
    return results


def waiting_count(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            query = text("SELECT count(*) FROM tickets WHERE state = 'waiting'")
            return connection.execute(query).scalar_one()
    finally:
        engine.dispose()


def fill_queue(base: str, key: str, services: list[str], url: str, wanted: int) -> int:
    """Issue until at least `wanted` wait, then cancel the newest beyond it."""
    waiting = waiting_count(url)
    while waiting < wanted:
        wrk(base, key, services, 64, max(2, math.ceil((wanted - waiting) / 300)))
        before, waiting = waiting, waiting_count(url)
        if waiting == before:
            raise RuntimeError("no ticket was issued: see the servers' logs")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(TRIM), {"extra": waiting - wanted})
    finally:
        engine.dispose()
    return waiting_count(url)


def _agent(
    base: str, counter: int, start: threading.Barrier, seconds: float, latencies: list[float]
) -> None:
    with requests.Session() as session:
        login = {"username": f"agent{counter}", "password": PASSWORD}
        session.post(f"{base}/api/login", json=login, timeout=60).raise_for_status()
        session.post(f"{base}/api/counters/{counter}/open", json={}, timeout=60).raise_for_status()
        # Signing in is slow on purpose (scrypt): the clock starts once every agent sits.
        start.wait()
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            started = time.perf_counter()
            called = session.post(f"{base}/api/counters/{counter}/next", json={}, timeout=30)
            latencies.append((time.perf_counter() - started) * 1000)
            if called.status_code != 200:
                log.warning("counter %d: next answered %d", counter, called.status_code)
                time.sleep(0.5)
                continue
            session.post(f"{base}/api/counters/{counter}/finish", json={}, timeout=30)
        session.post(f"{base}/api/counters/{counter}/close", json={}, timeout=30)


def measure_calls(base: str, counters: list[int], waiting: int, seconds: int) -> Calls:
    latencies: list[float] = []
    start = threading.Barrier(len(counters))
    agents = [
        threading.Thread(target=_agent, args=(base, counter, start, seconds, latencies))
        for counter in counters
    ]
    for agent in agents:
        agent.start()
    for agent in agents:
        agent.join()
    if not latencies:
        raise RuntimeError("no counter called: see the servers' logs")
    return Calls(
        waiting=waiting,
        calls=len(latencies),
        p50_ms=_percentile(latencies, 0.50),
        p99_ms=_percentile(latencies, 0.99),
    )


def measure_display(base: str, servers: list[Server], clients: int, calls: int) -> Display:
    sent: dict[str, int] = {}
    counter = 3
    with requests.Session() as agent:
        login = {"username": f"agent{counter}", "password": PASSWORD}
        agent.post(f"{base}/api/login", json=login, timeout=30).raise_for_status()
        agent.post(f"{base}/api/counters/{counter}/open", json={}, timeout=30).raise_for_status()
        # Displays connect to the processes directly, spread evenly: as nginx's ip_hash spreads
        # screens that have addresses of their own (every display here comes from 127.0.0.1).
        with watching([server.url for server in servers], clients) as displays:
            for index in range(calls + 1):
                started = time.monotonic_ns()
                called = agent.post(f"{base}/api/counters/{counter}/next", json={}, timeout=30)
                called.raise_for_status()
                if index > 0:  # the first call warms up
                    sent[called.json()["number"]] = started
                time.sleep(CALL_GAP_S)
                agent.post(f"{base}/api/counters/{counter}/finish", json={}, timeout=30)
            time.sleep(SETTLE_S)
    received, connected = displays.received, displays.connected
    latencies = [(moment - sent[number]) / 1e6 for number, moment in received if number in sent]
    return Display(
        clients=connected,
        p50_ms=_percentile(latencies, 0.50) if latencies else math.nan,
        p99_ms=_percentile(latencies, 0.99) if latencies else math.nan,
        missing=connected * len(sent) - len(latencies),
    )


def measure(backend: str, processes: int, options: Options) -> Row:
    threads = math.ceil(options.clients / processes) + SPARE_THREADS
    with (
        tempfile.TemporaryDirectory(prefix=f"onestop-production-{backend}-") as folder,
        installation(backend, processes, Path(folder), threads) as (
            nginx,
            servers,
            key,
            url,
            config,
        ),
    ):
        services = service_codes(config)
        issuing = measure_issuing(nginx.url, key, services, options.seconds)
        dupes = duplicates(url)
        waiting = fill_queue(nginx.url, key, services, url, options.waiting)
        calls = measure_calls(nginx.url, plain_counters(config), waiting, options.call_seconds)
        log.info("next call: %s", calls)
        display = measure_display(nginx.url, servers, options.clients, options.calls)
        log.info("display: %s", display)
    return Row(backend, processes, issuing, dupes, calls, display)


def table(rows: list[Row], options: Options) -> str:
    head = (
        f"{'backend':<9} {'procs':>5} "
        + "".join(f"{f'{k} kiosks: t/s':>16} {'p50':>6} {'p99':>6} " for k in KIOSKS)
        + f"{'dup':>4} {f'next p50/p99 ({options.waiting} waiting)':>30} "
        + f"{f'display p50/p99 ({options.clients})':>24} {'lost':>5}"
    )
    lines = [head, "-" * len(head)]
    for row in rows:
        cells = "".join(
            f"{row.issuing[k].tickets_per_s:>16.0f} {row.issuing[k].p50_ms:>6.1f} "
            f"{row.issuing[k].p99_ms:>6.1f} "
            for k in KIOSKS
        )
        lines.append(
            f"{row.backend:<9} {row.processes:>5} {cells}{row.duplicates:>4} "
            f"{f'{row.calls.p50_ms:.1f} / {row.calls.p99_ms:.1f}':>30} "
            f"{f'{row.display.p50_ms:.1f} / {row.display.p99_ms:.1f}':>24} "
            f"{row.display.missing:>5}"
        )
    errors = {
        (row.backend, row.processes, k): row.issuing[k].errors
        for row in rows
        for k in KIOSKS
        if row.issuing[k].errors
    }
    lines.append(
        f"times in ms; issuing {options.seconds} s per kiosk count (wrk, through nginx); "
        f"next call for {options.call_seconds} s from every plain counter; "
        f"display over {options.calls} calls; "
        f"errors: {errors or 'none'}"
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--setups",
        default="sqlite:1,postgres:1,postgres:2,postgres:4",
        help="backend:processes, comma-separated",
    )
    parser.add_argument("--quick", action="store_true", help="short runs, a smaller queue")
    parser.add_argument("--seconds", type=int, help="length of each issuing run (default 10)")
    parser.add_argument("--waiting", type=int, help="queue for the next-call run (10000)")
    parser.add_argument("--clients", type=int, help="displays connected (500)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", force=True)
    missing = [tool for tool, path in (("wrk", shutil.which("wrk")), ("nginx", NGINX)) if not path]
    if missing:
        log.error("missing: %s (`make production-tools` installs them)", ", ".join(missing))
        return 2
    quick = args.quick
    options = Options(
        seconds=args.seconds or (3 if quick else 10),
        waiting=args.waiting or (2_000 if quick else 10_000),
        call_seconds=3 if quick else 10,
        clients=args.clients or (100 if quick else 500),
        calls=10 if quick else 40,
    )
    rows = []
    for setup in args.setups.split(","):
        backend, _, processes = setup.partition(":")
        log.info("measuring %s with %s process(es)", backend, processes)
        rows.append(measure(backend, int(processes or 1), options))
    sys.stdout.write(table(rows, options) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
