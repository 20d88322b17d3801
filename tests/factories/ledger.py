"""Reading a database directly to check that numbering and the event log agree."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from routing.store.models import Event, Sequence, Ticket

NUMBER = re.compile(r"([A-Z]+)(\d+)")


def split_number(number: str) -> tuple[str, int]:
    """'A012' -> ('A', 12)."""
    match = NUMBER.fullmatch(number)
    assert match, f"malformed ticket number {number!r}"
    return match[1], int(match[2])


def numbers_by_prefix(session: Session) -> dict[tuple[dt.date, str], list[int]]:
    """Every issued number, grouped by (local day, prefix), in ascending order."""
    grouped: dict[tuple[dt.date, str], list[int]] = defaultdict(list)
    for day, number in session.execute(select(Ticket.day, Ticket.number)):
        prefix, value = split_number(number)
        grouped[day, prefix].append(value)
    return {key: sorted(values) for key, values in grouped.items()}


def assert_numbering_intact(session: Session) -> dict[tuple[dt.date, str], list[int]]:
    """Each (day, prefix) runs 1..N with no gap and no repeat, its sequence row stands at N,
    and every ticket has exactly one `issued` event: nothing was half-written."""
    grouped = numbers_by_prefix(session)
    for (day, prefix), values in grouped.items():
        assert values == list(range(1, len(values) + 1)), f"{prefix} on {day}: {values}"
    sequences = {
        (row.day, row.prefix): row.value for row in session.execute(select(Sequence)).scalars()
    }
    assert sequences == {key: len(values) for key, values in grouped.items()}
    issued = Counter(
        session.execute(select(Event.ticket_id).where(Event.kind == "issued")).scalars()
    )
    tickets = session.execute(select(func.count()).select_from(Ticket)).scalar_one()
    assert None not in issued
    assert len(issued) == tickets and set(issued.values()) <= {1}, "a ticket without one event"
    return grouped


#: the state each ticket event leaves its ticket in
STATE_AFTER = {
    "issued": "waiting",
    "called": "called",
    "recalled": "called",
    "started": "serving",
    "finished": "done",
    "no_show": "no_show",
    "transferred": "waiting",
    "cancelled": "cancelled",
}


def assert_states_match_events(session: Session) -> dict[int, str]:
    """Each ticket's state is the one its last event left it in (the row and its event are one
    transaction: neither half is ever written alone), each counter holds at most one called or
    serving ticket, and a called or serving ticket has its counter and call time. Returns the
    state of every ticket by id."""
    last: dict[int, str] = {}
    statement = (
        select(Event.ticket_id, Event.kind)
        .where(Event.kind.in_(STATE_AFTER), Event.ticket_id.is_not(None))
        .order_by(Event.id)
    )
    for ticket_id, kind in session.execute(statement):
        last[ticket_id] = STATE_AFTER[kind]
    states = {}
    held: Counter[int] = Counter()
    for ticket in session.execute(select(Ticket)).scalars():
        state = ticket.state.value
        said = last.get(ticket.id)
        assert said == state, f"{ticket.number} is {state}; its events say {said}"
        if state in ("called", "serving"):
            assert ticket.counter_id is not None and ticket.called_at is not None, ticket.number
            held[ticket.counter_id] += 1
        if state in ("done", "no_show", "cancelled"):
            assert ticket.ended_at is not None, ticket.number
        states[ticket.id] = state
    assert all(count == 1 for count in held.values()), f"a counter holds two tickets: {held}"
    return states
