"""A counter's day: who opens it, pauses (with a reason), resumes and closes it."""

from __future__ import annotations

from routing.centre import Centre
from routing.config import Counter as CounterConfig
from routing.events import record
from routing.states import CounterState, DomainError
from routing.store.models import Counter, Staff
from routing.store.sql import SqlStore

#: roles that may sit at each kind of counter
SEATED_ROLES = {"counter": frozenset({"agent"}), "mediator": frozenset({"mediator"})}


def counter_config(centre: Centre, counter_id: int) -> CounterConfig:
    """The configured counter; raises `DomainError('not_found')`."""
    try:
        return centre.config.counter(counter_id)
    except KeyError:
        raise DomainError("not_found", f"no counter {counter_id}") from None


def open_counter(store: SqlStore, centre: Centre, counter_id: int, staff: Staff) -> Counter:
    """`staff` takes the counter; raises `DomainError` `forbidden` or `counter_taken`."""
    config = counter_config(centre, counter_id)
    if staff.role not in SEATED_ROLES[config.kind]:
        raise DomainError("forbidden", f"a {staff.role} cannot open a {config.kind} counter")
    counter = store.counter(counter_id, lock=True)
    if counter.state != CounterState.CLOSED and counter.staff_id != staff.id:
        raise DomainError("counter_taken", "another person holds this counter")
    if counter.state != CounterState.CLOSED:
        return counter
    for other in store.counters():
        if other.staff_id == staff.id and other.state != CounterState.CLOSED:
            raise DomainError("counter_taken", f"you already hold counter {other.id}")
    return _set(store, centre, counter, CounterState.OPEN, staff, "opened")


def pause(
    store: SqlStore, centre: Centre, counter_id: int, staff: Staff, reason: str | None
) -> Counter:
    """A break; the reason is kept for the reports. Raises `counter_busy` while holding a ticket."""
    counter = _held(store, centre, counter_id, staff, CounterState.OPEN)
    counter.pause_reason = (reason or "break")[:200]
    return _set(store, centre, counter, CounterState.PAUSED, staff, "paused")


def resume(store: SqlStore, centre: Centre, counter_id: int, staff: Staff) -> Counter:
    """Back from a break."""
    counter = _held(store, centre, counter_id, staff, CounterState.PAUSED)
    counter.pause_reason = None
    return _set(store, centre, counter, CounterState.OPEN, staff, "resumed")


def close(store: SqlStore, centre: Centre, counter_id: int, staff: Staff) -> Counter:
    """Leave the counter; raises `counter_busy` while it still holds a ticket."""
    counter = _held(store, centre, counter_id, staff, None)
    counter.pause_reason = None
    counter.staff_id = None
    return _set(store, centre, counter, CounterState.CLOSED, staff, "closed")


def leave_all(store: SqlStore, centre: Centre, staff: Staff) -> list[Counter]:
    """Close every counter `staff` holds, as when their account is disabled: a counter left
    open by someone who can no longer sign in would count as staffed for good.

    Raises `counter_busy` while one of them still holds a ticket.
    """
    held = [
        c for c in store.counters() if c.staff_id == staff.id and c.state != CounterState.CLOSED
    ]
    for counter in held:
        if store.held_by(counter.id) is not None:
            message = f"{staff.username} still has a visitor at counter {counter.id}: the "
            message += "ticket must be finished or transferred first"
            raise DomainError("counter_busy", message)
    return [close(store, centre, counter.id, staff) for counter in held]


def held_counter(store: SqlStore, centre: Centre, counter_id: int, staff: Staff) -> Counter:
    """The counter's live row, locked, provided `staff` holds it.

    Raises `DomainError` `not_found`, `counter_closed` or `forbidden`.
    """
    counter_config(centre, counter_id)
    counter = store.counter(counter_id, lock=True)
    if counter.state == CounterState.CLOSED:
        raise DomainError("counter_closed", "the counter is closed")
    if counter.staff_id != staff.id:
        raise DomainError("forbidden", "another person holds this counter")
    return counter


def _held(
    store: SqlStore,
    centre: Centre,
    counter_id: int,
    staff: Staff,
    expected: CounterState | None,
) -> Counter:
    counter = held_counter(store, centre, counter_id, staff)
    if expected is not None and counter.state != expected:
        raise DomainError("invalid_state", f"the counter is {counter.state}, not {expected}")
    if store.held_by(counter_id) is not None:
        raise DomainError("counter_busy", "finish or transfer the current ticket first")
    return counter


def _set(
    store: SqlStore,
    centre: Centre,
    counter: Counter,
    state: CounterState,
    staff: Staff,
    kind: str,
) -> Counter:
    data = {"reason": counter.pause_reason} if state == CounterState.PAUSED else {}
    _move(store, centre, counter, state, staff.id, kind, data)
    if state != CounterState.CLOSED:
        counter.staff_id = staff.id
    return counter


def close_for_the_day(store: SqlStore, centre: Centre, counter: Counter) -> Counter:
    """The doors have closed: let the counter go, whoever held it."""
    _move(
        store,
        centre,
        counter,
        CounterState.CLOSED,
        counter.staff_id,
        "closed",
        {"reason": "closing"},
    )
    counter.staff_id = counter.pause_reason = None
    return counter


def _move(
    store: SqlStore,
    centre: Centre,
    counter: Counter,
    state: CounterState,
    staff_id: int | None,
    kind: str,
    data: dict[str, str | None],
) -> None:
    counter.state = state
    counter.since = centre.clock.now()
    record(store, centre, kind, counter_id=counter.id, staff_id=staff_id, data=data)
