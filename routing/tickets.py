"""Everything that happens to a ticket: one function per action, one event per change.

Each function works inside the caller's transaction (the store), takes the time from the
centre's clock, checks the move against `routing.states.TRANSITIONS`, and appends exactly
one event. They raise `DomainError` and leave the store untouched when they refuse.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from routing import estimates
from routing.centre import Centre
from routing.clock import elapsed_s
from routing.config import Service
from routing.counters import held_counter
from routing.events import record
from routing.forecast import Newcomer, due, expected_calls, refresh, wait_min
from routing.router import Seat, best_first
from routing.states import CounterState, DomainError, Priority, TicketState, next_state
from routing.store.models import Refusal, Staff, Ticket
from routing.store.protocol import TicketStore
from routing.store.sql import SqlStore


@dataclass(frozen=True)
class Refused:
    """The kiosk's answer when no ticket can be issued; already recorded as a refusal."""

    reason: str
    message: str
    retry_at: dt.datetime | None


def service_of(centre: Centre, code: str) -> Service:
    """The configured service `code`; raises `DomainError('invalid')` for an unknown one."""
    try:
        return centre.config.service(code)
    except KeyError:
        raise DomainError("invalid", f"unknown service {code!r}") from None


def refusal_reason(
    store: SqlStore, centre: Centre, service: Service, now: dt.datetime, called: dt.datetime
) -> Refused | None:
    """Why the kiosk must refuse `service` now, or None when it may issue.

    `called` is when a visitor issued a ticket now would be called
    (`routing.forecast.expected_calls`): at or after the service's last call today, they would
    not be served (`cutoff`).
    """
    calendar = centre.calendar
    if not calendar.is_open(now):
        return Refused("closed", "the centre is closed", calendar.next_opening(now))
    if not calendar.is_open(now, service.hours):
        reopen = calendar.next_opening(now, service.hours)
        return Refused("service_closed", "this service is not open now", reopen)
    if estimates.serving_counters(centre, service, now) == 0:
        reopen = calendar.next_opening(calendar.closing(now) or now, service.hours)
        return Refused("service_closed", "this service is closed for today", reopen)
    day = calendar.local_day(now)
    if service.daily_cap is not None and store.issued_on(service.code, day) >= service.daily_cap:
        reopen = calendar.next_opening(calendar.closing(now) or now, service.hours)
        return Refused("daily_cap", "today's tickets for this service are gone", reopen)
    last_call = estimates.last_call(centre, service, now)
    if last_call is not None and called >= last_call:
        reopen = calendar.next_opening(calendar.closing(now) or now, service.hours)
        return Refused("cutoff", "the wait would run past closing time today", reopen)
    return None


def prepare_estimate(
    reading: Callable[[], AbstractContextManager[TicketStore]], centre: Centre
) -> None:
    """Replay the wait estimates ahead of issuing, in a read-only transaction of their own,
    when the replay kept is getting old (`routing.forecast.due`).

    On SQLite the issuing transaction holds the database's one write lock: a replay over
    thousands waiting inside it would hold every kiosk up, where bringing a kept one up to
    date does not.
    """
    now = centre.clock.now()
    if due(centre, now):
        with reading() as store:
            refresh(store, centre, now)


def issue(
    store: SqlStore,
    centre: Centre,
    *,
    service: str,
    language: str,
    priority: str | None = None,
    mediator: bool = False,
    device_id: int | None = None,
) -> Ticket | Refused:
    """Issue the day's next number for `service`, or record and return why not.

    Raises `DomainError('invalid')` for an unknown service, language or priority class.
    """
    now = centre.clock.now()
    chosen = service_of(centre, service)
    if language not in centre.config.language_codes:
        raise DomainError("invalid", f"unknown language {language!r}")
    if priority is not None and priority not in Priority.__members__.values():
        raise DomainError("invalid", f"unknown priority {priority!r}")
    # Counted before the sequence row is locked, so that lock is held for less time; no
    # earlier ticket can be missed, and the new ticket is the last of its queue.
    ahead = store.waiting_since(chosen.code, now)
    # Replayed before the sequence row is locked, for the same reason. The kiosk refuses by
    # when a visitor with no priority and no mediator would be called, as its list shows.
    newcomer = Newcomer(chosen, priority, mediator, language)
    regular, called = expected_calls(store, centre, [Newcomer(chosen), newcomer], now)
    refused = refusal_reason(store, centre, chosen, now, regular)
    if refused is not None:
        store.add(
            Refusal(
                centre=centre.code,
                at=now,
                service=chosen.code,
                language=language,
                reason=refused.reason,
                device_id=device_id,
            )
        )
        return refused
    estimate = wait_min(centre, called, now)
    day = centre.calendar.local_day(now)
    sequence = store.next_number(chosen.prefix, day)
    # Stamp the arrival only now that the number is drawn under the sequence's lock, so
    # that concurrent kiosks' arrival order (the queue's order) is their number order.
    now = centre.clock.now()
    ticket = Ticket(
        centre=centre.code,
        day=day,
        number=f"{chosen.prefix}{sequence:03d}",
        token=secrets.token_urlsafe(18),
        service=chosen.code,
        language=language,
        priority=None if chosen.priority_exempt else priority,
        mediator=mediator,
        state=TicketState.WAITING,
        issued_at=now,
        queued_at=now,
        recalls=0,
        transfers=0,
        estimated_wait_min=estimate,
        device_id=device_id,
    )
    store.insert(ticket)
    _log(store, centre, "issued", ticket, data={"number": ticket.number})
    # The kiosk shows the ticket's position at once: the count just made still holds.
    store.counted_ahead(ticket, ahead)
    return ticket


def position(store: SqlStore, ticket: Ticket) -> int | None:
    """1 for the next to be called in its queue; None once it has left the queue."""
    if ticket.state != TicketState.WAITING:
        return None
    return store.ahead(ticket) + 1


def call_next(store: SqlStore, centre: Centre, counter_id: int, staff: Staff) -> Ticket | None:
    """Call the best waiting ticket this counter may serve; None when nobody waits for it.

    Raises `DomainError` `counter_closed`, `forbidden` or `counter_busy`.
    """
    now = centre.clock.now()
    counter = held_counter(store, centre, counter_id, staff)
    config = centre.config.counter(counter_id)
    if counter.state != CounterState.OPEN or not centre.calendar.is_open(now, config.hours):
        raise DomainError("counter_closed", "the counter is not open now")
    if store.held_by(counter_id) is not None:
        raise DomainError("counter_busy", "finish or release the current ticket first")
    if staff.role == "mediator" and store.mediator_request_of(staff.id) is not None:
        raise DomainError("counter_busy", "finish the mediation you accepted first")
    seat = centre.seat(config, staff)
    ticket = _claim_best(store, centre, seat, now)
    if ticket is None:
        return None
    ticket.state = next_state("call", ticket.state)
    ticket.called_at = now
    ticket.wait_s = elapsed_s(ticket.issued_at, now)
    ticket.counter_id = counter_id
    ticket.staff_id = staff.id
    ticket.target_counter_id = None
    return _log(store, centre, "called", ticket, staff)


def _claim_best(store: SqlStore, centre: Centre, seat: Seat, now: dt.datetime) -> Ticket | None:
    """Claim the best ticket `seat` may call. The best is the head of some lane, so the heads
    are read first; only when another counter holds every head worth having (concurrent
    calls) is the whole queue read to find the next best."""
    counter_id = seat.counter.id
    heads = store.lane_heads(seat.services, sent_to=counter_id)
    for ticket in best_first(heads, seat, centre.policy, now):
        if store.claim(ticket):
            return ticket
    if not heads:
        return None
    waiting = store.waiting(seat.services, sent_to=counter_id)
    for ticket in best_first(waiting, seat, centre.policy, now):
        if store.claim(ticket):
            return ticket
    return None


def recall(store: SqlStore, centre: Centre, counter_id: int, staff: Staff) -> Ticket:
    """Announce the counter's called ticket again."""
    ticket = _current(store, centre, counter_id, staff)
    ticket.state = next_state("recall", ticket.state)
    ticket.recalls += 1
    return _log(store, centre, "recalled", ticket, staff, data={"recalls": ticket.recalls})


def start(store: SqlStore, centre: Centre, counter_id: int, staff: Staff) -> Ticket:
    """The visitor has arrived at the counter: service begins."""
    ticket = _current(store, centre, counter_id, staff)
    ticket.state = next_state("start", ticket.state)
    ticket.started_at = centre.clock.now()
    return _log(store, centre, "started", ticket, staff)


def finish(store: SqlStore, centre: Centre, counter_id: int, staff: Staff) -> Ticket:
    """Service is over. Finishing a ticket never started counts its service from the call."""
    ticket = _current(store, centre, counter_id, staff)
    ticket.state = next_state("finish", ticket.state)
    ticket.ended_at = centre.clock.now()
    ticket.started_at = ticket.started_at or ticket.called_at
    ticket.service_s = elapsed_s(ticket.started_at, ticket.ended_at)
    return _log(store, centre, "finished", ticket, staff)


def no_show(store: SqlStore, centre: Centre, counter_id: int, staff: Staff) -> Ticket:
    """The called visitor did not come."""
    ticket = _current(store, centre, counter_id, staff)
    ticket.state = next_state("no_show", ticket.state)
    ticket.ended_at = centre.clock.now()
    return _log(store, centre, "no_show", ticket, staff, data={"recalls": ticket.recalls})


def transfer(
    store: SqlStore,
    centre: Centre,
    counter_id: int,
    staff: Staff,
    *,
    service: str | None = None,
    to_counter: int | None = None,
    note: str | None = None,
) -> Ticket:
    """Send the counter's ticket back to the queue of another service or to one counter.

    It keeps its number, its visit and its arrival time. Raises `DomainError('invalid')`
    unless exactly one destination is named and it exists.
    """
    if (service is None) == (to_counter is None):
        raise DomainError("invalid", "name either a service or a counter to transfer to")
    ticket = _current(store, centre, counter_id, staff)
    data: dict[str, Any] = {"from_service": ticket.service, "from_counter": counter_id}
    if service is not None:
        ticket.service = service_of(centre, service).code
        data["to_service"] = ticket.service
    else:
        try:
            destination = centre.config.counter(to_counter)  # type: ignore[arg-type]
        except KeyError:
            raise DomainError("invalid", f"unknown counter {to_counter!r}") from None
        ticket.target_counter_id = destination.id
        data["to_counter"] = destination.id
    if note:
        data["note"] = note[:500]
    ticket.state = next_state("transfer", ticket.state)
    ticket.queued_at = centre.clock.now()
    ticket.transfers += 1
    ticket.counter_id = None
    ticket.called_at = ticket.started_at = ticket.wait_s = None
    ticket.recalls = 0
    return _log(store, centre, "transferred", ticket, staff, counter_id=counter_id, data=data)


def cancel(store: SqlStore, centre: Centre, ticket: Ticket, reason: str) -> Ticket:
    """Take a waiting ticket out of the queue (the visitor left, or the day closed)."""
    ticket.state = next_state("cancel", ticket.state)
    ticket.ended_at = centre.clock.now()
    return _log(store, centre, "cancelled", ticket, data={"reason": reason})


def _current(store: SqlStore, centre: Centre, counter_id: int, staff: Staff) -> Ticket:
    held_counter(store, centre, counter_id, staff)
    ticket = store.held_by(counter_id)
    if ticket is None:
        raise DomainError("no_ticket", "this counter has no called ticket")
    return ticket


def _log(
    store: SqlStore,
    centre: Centre,
    kind: str,
    ticket: Ticket,
    staff: Staff | None = None,
    *,
    counter_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> Ticket:
    record(
        store,
        centre,
        kind,
        ticket=ticket,
        counter_id=counter_id or ticket.counter_id,
        staff_id=staff.id if staff else None,
        data=data,
    )
    return ticket
