"""Many OS processes on one database at once: numbering and calling stay exact.

The processes are spawned (a fresh interpreter each, no shared connection or lock), so they
contend only through the database: BEGIN IMMEDIATE on SQLite, row locks and
FOR UPDATE SKIP LOCKED on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from onestop.accounts import add_staff
from onestop.db import Database
from routing.centre import Centre
from routing.config import load_config
from routing.counters import open_counter
from routing.states import TicketState
from routing.store.models import Event, Ticket
from routing.store.sql import SqlStore
from routing.tickets import Refused, issue
from tests.factories.configs import always_open, write_config
from tests.factories.ledger import assert_numbering_intact, split_number
from tests.routing import workers

pytestmark = pytest.mark.slow

PROCESSES = 8
TICKETS_EACH = 200
#: prefixes A, G and R: every prefix is contended, and the processes interleave all three
SERVICES = ["residence-first", "tax-number", "reception-triage"]
SEEDED = 400
COUNTERS = range(3, 3 + PROCESSES)
JOIN_TIMEOUT_S = 150


def _run_together(target: Callable[..., None], arguments: list[tuple[Any, ...]]) -> None:
    """Spawn one process per argument tuple, released together by a barrier; all must exit 0."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(arguments))
    processes = [context.Process(target=target, args=(barrier, *a)) for a in arguments]
    for process in processes:
        process.start()
    deadline = time.monotonic() + JOIN_TIMEOUT_S
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            process.kill()
            process.join()
    codes = [p.exitcode for p in processes]
    assert codes == [0] * len(processes), f"worker exit codes {codes}; tracebacks in stderr"


def test_8_processes_issuing_200_tickets_each_at_once_produce_1600_unique_numbers(
    database_url: str, tmp_path: Path
) -> None:
    config = always_open(tmp_path)
    db = Database(database_url)
    db.upgrade()
    db.dispose()
    # Each process starts at a different service, so at any moment all three prefixes are hit.
    plans = [SERVICES[i % 3 :] + SERVICES[: i % 3] for i in range(PROCESSES)]
    _run_together(
        workers.issue_tickets,
        [(database_url, config, plan, TICKETS_EACH) for plan in plans],
    )

    with db.session(write=False) as session:
        tickets = session.execute(select(Ticket)).scalars().all()
        numbering = assert_numbering_intact(session)
    db.dispose()
    assert len(tickets) == PROCESSES * TICKETS_EACH
    assert len({(t.day, t.number) for t in tickets}) == len(tickets)
    expected = Counter(plan[n % 3] for plan in plans for n in range(TICKETS_EACH))
    per_prefix = Counter()
    for (_day, prefix), values in numbering.items():
        per_prefix[prefix] += len(values)
    assert per_prefix == {
        "A": expected[SERVICES[0]],
        "G": expected[SERVICES[1]],
        "R": expected[SERVICES[2]],
    }
    # Number order is arrival order, so the queue (arrival, then id) calls A004 before A005.
    arrivals: dict[tuple[dt.date, str], list[tuple[dt.datetime, int]]] = defaultdict(list)
    for ticket in sorted(tickets, key=lambda t: split_number(t.number)[1]):
        arrivals[ticket.day, split_number(ticket.number)[0]].append((ticket.issued_at, ticket.id))
    assert [key for key, queue in arrivals.items() if queue != sorted(queue)] == []


def _counters_serving_residence_first(directory: Path) -> Path:
    """The always-open centre with counters 3..10 all serving residence-first (A)."""
    path = always_open(directory)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for counter in data["counters"]:
        if counter["id"] in COUNTERS and SERVICES[0] not in counter["services"]:
            counter["services"] = [SERVICES[0], *counter["services"]]
    return write_config(directory, data)


def test_8_counters_calling_next_at_once_never_get_the_same_ticket(
    database_url: str, tmp_path: Path
) -> None:
    config = _counters_serving_residence_first(tmp_path)
    centre = Centre(load_config(config))
    db = Database(database_url)
    db.upgrade()
    with db.session(write=True) as session:
        store = SqlStore(session, centre.code)
        for _ in range(SEEDED):
            assert not isinstance(issue(store, centre, service=SERVICES[0], language="pt"), Refused)
        seats = []
        for counter_id in COUNTERS:
            staff = add_staff(
                session, centre.config, f"agent{counter_id}", "secret", "agent", [SERVICES[0]]
            )
            open_counter(store, centre, counter_id, staff)
            seats.append((counter_id, staff.id))
    db.dispose()

    _run_together(
        workers.serve_counter,
        [(database_url, config, counter_id, staff_id) for counter_id, staff_id in seats],
    )

    with db.session(write=False) as session:
        tickets = session.execute(select(Ticket)).scalars().all()
        called = session.execute(
            select(Event.ticket_id, Event.counter_id).where(Event.kind == "called")
        ).all()
        finished = (
            session.execute(select(Event.ticket_id).where(Event.kind == "finished")).scalars().all()
        )
    db.dispose()
    assert len(tickets) == SEEDED
    assert {t.state for t in tickets} == {TicketState.DONE}
    assert len(called) == SEEDED
    assert sorted(ticket for ticket, _ in called) == sorted(t.id for t in tickets)
    assert sorted(finished) == sorted(t.id for t in tickets)
    # Every ticket ended at the counter whose call the log records.
    by_ticket = dict(called)
    assert all(by_ticket[t.id] == t.counter_id for t in tickets)
    # They really ran side by side: more than one counter got work.
    assert len({counter for _, counter in called}) > 1
