"""Past weeks for the demo database: simulated days written as if they had happened.

Each open day before today runs through the simulator (`routing.simulator.Engine`: the real
router and domain functions on a virtual clock, the reference day model's visitors), then its
tickets, events and refusals, with the end of day's cancellations, are copied into the
database, with the demo staff of the same
usernames (agent3, mediator25, ...) as the people who served. The reports then have real
event histories to read.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from routing.centre import Centre
from routing.clock import VirtualClock
from routing.closing import close_day
from routing.config import CentreConfig
from routing.daymodel import DayModel
from routing.simulator import Engine, simulated_staff
from routing.store.memory import MemoryStore
from routing.store.models import Event, Refusal, Staff, Ticket

TICKET_COLUMNS = [c.key for c in Ticket.__table__.columns if c.key != "device_id"]
EVENT_COLUMNS = ("centre", "kind", "at", "counter_id", "data")


def fill_history(
    session: Session, config: CentreConfig, days: int, today: dt.date, seed: int = 1
) -> int:
    """Simulate the open days among the `days` before `today` into the database; returns the
    tickets written."""
    people = simulated_staff(config)
    usernames = {person.id: person.username for person in people.values()}
    known = dict(
        session.execute(
            select(Staff.username, Staff.id).where(Staff.centre == config.centre.code)
        ).all()
    )
    staff_ids = {sim_id: known.get(name) for sim_id, name in usernames.items()}
    clock = VirtualClock(
        dt.datetime.combine(today - dt.timedelta(days=days + 1), dt.time(), dt.UTC)
    )
    centre = Centre(config, clock)
    model = DayModel(config)
    next_id = (session.execute(select(func.max(Ticket.id))).scalar_one() or 0) + 1
    written = 0
    for offset in range(days, 0, -1):
        day = today - dt.timedelta(days=offset)
        hours = centre.calendar.hours_on(day)
        if hours is None:
            continue
        start, close = centre.calendar.at(day, hours.start), centre.calendar.at(day, hours.end)
        store = MemoryStore(centre.code)
        visitors = model.day(random.Random(f"{seed}:{day.isoformat()}"))
        Engine(centre, clock, people, start, close).run(store, visitors)
        clock.advance_to(max(clock.now(), close))
        close_day(store, centre)  # type: ignore[arg-type]
        next_id = _copy_day(session, store, staff_ids, next_id)
        written += sum(1 for event in store.events if event.kind == "issued")
    return written


def _copy_day(
    session: Session, store: MemoryStore, staff_ids: dict[int, int | None], next_id: int
) -> int:
    """Write one simulated day; returns the next free ticket id."""
    tickets: dict[int, Ticket] = {}
    for event in store.events:
        if event.ticket is not None:
            tickets.setdefault(event.ticket.id, event.ticket)
    ids = {memory_id: next_id + n for n, memory_id in enumerate(sorted(tickets))}
    rows: list[dict[str, Any]] = []
    for memory_id, ticket in tickets.items():
        row = {key: getattr(ticket, key) for key in TICKET_COLUMNS}
        row["id"] = ids[memory_id]
        row["staff_id"] = staff_ids.get(ticket.staff_id) if ticket.staff_id else None
        rows.append(row)
    if rows:
        session.execute(insert(Ticket), rows)
    events = [
        {
            **{key: getattr(event, key) for key in EVENT_COLUMNS},
            "ticket_id": ids.get(event.ticket_id) if event.ticket_id else None,
            "staff_id": staff_ids.get(event.staff_id) if event.staff_id else None,
        }
        for event in store.events
    ]
    if events:
        session.execute(insert(Event), events)
    refusals = [
        {
            "centre": r.centre,
            "at": r.at,
            "service": r.service,
            "language": r.language,
            "reason": r.reason,
        }
        for r in store.refusals
    ]
    if refusals:
        session.execute(insert(Refusal), refusals)
    return next_id + len(ids)
