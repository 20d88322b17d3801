"""One contract, every store: SqlStore on SQLite and PostgreSQL, and MemoryStore.

The same domain actions run against each store and must get the same answers, so the
simulator and benchmarks (MemoryStore) measure what the app (SqlStore) does.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from onestop.db import Database
from routing import counters, tickets
from routing.centre import Centre
from routing.clock import VirtualClock
from routing.config import load_config
from routing.forecast import NEW_ID
from routing.states import CounterState, TicketState
from routing.store.memory import MemoryStore
from routing.store.models import Base, Device, Event, Refusal, Staff, Ticket
from routing.store.protocol import TicketStore
from routing.store.sql import SqlStore
from routing.tickets import Refused
from tests.factories.configs import REFERENCE_CONFIG

#: a Wednesday morning in winter (Lisbon = UTC): the centre is open
MORNING = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
DAY = MORNING.date()


@dataclass
class Backend:
    store: TicketStore
    put: Callable[[Base], None]


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "memory":
        memory = MemoryStore("lisboa")
        yield Backend(memory, memory.add)  # type: ignore[arg-type]
        return
    url = request.getfixturevalue(f"{request.param}_url")
    database = Database(url)
    database.upgrade()
    try:
        with database.session(write=True) as session:

            def put(row: Base) -> None:
                session.add(row)
                session.flush()

            yield Backend(SqlStore(session, "lisboa"), put)
    finally:
        database.dispose()


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock(MORNING)


@pytest.fixture
def centre(clock: VirtualClock) -> Centre:
    return Centre(load_config(REFERENCE_CONFIG), clock)


def _person(backend: Backend, username: str, services: list[str], languages=("pt",)) -> Staff:
    staff = Staff(
        centre="lisboa",
        username=username,
        password_hash="x",
        role="agent",
        services=services,
        languages=list(languages),
        active=True,
    )
    backend.put(staff)
    return staff


def _issue(store: TicketStore, centre: Centre, service: str, **extra) -> Ticket:
    ticket = tickets.issue(store, centre, service=service, language="pt", **extra)  # type: ignore[arg-type]
    assert isinstance(ticket, Ticket)
    return ticket


def _later(clock: VirtualClock, minutes: float) -> None:
    clock.advance_to(clock.now() + dt.timedelta(minutes=minutes))


def test_both_stores_offer_every_method_of_the_protocol() -> None:
    members = [
        name
        for name, value in vars(TicketStore).items()
        if callable(value) and not name.startswith("_")
    ]
    assert "waiting" in members and "claim" in members
    for store in (SqlStore, MemoryStore):
        for name in members:
            expected = inspect.signature(getattr(TicketStore, name))
            actual = inspect.signature(getattr(store, name))
            assert list(actual.parameters) == list(expected.parameters), (store, name)


def test_numbers_run_per_prefix_and_day(backend: Backend) -> None:
    store = backend.store
    assert [store.next_number("A", DAY) for _ in range(3)] == [1, 2, 3]
    assert store.next_number("B", DAY) == 1
    assert store.next_number("A", DAY + dt.timedelta(days=1)) == 1
    assert store.next_number("A", DAY) == 4


def test_issued_tickets_are_found_counted_and_queued_in_arrival_order(
    backend: Backend, centre: Centre, clock: VirtualClock
) -> None:
    store = backend.store
    first = _issue(store, centre, "residence-first")
    _later(clock, 1)
    second = _issue(store, centre, "residence-first", priority="pregnant")
    _later(clock, 1)
    tax = _issue(store, centre, "tax-number")
    assert (first.number, second.number, tax.number) == ("A001", "A002", "G001")
    assert first.id is not None and len({first.id, second.id, tax.id}) == 3
    assert store.ticket_by_token(second.token) is second
    assert store.ticket_by_token("nope") is None
    assert store.issued_on("residence-first", DAY) == 2
    assert store.issued_on("residence-first", DAY - dt.timedelta(days=1)) == 0
    assert (store.ahead(first), store.ahead(second), store.ahead(tax)) == (0, 1, 0)
    assert {t.id for t in store.waiting()} == {first.id, second.id, tax.id}
    assert {t.id for t in store.waiting(["residence-first"])} == {first.id, second.id}
    assert store.waiting(["nationality"]) == []
    assert store.waiting_since("residence-first", first.issued_at) == 1
    assert store.waiting_since("residence-first", second.issued_at) == 2
    assert store.waiting_since("tax-number", second.issued_at) == 0
    assert store.waiting_counts() == {
        "residence-first": (2, first.issued_at),
        "tax-number": (1, tax.issued_at),
    }
    assert [e.kind for e in store.events] == ["issued"] * 3
    assert store.events[0].ticket_id == first.id and store.events[0].id is not None


def test_counter_rows_are_created_closed_once(backend: Backend) -> None:
    store = backend.store
    assert store.counters() == []
    ghost = store.closed_counter(7)
    assert (ghost.id, ghost.state) == (7, CounterState.CLOSED)
    assert store.counters() == []
    row = store.counter(3, lock=True)
    assert (row.id, row.state, row.staff_id) == (3, CounterState.CLOSED, None)
    assert store.counter(3) is row
    assert [c.id for c in store.counters()] == [3]


def test_calls_serve_transfer_and_cancel_move_tickets_between_queues(
    backend: Backend, centre: Centre, clock: VirtualClock
) -> None:
    store = backend.store
    ana = _person(backend, "ana", ["residence-first", "residence-renewal"])
    rui = _person(backend, "rui", ["tax-number", "tax-returns"])
    counters.open_counter(store, centre, 3, ana)
    counters.open_counter(store, centre, 10, rui)
    first = _issue(store, centre, "residence-first")
    _later(clock, 1)
    second = _issue(store, centre, "residence-first")
    _later(clock, 1)
    leaving = _issue(store, centre, "tax-returns")
    assert store.held_by(3) is None and store.active_tickets() == []

    assert store.claim(first)
    called = tickets.call_next(store, centre, 3, ana)
    assert called is first and first.state == TicketState.CALLED
    assert store.held_by(3) is first and store.active_tickets() == [first]
    assert not store.claim(first)
    assert [t.id for t in store.waiting(["residence-first"])] == [second.id]
    assert store.ahead(second) == 0

    tickets.start(store, centre, 3, ana)
    tickets.transfer(store, centre, 3, ana, service="tax-number")
    assert store.held_by(3) is None and store.active_tickets() == []
    assert store.issued_on("tax-number", DAY) == 1
    assert store.issued_on("residence-first", DAY) == 1
    assert {t.id for t in store.waiting(["tax-number"])} == {first.id}

    tickets.cancel(store, centre, leaving, "left")
    assert store.waiting(["tax-returns"]) == []
    assert tickets.call_next(store, centre, 10, rui) is first
    tickets.finish(store, centre, 10, rui)
    assert store.held_by(10) is None and first.state == TicketState.DONE
    assert store.waiting_counts() == {"residence-first": (1, second.issued_at)}
    kinds = [e.kind for e in store.events]
    assert kinds[-4:] == ["transferred", "cancelled", "called", "finished"]


def test_a_ticket_keeps_its_wait_to_the_last_call_and_its_service_time(
    backend: Backend, centre: Centre, clock: VirtualClock
) -> None:
    """What the reports sum: seconds to the millisecond, half a millisecond rounded up."""
    store = backend.store
    ana = _person(backend, "ana", ["residence-first"])
    rui = _person(backend, "rui", ["tax-number"])
    counters.open_counter(store, centre, 3, ana)
    counters.open_counter(store, centre, 10, rui)
    moved = _issue(store, centre, "residence-first")
    absent = _issue(store, centre, "residence-first")
    clock.advance_to(MORNING + dt.timedelta(minutes=4, seconds=59, microseconds=998_500))
    tickets.call_next(store, centre, 3, ana)
    assert (moved.wait_s, moved.service_s) == (299.999, None)  # as PostgreSQL's ROUND does
    _later(clock, 1)
    tickets.recall(store, centre, 3, ana)
    tickets.start(store, centre, 3, ana)
    _later(clock, 2)
    assert moved.wait_s == 299.999
    tickets.transfer(store, centre, 3, ana, service="tax-number")
    assert (moved.wait_s, moved.service_s) == (None, None)
    clock.advance_to(MORNING + dt.timedelta(minutes=11, microseconds=400))
    assert tickets.call_next(store, centre, 10, rui) is moved
    assert tickets.call_next(store, centre, 3, ana) is absent
    tickets.no_show(store, centre, 3, ana)
    _later(clock, 4)
    tickets.finish(store, centre, 10, rui)  # never started: served from the call
    assert (moved.wait_s, moved.service_s) == (660.0, 240.0)
    assert (absent.wait_s, absent.service_s) == (660.0, None)


def test_a_ticket_sent_to_a_counter_is_in_its_snapshot_whatever_its_service(
    backend: Backend, centre: Centre
) -> None:
    store = backend.store
    ana = _person(backend, "ana", ["residence-first"])
    counters.open_counter(store, centre, 3, ana)
    sent = _issue(store, centre, "residence-first")
    tickets.call_next(store, centre, 3, ana)
    tickets.transfer(store, centre, 3, ana, to_counter=10)
    assert store.waiting(["tax-number"]) == []
    assert [t.id for t in store.waiting(["tax-number"], sent_to=10)] == [sent.id]
    assert store.waiting(["tax-number"], sent_to=11) == []


def test_lane_heads_are_the_earliest_of_each_lane_and_the_queue_holds_every_waiting_ticket(
    backend: Backend, centre: Centre, clock: VirtualClock
) -> None:
    store = backend.store
    first = _issue(store, centre, "residence-first")
    _later(clock, 1)
    _issue(store, centre, "residence-first")
    priority = _issue(store, centre, "residence-first", priority="elderly")
    _later(clock, 1)
    _issue(store, centre, "residence-first", priority="infant")
    creole = tickets.issue(store, centre, service="residence-first", language="kea", mediator=True)
    ukrainian = tickets.issue(
        store, centre, service="residence-first", language="uk", mediator=True
    )
    tax = _issue(store, centre, "tax-number")
    _issue(store, centre, "tax-number")
    heads = {t.id for t in store.lane_heads(["residence-first", "tax-returns"])}
    assert heads == {first.id, priority.id, creole.id, ukrainian.id}  # type: ignore[union-attr]
    assert {t.id for t in store.lane_heads(["tax-number"])} == {tax.id}
    assert store.lane_heads(["nationality"]) == []
    rows = store.queue()
    assert {row.id for row in rows} == {t.id for t in store.waiting()} and len(rows) == 8
    row = next(row for row in rows if row.id == creole.id)  # type: ignore[union-attr]
    assert (row.service, row.mediator, row.language, row.priority) == (
        "residence-first",
        True,
        "kea",
        None,
    )
    assert {row.id for row in store.floor(after=ukrainian.id)[1]} == {  # type: ignore[union-attr]
        t.id for t in store.waiting(["tax-number"])
    }
    ana = _person(backend, "ana", ["residence-first"])
    empty, _ = store.floor(after=NEW_ID)
    counters.open_counter(store, centre, 3, ana)
    opened, _ = store.floor(after=NEW_ID)
    assert tickets.call_next(store, centre, 3, ana) is priority
    called, _ = store.floor(after=NEW_ID)
    _issue(store, centre, "tax-number")
    assert store.floor(after=NEW_ID)[0] == called, "issuing changes no counter"
    assert len({empty, opened, called}) == 3, "opening and calling each change the floor"
    assert priority.id not in {row.id for row in store.floor(after=first.id)[1]}
    tickets.transfer(store, centre, 3, ana, to_counter=10)
    heads = {t.id for t in store.lane_heads(["residence-first"])}
    assert priority.id not in heads and len(heads) == 4
    assert {t.id for t in store.lane_heads(["tax-number"], sent_to=10)} == {tax.id, priority.id}


def test_seated_names_who_sits_at_each_open_or_paused_counter(
    backend: Backend, centre: Centre
) -> None:
    store = backend.store
    assert store.seated() == {}
    ana = _person(backend, "ana", ["residence-first"])
    rui = _person(backend, "rui", ["tax-number"])
    counters.open_counter(store, centre, 3, ana)
    counters.open_counter(store, centre, 10, rui)
    counters.pause(store, centre, 10, rui, "coffee")
    assert {k: v.username for k, v in store.seated().items()} == {3: "ana", 10: "rui"}
    counters.close(store, centre, 3, ana)
    assert list(store.seated()) == [10]


def test_refusals_are_recorded(backend: Backend, centre: Centre, clock: VirtualClock) -> None:
    clock.advance_to(MORNING.replace(hour=21))
    refused = tickets.issue(backend.store, centre, service="tax-number", language="pt")
    assert isinstance(refused, Refused) and refused.reason == "closed"
    refusal = Refusal(centre="lisboa", at=clock.now(), service="water", language="pt", reason="x")
    backend.store.add(refusal)
    assert refusal.id is not None


def test_staff_and_devices_are_found(backend: Backend) -> None:
    store = backend.store
    ana = _person(backend, "ana", [])
    other = Staff(centre="porto", username="ana", password_hash="x", role="agent")
    backend.put(other)
    device = Device(centre="lisboa", name="kiosk-1", kind="kiosk", key_hash="f" * 64)
    backend.put(device)
    assert store.staff(ana.id) is ana
    assert store.staff(other.id) is None
    assert store.staff_by_username("ana") is ana
    assert store.staff_by_username("bea") is None
    assert store.staff_names() == {ana.id: "ana"}
    found = store.device_by_key_hash("f" * 64)
    assert found is not None and (found.id, found.name, found.kind) == (
        device.id,
        "kiosk-1",
        "kiosk",
    )
    assert store.device_by_key_hash("0" * 64) is None


def test_appended_events_keep_their_order_and_ticket(backend: Backend, centre: Centre) -> None:
    ticket = _issue(backend.store, centre, "water")
    event = Event(centre="lisboa", kind="note", at=MORNING, ticket=ticket, data={"n": 1})
    assert backend.store.append(event) is event
    assert backend.store.events[-1] is event
