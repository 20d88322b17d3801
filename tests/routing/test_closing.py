"""At closing the queue empties with a reason, counters close, and the history stays."""

from __future__ import annotations

from freezegun import freeze_time
from sqlalchemy import func, select

from onestop.db import Database
from routing.centre import Centre
from routing.closing import close_day
from routing.config import load_config
from routing.counters import open_counter
from routing.states import CounterState, TicketState
from routing.store.models import Event, Staff, Ticket
from routing.store.sql import SqlStore
from routing.tickets import call_next, issue
from tests.factories.configs import REFERENCE_CONFIG


def _setup(url: str) -> tuple[Database, Centre]:
    db = Database(url)
    db.upgrade()
    return db, Centre(load_config(REFERENCE_CONFIG))


def _agent(store: SqlStore, name: str) -> Staff:
    staff = Staff(centre="lisboa", username=name, password_hash="x", role="agent")
    staff.services, staff.languages = ["residence-first"], ["pt"]
    store.session.add(staff)
    store.session.flush()
    return staff


def test_closing_cancels_the_waiting_and_closes_idle_counters(sqlite_url: str) -> None:
    db, centre = _setup(sqlite_url)
    with freeze_time("2026-11-25 19:30:00"), db.session(write=True) as session:
        store = SqlStore(session, "lisboa")
        for _ in range(3):
            issue(store, centre, service="residence-first", language="pt")
        ana, eva = _agent(store, "ana"), _agent(store, "eva")
        open_counter(store, centre, 3, ana)
        open_counter(store, centre, 4, eva)
        call_next(store, centre, 4, eva)

    with freeze_time("2026-11-25 19:59:59"), db.session(write=True) as session:
        assert close_day(SqlStore(session, "lisboa"), centre) == (0, 0)

    with freeze_time("2026-11-25 20:00:00"), db.session(write=True) as session:
        assert close_day(SqlStore(session, "lisboa"), centre) == (2, 1)

    with freeze_time("2026-11-25 20:05:00"), db.session(write=True) as session:
        store = SqlStore(session, "lisboa")
        assert close_day(store, centre) == (0, 0)
        states = session.execute(select(Ticket.number, Ticket.state).order_by(Ticket.number))
        assert list(states) == [
            ("A001", TicketState.CALLED),
            ("A002", TicketState.CANCELLED),
            ("A003", TicketState.CANCELLED),
        ]
        assert store.counter(3).state == CounterState.CLOSED
        assert store.counter(4).state == CounterState.OPEN  # still serving A001
        reasons = session.execute(
            select(Event.data).where(Event.kind == "cancelled").order_by(Event.id)
        ).scalars()
        assert [data["reason"] for data in reasons] == ["closing", "closing"]
        assert session.execute(select(func.count()).select_from(Ticket)).scalar_one() == 3


def test_a_restart_the_next_morning_clears_yesterday(sqlite_url: str) -> None:
    db, centre = _setup(sqlite_url)
    with freeze_time("2026-11-28 18:00:00"), db.session(write=True) as session:  # Saturday
        issue(SqlStore(session, "lisboa"), centre, service="residence-first", language="pt")
    with freeze_time("2026-11-30 08:31:00"), db.session(write=True) as session:  # Monday
        store = SqlStore(session, "lisboa")
        issue(store, centre, service="residence-first", language="pt")
        assert close_day(store, centre) == (1, 0)
        assert [t.number for t in store.waiting()] == ["A001"]
        assert store.waiting()[0].day.isoformat() == "2026-11-30"
