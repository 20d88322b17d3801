"""The bridge from committed domain events to Socket.IO rooms.

A client names its room in the connect payload, so it rejoins after every reconnect, and
fetches a fresh snapshot over HTTP: an event says "something changed", the snapshot says
what is true. Room names are built here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import socketio as python_socketio
from flask_socketio import ConnectionRefusedError, join_room

from onestop.extensions import socketio
from onestop.notices import QueueNotices
from routing.centre import Centre
from routing.store.models import Event, Ticket

MANAGERS = "managers"
CALL_KINDS = ("called", "recalled")
#: events that change how many wait for a service: displays of the zones serving it re-read
QUEUE_KINDS = frozenset({"issued", "called", "transferred", "cancelled"})


def display_room(zone: str) -> str:
    return f"display:{zone}"


def counter_room(counter_id: int) -> str:
    return f"counter:{counter_id}"


def queue_room(service: str) -> str:
    """The phones of visitors waiting for `service`: told when their queue moves."""
    return f"queue:{service}"


def ticket_room(token: str) -> str:
    return f"ticket:{token}"


def publish(centre: Centre, notices: QueueNotices, events: list[Event]) -> None:
    """Emit each committed event to the rooms that care about it; word of queue changes to
    the displays goes through `notices`, which holds it a moment."""
    for event in events:
        ticket = event.ticket
        if ticket is not None:
            socketio.emit(
                "ticket",
                {"number": ticket.number, "state": ticket.state.value, "kind": event.kind},
                to=ticket_room(ticket.token),
            )
            _to_displays(centre, notices, event, ticket)
        if event.counter_id is not None:
            socketio.emit("counter", {"kind": event.kind}, to=counter_room(event.counter_id))
        for mediator_counter in event.data.get("notify", ()):
            socketio.emit("mediation", event.data, to=counter_room(mediator_counter))
        socketio.emit("floor", {"kind": event.kind}, to=MANAGERS)


def _to_displays(centre: Centre, notices: QueueNotices, event: Event, ticket: Ticket) -> None:
    """A call to its zone's displays; word of a queue change to the zones serving the service.

    A display told of a call re-reads its snapshot anyway, so it gets no `queue` on top, now
    or held from earlier: that would double the fan-out of every call.
    """
    called_zone = None
    if event.kind in CALL_KINDS and ticket.counter_id:
        counter = centre.config.counter(ticket.counter_id)
        socketio.emit(
            "called",
            {
                "id": event.id,
                "number": ticket.number,
                "counter": counter.name,
                "counter_id": counter.id,
                "service": ticket.service,
                "language": ticket.language,
                "recall": event.kind == "recalled",
                "at": event.at.isoformat(),
            },
            to=display_room(counter.zone),
        )
        notices.drop(counter.zone)
        called_zone = counter.zone
    if event.kind in QUEUE_KINDS:
        services = {ticket.service, event.data.get("from_service")}
        for zone in _zones_serving(centre, services) - {called_zone}:
            notices.note(zone, event.kind)
        for service in services - {None}:
            socketio.emit("queue", {"kind": event.kind}, to=queue_room(service))


def tell_zone(server: python_socketio.Server, zone: str, kind: str) -> None:
    """Word of a queue change to `zone`'s displays, through the Socket.IO server of the app
    that noted it: a held notice must not reach another app's clients (tests build many)."""
    server.emit("queue", {"kind": kind}, to=display_room(zone), namespace="/")


def _zones_serving(centre: Centre, services: set[str | None]) -> set[str]:
    return {c.zone for c in centre.config.counters if services.intersection(c.services)}


def join(auth: Any, centre: Centre, staff_role: str | None, holds: Callable[[int], bool]) -> None:
    """Put a new connection in the room its connect payload names; refuse what it may not see."""
    if not isinstance(auth, dict):
        raise ConnectionRefusedError("name a room: display, ticket, counter or floor")
    zones = {zone.code for zone in centre.config.zones}
    if "display" in auth:
        if auth["display"] not in zones:
            raise ConnectionRefusedError("unknown zone")
        join_room(display_room(auth["display"]))
    elif "ticket" in auth and isinstance(auth["ticket"], str):
        join_room(ticket_room(auth["ticket"]))
        if auth.get("service") in {service.code for service in centre.config.services}:
            join_room(queue_room(auth["service"]))
    elif "counter" in auth and _may_watch(auth["counter"], staff_role, holds):
        join_room(counter_room(int(auth["counter"])))
    elif "floor" in auth and staff_role in ("manager", "admin"):
        join_room(MANAGERS)
    else:
        raise ConnectionRefusedError("not allowed")


def _may_watch(counter: Any, staff_role: str | None, holds: Callable[[int], bool]) -> bool:
    """A counter's room is for the person who holds it, and for managers."""
    if staff_role is None or not isinstance(counter, int | str) or not str(counter).isdigit():
        return False
    return staff_role in ("manager", "admin") or holds(int(counter))
