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
