"""How fast a real `onestop run` server issues tickets, and whether numbers stay unique.

For each backend: a fresh database, an always-open centre, one kiosk key, a server on a
free local port with the kiosk rate limit off; then wrk posts tickets over 1, 4 and 16
connections (one connection = one kiosk that sends its next ticket as soon as it has the
last), and after each run the database is checked for duplicate numbers.

    python bench/issue_tickets.py [--backend sqlite|postgres|both] [--seconds 10]

Needs wrk (Debian: `apt-get install -y wrk`). See bench/README.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

if __package__ in (None, ""):  # run as `python bench/issue_tickets.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    add_kiosk,
    always_open,
    environment,
    postgres_database,
    server,
    service_codes,
    sqlite_database,
)

LUA = Path(__file__).with_name("issue.lua")
KIOSKS = (1, 4, 16)
WARM_UP_SECONDS = 3
DUPLICATES = (
    "SELECT (SELECT count(*) FROM tickets)"
    " - (SELECT count(*) FROM (SELECT DISTINCT day, number FROM tickets) AS d)"
)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}

log = logging.getLogger("bench.issue_tickets")


@dataclass(frozen=True)
class Run:
    """One wrk run against the server, and the database's verdict afterwards."""

    backend: str
    kiosks: int
    tickets_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    duplicates: int


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int


def parse_wrk(output: str) -> WrkResult:
    """The figures of wrk's `--latency` report."""
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)\b", output)
    p50 = re.search(r"^\s*50%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
    if not (done and p50 and p99):
        raise ValueError(f"cannot read wrk's report:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkResult(
        requests=int(done.group(1)),
        seconds=float(done.group(2)) * UNITS[done.group(3)] / 1000,
        p50_ms=float(p50.group(1)) * UNITS[p50.group(2)],
        p99_ms=float(p99.group(1)) * UNITS[p99.group(2)],
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(map(int, sockets.groups())) if sockets else 0,
    )


def wrk(base: str, key: str, services: list[str], kiosks: int, seconds: int) -> WrkResult:
    """Post tickets over `kiosks` connections for `seconds`, from one wrk thread."""
    env = {**os.environ, "ONESTOP_BENCH_KEY": key, "ONESTOP_BENCH_SERVICES": ",".join(services)}
    command = [
        "wrk",
        "--threads",
        "1",
        "--connections",
        str(kiosks),
        "--duration",
        f"{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "--script",
        str(LUA),
        f"{base}/api/tickets",
    ]
    result = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    log.debug("%s", result.stdout)
    return parse_wrk(result.stdout)


def duplicates(database_url: str) -> int:
    """Tickets sharing a (day, number): the numbering guarantee says none, ever."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            # One statement reads one snapshot, even while late requests still commit.
            return connection.execute(text(DUPLICATES)).scalar_one()
    finally:
        engine.dispose()


def bench_backend(backend: str, seconds: int, workdir: Path) -> Iterator[Run]:
    config = always_open(workdir)
    services = service_codes(config)
    database: AbstractContextManager[str] = (
        sqlite_database(workdir) if backend == "sqlite" else postgres_database()
    )
    with database as url:
        env = environment(config, url)
        key = add_kiosk(env)
        with server(env) as (base, pid):
            log.info(
                "%s: server at %s, pid %d (worker: pgrep -P %d); warming up",
                backend,
                base,
                pid,
                pid,
            )
            wrk(base, key, services, 4, WARM_UP_SECONDS)
            for kiosks in KIOSKS:
                log.info("%s: %d kiosk(s) for %d s", backend, kiosks, seconds)
                result = wrk(base, key, services, kiosks, seconds)
                yield Run(
                    backend=backend,
                    kiosks=kiosks,
                    tickets_per_s=(result.requests - result.non_2xx) / result.seconds,
                    p50_ms=result.p50_ms,
                    p99_ms=result.p99_ms,
                    errors=result.non_2xx + result.socket_errors,
                    duplicates=duplicates(url),
                )


def table(runs: list[Run]) -> str:
    lines = [
        f"{'backend':<9} {'kiosks':>6} {'tickets/s':>10} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'errors':>7} {'duplicates':>10}"
    ]
    lines += [
        f"{r.backend:<9} {r.kiosks:>6} {r.tickets_per_s:>10.1f} {r.p50_ms:>8.2f} "
        f"{r.p99_ms:>8.2f} {r.errors:>7} {r.duplicates:>10}"
        for r in runs
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--seconds", type=int, default=10, help="length of each run")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if shutil.which("wrk") is None:
        log.error("wrk is missing: install it with `apt-get install -y wrk` (Debian/Ubuntu)")
        return 2
    backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    runs: list[Run] = []
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix=f"onestop-bench-{backend}-") as workdir:
            runs += bench_backend(backend, args.seconds, Path(workdir))
    sys.stdout.write(table(runs) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
