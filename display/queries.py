"""What a display reads from the store: the latest calls of its zone, from the event log.

The event log, not the tickets' current state, because a display shows calls as they were
made: a recall is a second call, and a ticket called then transferred was still called.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.store.models import Event, Ticket

CALL_KINDS = ("called", "recalled")


@dataclass(frozen=True)
class Call:
    """One call or recall of a ticket to a counter."""

    event_id: int
    at: dt.datetime
    recall: bool
    counter_id: int
    number: str
    service: str
    language: str


def recent_calls(
    session: Session,
    centre: str,
    counter_ids: Collection[int],
    since: dt.datetime,
    limit: int,
) -> list[Call]:
    """The last `limit` calls at these counters since `since`, newest first."""
    statement = (
        select(
            Event.id,
            Event.at,
            Event.kind,
            Event.counter_id,
            Ticket.number,
            Ticket.service,
            Ticket.language,
        )
        .join(Ticket, Event.ticket_id == Ticket.id)
        .where(
            Event.centre == centre,
            Event.at >= since,
            Event.kind.in_(CALL_KINDS),
            Event.counter_id.in_(list(counter_ids)),
        )
        .order_by(Event.at.desc(), Event.id.desc())
        .limit(limit)
    )
    return [
        Call(
            event_id=row.id,
            at=row.at,
            recall=row.kind == "recalled",
            counter_id=row.counter_id,
            number=row.number,
            service=row.service,
            language=row.language,
        )
        for row in session.execute(statement)
    ]
