"""What a console reads besides the shared shapes: its counter's queue and a person's day.

Counts only: the queue a console shows names no visitor, and a person's day is read from
the event log, which records who did what and when.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter as Tally
from dataclasses import asdict, dataclass
from statistics import fmean
from typing import Any

from sqlalchemy import select

from routing.centre import Centre
from routing.config import Counter as CounterConfig
from routing.forecast import service_calls, wait_min
from routing.router import eligible
from routing.store.models import Event, Staff, Ticket
from routing.store.sql import SqlStore

#: events of a person's day, in the order they happened
DAY_KINDS = ("finished", "no_show", "transferred", "paused", "resumed", "closed")


def _minutes(delta: dt.timedelta) -> float:
    return round(delta.total_seconds() / 60, 1)


def counter_queue(
    store: SqlStore, centre: Centre, config: CounterConfig, holder: Staff | None, now: dt.datetime
) -> dict[str, Any]:
    """Per service of the counter: how many wait, how many its holder may call, the oldest
    wait and the estimate; and the mediated tickets it may call, by language."""
    waiting = store.waiting()
    seat = centre.seat(config, holder) if holder is not None else None
    callable_here = [t for t in waiting if seat is not None and eligible(t, seat)]
    services = []
    expected = service_calls(
        store, centre, [centre.config.service(c) for c in config.services], now
    )
    for code in config.services:
        queued = [t for t in waiting if t.service == code]
        oldest = min((t.issued_at for t in queued), default=None)
        services.append(
            {
                "code": code,
                "waiting": len(queued),
                "callable": sum(1 for t in callable_here if t.service == code),
                "oldest_wait_min": _minutes(now - oldest) if oldest else 0.0,
                "estimated_wait_min": wait_min(centre, expected[code], now),
            }
        )
    mediated = Tally(t.language for t in callable_here if t.mediator)
    return {
        "services": services,
        "sent_here": sum(1 for t in waiting if t.target_counter_id == config.id),
        "callable": len(callable_here),
        "mediated": [{"language": code, "waiting": n} for code, n in sorted(mediated.items())],
    }


@dataclass(frozen=True)
class Day:
    """A person's figures since the centre's local midnight."""

    day: str
    served: int
    no_show: int
    transferred: int
    mean_service_min: float | None
    paused_min: float


def person_day(store: SqlStore, centre: Centre, staff_id: int, now: dt.datetime) -> dict[str, Any]:
    """What `staff_id` has done today: served, no-shows, transfers, mean service, breaks."""
    day = centre.calendar.local_day(now)
    midnight = centre.calendar.at(day, dt.time())
    statement = (
        select(Event.kind, Event.at, Event.ticket_id)
        .where(
            Event.centre == store.centre,
            Event.staff_id == staff_id,
            Event.at >= midnight,
            Event.kind.in_(DAY_KINDS),
        )
        .order_by(Event.at, Event.id)
    )
    events = list(store.session.execute(statement))
    kinds = Tally(event.kind for event in events)
    finished = [event.ticket_id for event in events if event.kind == "finished"]
    durations = []
    if finished:
        spans = select(Ticket.started_at, Ticket.ended_at).where(Ticket.id.in_(finished))
        for started, ended in store.session.execute(spans):
            if started is not None and ended is not None:
                durations.append((ended - started).total_seconds() / 60)
    paused = dt.timedelta()
    since: dt.datetime | None = None
    for event in events:
        if event.kind == "paused":
            since = event.at
        elif event.kind in ("resumed", "closed") and since is not None:
            paused += event.at - since
            since = None
    if since is not None:
        paused += now - since
    figures = Day(
        day=day.isoformat(),
        served=kinds["finished"],
        no_show=kinds["no_show"],
        transferred=kinds["transferred"],
        mean_service_min=round(fmean(durations), 1) if durations else None,
        paused_min=_minutes(paused),
    )
    return asdict(figures)
