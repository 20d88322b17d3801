"""Generated years of tickets, written straight into a database, for the reports benchmark.

Rows are made in Python from one seeded generator and written in bulk: `executemany` in
batches of 20,000 on SQLite, `COPY` on PostgreSQL. They are plausible rather than simulated
(the simulator is far too slow for millions of tickets): arrivals spread over the opening
hours of the reference centre's open days, waits and service times drawn from exponential
distributions, 85% served, 7% no-shows, 8% cancelled, a few transfers and refusals.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, text

from routing.calendar import Calendar
from routing.clock import elapsed_s
from routing.config import CentreConfig

COLUMNS = (
    "centre",
    "day",
    "number",
    "token",
    "service",
    "language",
    "priority",
    "mediator",
    "state",
    "issued_at",
    "queued_at",
    "called_at",
    "started_at",
    "ended_at",
    "wait_s",
    "service_s",
    "counter_id",
    "recalls",
    "transfers",
    "estimated_wait_min",
)
REFUSAL_COLUMNS = ("centre", "at", "service", "language", "reason")
BATCH = 20_000
LANGUAGES = ("pt", "en", "pt", "pt", "fr", "es", "ar", "hi", "zh", "ru", "bn", "ro")
REASONS = ("cutoff", "daily_cap", "closed", "service_closed")


def open_days(calendar: Calendar, first: dt.date, days: int) -> list[dt.date]:
    """The days among `days` calendar days from `first` on which the centre opens."""
    every = (first + dt.timedelta(days=n) for n in range(days))
    return [day for day in every if calendar.hours_on(day) is not None]


def tickets(
    config: CentreConfig, centre: str, first: dt.date, days: int, total: int, seed: int
) -> Iterator[tuple[object, ...]]:
    """About `total` ticket rows spread over the open days of `days` days from `first`."""
    rng = random.Random(f"{seed}:{centre}")
    calendar = Calendar(config.centre)
    zone = ZoneInfo(config.centre.timezone)
    services = [(s.code, s.prefix, s.mean_service_min) for s in config.services]
    counters = [c.id for c in config.counters if c.kind == "counter"]
    days_open = open_days(calendar, first, days)
    per_day = total // max(1, len(days_open))
    serial = 0
    for day in days_open:
        hours = calendar.hours_on(day)
        assert hours is not None
        opening = dt.datetime.combine(day, hours.start, zone)
        length_s = (dt.datetime.combine(day, hours.end, zone) - opening).total_seconds() - 30 * 60
        numbers: dict[str, int] = {}
        for _ in range(per_day):
            serial += 1
            code, prefix, mean_service = services[rng.randrange(len(services))]
            numbers[prefix] = numbers.get(prefix, 0) + 1
            issued = (opening + dt.timedelta(seconds=rng.random() * length_s)).astimezone(dt.UTC)
            wait = dt.timedelta(minutes=rng.expovariate(1 / 18))
            roll = rng.random()
            state = "done" if roll < 0.85 else "no_show" if roll < 0.92 else "cancelled"
            called = started = ended = None
            if state != "cancelled":
                called = issued + wait
                started = called + dt.timedelta(seconds=40)
                ended = started + dt.timedelta(minutes=rng.expovariate(1 / mean_service))
                if state == "no_show":
                    started, ended = None, called + dt.timedelta(minutes=3)
            else:
                ended = issued + wait
            yield (
                centre,
                day,
                f"{prefix}{numbers[prefix]:03d}",
                f"{centre}-{serial}",
                code,
                LANGUAGES[rng.randrange(len(LANGUAGES))],
                "elderly" if rng.random() < 0.05 else None,
                rng.random() < 0.05,
                state,
                issued,
                issued,
                called,
                started,
                ended,
                elapsed_s(issued, called) if called else None,
                elapsed_s(started, ended) if state == "done" else None,
                counters[rng.randrange(len(counters))] if called else None,
                0,
                1 if rng.random() < 0.02 else 0,
                round(rng.expovariate(1 / 18), 1),
            )


def refusals(
    config: CentreConfig, centre: str, first: dt.date, days: int, total: int, seed: int
) -> Iterator[tuple[object, ...]]:
    """About `total` refusals, on open days."""
    rng = random.Random(f"refusals:{seed}:{centre}")
    calendar = Calendar(config.centre)
    days_open = open_days(calendar, first, days)
    codes = [s.code for s in config.services]
    for _ in range(total):
        day = days_open[rng.randrange(len(days_open))]
        at = calendar.at(day, dt.time(8, 30)) + dt.timedelta(seconds=rng.random() * 40_000)
        yield (centre, at, codes[rng.randrange(len(codes))], "pt", REASONS[rng.randrange(4)])


def write(engine: Engine, table: str, columns: tuple[str, ...], rows: Iterator[tuple]) -> int:
    """Write `rows` into `table` in bulk; returns how many."""
    if engine.dialect.name == "postgresql":
        return _copy(engine, table, columns, rows)
    return _executemany(engine, table, columns, rows)


def _executemany(engine: Engine, table: str, columns: tuple[str, ...], rows: Iterator) -> int:
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    count = 0
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        batch: list[tuple] = []
        for row in rows:
            batch.append(tuple(_sqlite(value) for value in row))
            if len(batch) == BATCH:
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)
            count += len(batch)
        raw.commit()
    finally:
        raw.close()
    return count


def _sqlite(value: object) -> object:
    """As SQLAlchemy stores it in SQLite: naive UTC text, ISO dates."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _copy(engine: Engine, table: str, columns: tuple[str, ...], rows: Iterator) -> int:
    count = 0
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        raw.commit()
    finally:
        raw.close()
    return count


def analyze(engine: Engine) -> None:
    """Fresh planner statistics after the bulk load."""
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
