"""How long the reports take over a year of a busy centre, and over a national network.

    python bench/reports.py [--backend sqlite|postgres|both] [--tickets 400000]
    python bench/reports.py --national [--centres 20]       # PostgreSQL, 20 x 400,000 tickets

For each backend: a fresh database at the newest schema, one year (2025) of generated tickets
of the reference centre (bench/report_history.py) and 5% as many refusals, then each report's
query timed three times, through the same functions the API calls. `--national` adds 19 more
centres of the same size and times the national summary (admins' view). Prints the figures;
asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/reports.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import report_history
from bench.common import REFERENCE_CONFIG, postgres_database, sqlite_database
from onestop.db import Database
from reports import demand, metrics
from reports.metrics import Scope
from reports.periods import Period
from routing.calendar import Calendar
from routing.config import CentreConfig, load_config

FIRST = dt.date(2025, 1, 1)
DAYS = 365
RUNS = 3


@contextmanager
def database(backend: str) -> Iterator[Database]:
    with tempfile.TemporaryDirectory() as folder:
        opened = sqlite_database(Path(folder)) if backend == "sqlite" else postgres_database()
        with opened as url:
            db = Database(url)
            db.upgrade()
            try:
                yield db
            finally:
                db.dispose()


def fill(db: Database, config: CentreConfig, centres: list[str], tickets: int) -> float:
    """Write a year of `tickets` per centre; returns the seconds it took."""
    started = time.perf_counter()
    for n, code in enumerate(centres):
        report_history.write(
            db.engine,
            "tickets",
            report_history.COLUMNS,
            report_history.tickets(config, code, FIRST, DAYS, tickets, seed=n),
        )
        report_history.write(
            db.engine,
            "refusals",
            report_history.REFUSAL_COLUMNS,
            report_history.refusals(config, code, FIRST, DAYS, tickets // 20, seed=n),
        )
    report_history.analyze(db.engine)
    return time.perf_counter() - started


def timed(
    db: Database, scope: Scope, query: Callable[[Any, Scope], object]
) -> tuple[list[float], float]:
    """Wall-clock seconds of `RUNS` runs, each on a new connection and transaction, and the
    least CPU time this process spent on one: on SQLite, which runs inside the process, that
    is the query's own work, whatever else the machine is doing."""
    times, cpu = [], []
    for _ in range(RUNS):
        started, processor = time.perf_counter(), time.process_time()
        with db.engine.connect() as connection:
            metrics.tune(connection)
            query(connection, scope)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - processor)
    return times, min(cpu)


QUERIES: dict[str, Callable[[Any, Scope], object]] = {
    "summary (per service)": lambda c, s: metrics.breakdown(c, s, "service"),
    "heatmap": demand.heatmap,
    "per hour": lambda c, s: metrics.breakdown(c, s, "hour"),
    "per weekday": lambda c, s: metrics.breakdown(c, s, "weekday"),
    "estimates": demand.estimate_accuracy,
}


def run(backend: str, tickets: int, national: int) -> None:
    config = load_config(REFERENCE_CONFIG)
    calendar = Calendar(config.centre)
    period = Period.of(calendar, FIRST, FIRST + dt.timedelta(days=DAYS - 1))
    centres = [config.centre.code] + [f"centre-{n:02d}" for n in range(1, national)]
    with database(backend) as db:
        seconds = fill(db, config, centres, tickets)
        with db.engine.connect() as connection:
            count = connection.exec_driver_sql("SELECT COUNT(*) FROM tickets").scalar_one()
        print(
            f"\n{backend}: {count:,} tickets in {len(centres)} centre(s), "
            f"written in {seconds:.0f} s"
        )
        print(f"{'query':<24} {'first s':>8} {'median s':>9} {'best s':>7} {'cpu s':>6}")
        dialect = db.engine.dialect.name
        scope = Scope(config, calendar, period, config.centre.code, dialect)
        for name, query in QUERIES.items():
            _line(name, *timed(db, scope, query))
        if national > 1:
            everyone = Scope(config, calendar, period, None, dialect)
            _line(
                "national (per centre)",
                *timed(db, everyone, lambda c, s: metrics.breakdown(c, s, "centre")),
            )


def _line(name: str, times: list[float], cpu: float) -> None:
    print(
        f"{name:<24} {times[0]:>8.3f} {statistics.median(times):>9.3f} {min(times):>7.3f}"
        f" {cpu:>6.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--tickets", type=int, default=400_000, help="per centre and year")
    parser.add_argument("--national", action="store_true", help="PostgreSQL, many centres")
    parser.add_argument("--centres", type=int, default=20)
    args = parser.parse_args()
    if args.national:
        run("postgres", args.tickets, args.centres)
        return
    for backend in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        run(backend, args.tickets, 1)


if __name__ == "__main__":
    main()
