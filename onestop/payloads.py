"""The JSON shapes of API.md, built in one place for every room."""

from __future__ import annotations

from typing import Any

from routing.centre import Centre
from routing.store.models import Counter, Ticket
from routing.store.sql import SqlStore
from routing.tickets import position


def ticket_json(store: SqlStore, centre: Centre, ticket: Ticket) -> dict[str, Any]:
    """A ticket as staff and kiosks see it."""
    return {
        "id": ticket.id,
        "number": ticket.number,
        "service": ticket.service,
        "language": ticket.language,
        "priority": ticket.priority,
        "mediator": ticket.mediator,
        "state": ticket.state.value,
        "position": position(store, ticket),
        "estimated_wait_min": ticket.estimated_wait_min,
        "issued_at": ticket.issued_at.isoformat(),
        "called_at": ticket.called_at.isoformat() if ticket.called_at else None,
        "counter": counter_name(centre, ticket.counter_id),
        "recalls": ticket.recalls,
        "transfers": ticket.transfers,
        "token": ticket.token,
        "status_url": f"/t/{ticket.token}",
    }


def ticket_status_json(store: SqlStore, centre: Centre, ticket: Ticket) -> dict[str, Any]:
    """A ticket as its visitor's phone sees it: no one else's data."""
    return {
        "number": ticket.number,
        "service": ticket.service,
        "state": ticket.state.value,
        "position": position(store, ticket),
        "estimated_wait_min": ticket.estimated_wait_min,
        "counter": counter_name(centre, ticket.counter_id),
    }


def counter_name(centre: Centre, counter_id: int | None) -> str | None:
    return centre.config.counter(counter_id).name if counter_id is not None else None


def counter_json(
    centre: Centre, counter: Counter, held: Ticket | None, staff_name: str | None
) -> dict[str, Any]:
    """A counter with its live state: closed, open, paused, calling or serving."""
    config = centre.config.counter(counter.id)
    state = counter.state.value
    if held is not None:
        state = "serving" if held.state == "serving" else "calling"
    return {
        "id": config.id,
        "name": config.name,
        "kind": config.kind,
        "zone": config.zone,
        "state": state,
        "staff": staff_name,
        "services": config.services,
        "pause_reason": counter.pause_reason,
    }
