"""Counters asking for a mediator: a request in a language, routed to free mediators who speak it.

A request waits until a mediator accepts it; only a mediator who sits at an open mediator
counter, speaks the language and is not busy (with a called ticket or another request) may.
`done` returns the mediator to the pool.
"""

from __future__ import annotations

from typing import Any

from routing.centre import Centre
from routing.counters import held_counter
from routing.events import record
from routing.states import CounterState, DomainError
from routing.store.models import MediationRequest, Staff
from routing.store.sql import SqlStore

WAITING, ACCEPTED, DONE, CANCELLED = "waiting", "accepted", "done", "cancelled"


def free_mediators(store: SqlStore, centre: Centre, language: str) -> list[int]:
    """Mediator counters open now whose mediator speaks `language` and is not busy."""
    free = []
    for counter in store.counters():
        config = centre.config.counter(counter.id)
        if config.kind != "mediator" or counter.state != CounterState.OPEN:
            continue
        mediator = store.staff(counter.staff_id) if counter.staff_id else None
        if mediator is None or language not in mediator.languages:
            continue
        if store.held_by(counter.id) is None and store.mediator_request_of(mediator.id) is None:
            free.append(counter.id)
    return free


def request_mediator(
    store: SqlStore,
    centre: Centre,
    counter_id: int,
    staff: Staff,
    language: str,
    note: str | None = None,
) -> MediationRequest:
    """Ask for a mediator at `counter_id`, which `staff` must hold.

    Raises `DomainError` `invalid` (unknown language), `forbidden`, `counter_closed` or
    `already_requested` (this counter has a request open).
    """
    if language not in centre.config.language_codes:
        raise DomainError("invalid", f"unknown language {language!r}")
    held_counter(store, centre, counter_id, staff)
    if any(r.counter_id == counter_id for r in store.mediation_requests((WAITING, ACCEPTED))):
        raise DomainError("already_requested", "this counter is already waiting for a mediator")
    held = store.held_by(counter_id)
    request = MediationRequest(
        centre=centre.code,
        language=language,
        state=WAITING,
        counter_id=counter_id,
        staff_id=staff.id,
        ticket_id=held.id if held else None,
        requested_at=centre.clock.now(),
        note=(note or None) and note[:500],
    )
    store.add(request)
    notify = free_mediators(store, centre, language)
    return _log(store, centre, "mediation_requested", request, staff, notify=notify)


def accept(store: SqlStore, centre: Centre, request_id: int, staff: Staff) -> MediationRequest:
    """A free mediator takes a waiting request; raises `request_taken` if someone was faster."""
    request = _request(store, request_id)
    seat = next(
        (
            c
            for c in store.counters()
            if c.staff_id == staff.id
            and c.state == CounterState.OPEN
            and centre.config.counter(c.id).kind == "mediator"
        ),
        None,
    )
    if staff.role != "mediator" or seat is None:
        raise DomainError("forbidden", "open a mediator counter first")
    if request.language not in staff.languages:
        raise DomainError("forbidden", f"you are not listed as speaking {request.language!r}")
    if request.state != WAITING:
        raise DomainError("request_taken", "another mediator has taken this request")
    if store.held_by(seat.id) is not None or store.mediator_request_of(staff.id) is not None:
        raise DomainError("counter_busy", "finish your current visitor or request first")
    request.state = ACCEPTED
    request.accepted_at = centre.clock.now()
    request.mediator_id = staff.id
    request.mediator_counter_id = seat.id
    return _log(store, centre, "mediation_accepted", request, staff)


def finish(store: SqlStore, centre: Centre, request_id: int, staff: Staff) -> MediationRequest:
    """The mediator is done and returns to the pool."""
    request = _request(store, request_id)
    if request.mediator_id != staff.id or request.state != ACCEPTED:
        raise DomainError("forbidden", "only the mediator who accepted it may finish it")
    request.state = DONE
    request.ended_at = centre.clock.now()
    return _log(store, centre, "mediation_done", request, staff)


def cancel(store: SqlStore, centre: Centre, request_id: int, staff: Staff) -> MediationRequest:
    """The asking counter no longer needs a mediator."""
    request = _request(store, request_id)
    if request.staff_id != staff.id:
        raise DomainError("forbidden", "only the person who asked may cancel")
    if request.state not in (WAITING, ACCEPTED):
        raise DomainError("invalid_state", f"the request is already {request.state}")
    request.state = CANCELLED
    request.ended_at = centre.clock.now()
    return _log(store, centre, "mediation_cancelled", request, staff)


def _request(store: SqlStore, request_id: int) -> MediationRequest:
    request = store.mediation_request(request_id, lock=True)
    if request is None:
        raise DomainError("not_found", f"no mediation request {request_id}")
    return request


def _log(
    store: SqlStore,
    centre: Centre,
    kind: str,
    request: MediationRequest,
    staff: Staff,
    **extra: Any,
) -> MediationRequest:
    data = {
        "request": request.id,
        "language": request.language,
        "mediator_counter": request.mediator_counter_id,
        **extra,
    }
    record(
        store,
        centre,
        kind,
        ticket_id=request.ticket_id,
        counter_id=request.counter_id,
        staff_id=staff.id,
        data=data,
    )
    return request
