"""Migrations that rewrite rows: the tickets already stored come out as the core now writes them."""

from __future__ import annotations

import datetime as dt

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import create_engine, insert, select, text

from onestop.db import MIGRATIONS
from reports.metrics import WAIT_TENTHS
from routing.store.models import Ticket

ISSUED = dt.datetime(2026, 11, 25, 9, 0, 0, 250_000, tzinfo=dt.UTC)


def _migrate(url: str, revision: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            config = AlembicConfig()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def _ticket(number: int, state: str, **times: dt.datetime) -> dict[str, object]:
    return {
        "centre": "lisboa",
        "day": ISSUED.date(),
        "number": f"A{number:03d}",
        "token": f"token-{number}",
        "service": "residence-first",
        "language": "pt",
        "state": state,
        "issued_at": ISSUED,
        "queued_at": ISSUED,
        "called_at": None,
        "started_at": None,
        "ended_at": None,
        **times,
    }


def test_0005_gives_stored_tickets_their_wait_and_service_time(database_url: str) -> None:
    _migrate(database_url, "0004")
    called = ISSUED + dt.timedelta(minutes=17, seconds=3, milliseconds=125)
    started = called + dt.timedelta(seconds=40)
    ended = started + dt.timedelta(minutes=9, milliseconds=500)
    rows = [
        _ticket(1, "done", called_at=called, started_at=started, ended_at=ended),
        _ticket(2, "no_show", called_at=called, ended_at=called + dt.timedelta(minutes=3)),
        _ticket(3, "cancelled", ended_at=called),
        _ticket(4, "waiting"),
        _ticket(5, "called", called_at=called),
    ]
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(insert(Ticket.__table__), rows)
        _migrate(database_url, "head")
        with engine.connect() as connection:
            stored = connection.execute(
                select(Ticket.number, Ticket.wait_s, Ticket.service_s).order_by(Ticket.number)
            ).all()
    finally:
        engine.dispose()
    wait = 17 * 60 + 3.125
    assert [tuple(row) for row in stored] == [
        ("A001", wait, 9 * 60 + 0.5),
        ("A002", wait, None),
        ("A003", None, None),
        ("A004", None, None),
        ("A005", wait, None),
    ]


def test_0005_tells_postgres_how_few_tenths_of_a_minute_the_waits_take(postgres_url: str) -> None:
    """The reports group by the wait in tenths (WAIT_TENTHS): the planner must expect about
    as many groups as there are tenths, not one per ticket, or it sorts a national year on
    disk instead of hashing it."""
    _migrate(postgres_url, "head")
    rows = [
        {
            **_ticket(n, "called", called_at=ISSUED + dt.timedelta(milliseconds=37 * n)),
            "wait_s": 0.037 * n,
        }
        for n in range(1, 3001)
    ]
    engine = create_engine(postgres_url)
    try:
        with engine.begin() as connection:
            connection.execute(insert(Ticket.__table__), rows)
            connection.execute(text("ANALYZE tickets"))
            plan = connection.execute(
                text(
                    f"EXPLAIN (FORMAT JSON) SELECT centre, {WAIT_TENTHS['postgresql']} AS b,"
                    " COUNT(*) FROM tickets GROUP BY centre, b"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    assert plan[0]["Plan"]["Plan Rows"] < 100  # 19 tenths (0 to 1.8 minutes); 3,000 tickets
