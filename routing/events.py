"""Domain events: every change appends exactly one, at the centre's now."""

from __future__ import annotations

from typing import Any

from routing.centre import Centre
from routing.store.models import Event, Ticket
from routing.store.protocol import TicketStore


def record(
    store: TicketStore,
    centre: Centre,
    kind: str,
    *,
    ticket: Ticket | None = None,
    ticket_id: int | None = None,
    counter_id: int | None = None,
    staff_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> Event:
    """Append one event; published once the transaction commits.

    Name the `ticket` when it changed (the live feed reads it); `ticket_id` alone only links
    the event to a ticket that stayed as it was.
    """
    event = Event(
        centre=centre.code,
        kind=kind,
        at=centre.clock.now(),
        ticket=ticket,
        counter_id=counter_id,
        staff_id=staff_id,
        data=data or {},
    )
    if ticket is None:
        event.ticket_id = ticket_id
    return store.append(event)
