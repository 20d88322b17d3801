"""End of day: once the doors have closed, the queue is emptied and counters are closed.

Nothing is deleted: waiting tickets become `cancelled` with the reason `closing`, and every
change is an event, so the day's refused and unserved demand stays in the reports. It is
safe to run repeatedly and from several processes: it only acts on what its day's closing
has passed for, inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt

from routing.centre import Centre
from routing.counters import close_for_the_day
from routing.states import CounterState
from routing.store.sql import SqlStore
from routing.tickets import cancel


def closed_since(centre: Centre, moment: dt.datetime, now: dt.datetime) -> bool:
    """Whether the centre's closing on the local day of `moment` lies at or before `now`."""
    closing = centre.calendar.closing(moment)
    if closing is None:
        return centre.calendar.local_day(moment) < centre.calendar.local_day(now)
    return closing <= now


def close_day(store: SqlStore, centre: Centre) -> tuple[int, int]:
    """Cancel tickets still waiting after their day closed and close counters left open.

    Counters that still hold a called or serving ticket stay open until their agent finishes.
    Returns how many tickets were cancelled and how many counters closed.
    """
    now = centre.clock.now()
    cancelled = 0
    for ticket in store.waiting():
        if closed_since(centre, ticket.issued_at, now):
            cancel(store, centre, ticket, "closing")
            cancelled += 1
    closed = 0
    for counter in store.counters():
        if counter.state == CounterState.CLOSED or not closed_since(centre, counter.since, now):
            continue
        if store.held_by(counter.id) is not None:
            continue
        close_for_the_day(store, centre, counter)
        closed += 1
    return cancelled, closed
