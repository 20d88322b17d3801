"""Issuing through the store's Core statements: the row, the event and the session agree."""

from __future__ import annotations

import pytest
from sqlalchemy import func, inspect, select

from onestop.db import Database
from routing.centre import Centre
from routing.config import load_config
from routing.states import TicketState
from routing.store.models import Event, Ticket
from routing.store.sql import SqlStore
from routing.tickets import cancel, issue, position
from tests.factories.configs import REFERENCE_CONFIG


@pytest.fixture
def centre() -> Centre:
    return Centre(load_config(REFERENCE_CONFIG))


def _issue(store: SqlStore, centre: Centre, service: str = "residence-first") -> Ticket:
    ticket = issue(store, centre, service=service, language="pt")
    assert isinstance(ticket, Ticket)
    return ticket


def test_issued_ticket_is_written_once_and_kept_in_the_session(
    database: Database, centre: Centre, open_day: None
) -> None:
    with database.session(write=True) as session:
        store = SqlStore(session, centre.code)
        first = _issue(store, centre)
        second = _issue(store, centre)
        assert inspect(second).persistent and second in session
        assert not session.new and not session.dirty
        assert [e.kind for e in store.events] == ["issued", "issued"]
        assert store.events[1].ticket is second and store.events[1].id is not None
    # No counter is open yet, so every counter in its hours counts as free: both called now.
    assert (first.estimated_wait_min, second.estimated_wait_min) == (0.0, 0.0)
    assert second.state == TicketState.WAITING

    with database.session(write=False) as session:
        rows = session.execute(select(Ticket).order_by(Ticket.id)).scalars().all()
        events = session.execute(select(Event).order_by(Event.id)).scalars().all()
    assert [(t.id, t.number, t.estimated_wait_min, t.recalls) for t in rows] == [
        (first.id, "A001", 0.0, 0),
        (second.id, "A002", second.estimated_wait_min, 0),
    ]
    assert [(e.kind, e.ticket_id, e.data) for e in events] == [
        ("issued", first.id, {"number": "A001"}),
        ("issued", second.id, {"number": "A002"}),
    ]


def test_issue_then_cancel_in_one_transaction(
    database: Database, centre: Centre, open_day: None
) -> None:
    with database.session(write=True) as session:
        store = SqlStore(session, centre.code)
        ticket = _issue(store, centre)
        cancel(store, centre, ticket, "visitor")
    with database.session(write=False) as session:
        states = session.execute(select(Ticket.state)).scalars().all()
        kinds = session.execute(select(Event.kind).order_by(Event.id)).scalars().all()
    assert states == [TicketState.CANCELLED]
    assert kinds == ["issued", "cancelled"]


def test_position_follows_changes_later_in_the_same_transaction(
    database: Database, centre: Centre, open_day: None
) -> None:
    with database.session(write=True) as session:
        store = SqlStore(session, centre.code)
        first, second = _issue(store, centre), _issue(store, centre)
        other = _issue(store, centre, "tax-number")
        assert (position(store, first), position(store, second), position(store, other)) == (
            1,
            2,
            1,
        )
        cancel(store, centre, first, "visitor")
        assert (position(store, first), position(store, second)) == (None, 1)
    with database.session(write=False) as session:
        store = SqlStore(session, centre.code)
        assert position(store, session.get(Ticket, second.id)) == 1
        assert session.execute(select(func.count()).select_from(Event)).scalar_one() == 4
