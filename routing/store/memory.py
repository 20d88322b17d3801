"""The store in memory: the same rows and answers as `SqlStore`, for the simulator and benchmarks.

Rows are the model classes themselves, kept as transient SQLAlchemy objects (plain objects
with ids assigned here and the models' Python-side defaults applied). The domain changes a
ticket by setting its attributes and then appending exactly one event naming it; the store
re-files the ticket in its indices on that event, so a counter's snapshot is read from an
index of the waiting tickets per service instead of a scan, and a counter's best ticket
from the heads of the lanes (a heap each) instead of the whole queue.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from collections import Counter as Tally
from collections.abc import Collection, Hashable
from functools import cache
from typing import Any

from sqlalchemy import inspect

from routing.router import Waiting, snapshot
from routing.states import ACTIVE, CounterState, TicketState
from routing.store.models import (
    Base,
    Counter,
    Device,
    Event,
    MediationRequest,
    Refusal,
    Staff,
    Ticket,
)

#: a lane's heap entry: (arrival, ticket id, ticket)
_Entry = tuple[dt.datetime, int, Ticket]


@cache
def _defaults(model: type[Base]) -> tuple[tuple[str, Any, bool], ...]:
    """(attribute, default, is_callable) for every column of `model`; None where it has none."""
    columns = []
    for column in inspect(model).columns:
        default = column.default
        if default is not None and (default.is_callable or default.is_scalar):
            columns.append((column.key, default.arg, default.is_callable))
        else:
            columns.append((column.key, None, False))
    return tuple(columns)


def _fill_defaults(row: Base) -> None:
    """Give every column left unset the value a flush and a reload would give it.

    Besides applying the models' defaults, this sets the rest to None: an attribute that was
    never set takes SQLAlchemy's slow path on every read, and routers read them a lot.
    """
    state = vars(row)
    for key, value, is_callable in _defaults(type(row)):
        if state.get(key) is None:
            setattr(row, key, value(None) if is_callable else value)


class MemoryStore:
    """One centre's rows in memory; one instance lives as long as the caller wants."""

    def __init__(self, centre: str) -> None:
        self.centre = centre
        #: every event appended, in order
        self.events: list[Event] = []
        self._ids: dict[type, itertools.count[int]] = {}
        self._sequences: dict[tuple[str, dt.date], int] = {}
        self._tickets: dict[int, Ticket] = {}
        self._tokens: dict[str, Ticket] = {}
        self._refusals: list[Refusal] = []
        self._counters: dict[int, Counter] = {}
        self._staff: dict[int, Staff] = {}
        self._devices: dict[int, Device] = {}
        # indices, refreshed by `_file` whenever a ticket is added or an event names it
        self._waiting: dict[str, dict[int, Ticket]] = {}
        self._active: dict[int, Ticket] = {}
        self._held: dict[int, Ticket] = {}
        self._filed: dict[int, tuple[str, dt.date, TicketState, int | None, int | None]] = {}
        #: waiting tickets sent to one counter, by that counter
        self._sent: dict[int, dict[int, Ticket]] = {}
        #: service -> (priority claimed, mediation language) -> heap of (arrival, id, ticket)
        #: of the waiting tickets sent to no counter; entries stay until they reach the top,
        #: and count only while `_lane_at` still files the ticket there
        self._lanes: dict[str, dict[tuple[bool, str | None], list[_Entry]]] = {}
        self._lane_at: dict[int, tuple[str, bool, str | None]] = {}
        self._issued: Tally[tuple[str, dt.date]] = Tally()

    @property
    def refusals(self) -> list[Refusal]:
        """Every refusal recorded, in order (the demo's history copies them)."""
        return self._refusals

    def _new_id(self, row: Base) -> None:
        if getattr(row, "id", None) is None:
            counter = self._ids.setdefault(type(row), itertools.count(1))
            row.id = next(counter)  # type: ignore[attr-defined]

    def next_number(self, prefix: str, day: dt.date) -> int:
        """Bump and return the day's sequence for `prefix`."""
        value = self._sequences.get((prefix, day), 0) + 1
        self._sequences[prefix, day] = value
        return value

    def issued_on(self, service: str, day: dt.date) -> int:
        """How many tickets `service` has issued on a local day (for daily caps)."""
        return self._issued[service, day]

    def add(self, row: Ticket | Refusal | Staff | Device) -> None:
        """Store a new row (staff and devices too: there is no session to add them through)."""
        _fill_defaults(row)
        self._new_id(row)
        if isinstance(row, Ticket):
            self._tickets[row.id] = row
            self._tokens[row.token] = row
            self._file(row)
        elif isinstance(row, Refusal):
            self._refusals.append(row)
        elif isinstance(row, Staff):
            self._staff[row.id] = row
        else:
            self._devices[row.id] = row

    def append(self, event: Event) -> Event:
        """Append one event to the log, and re-file the ticket it names."""
        _fill_defaults(event)
        self._new_id(event)
        ticket = event.ticket
        if ticket is not None:
            event.ticket_id = ticket.id
            self._file(ticket)
        self.events.append(event)
        return event

    def _file(self, ticket: Ticket) -> None:
        """Move `ticket` to the indices its present service, day, state and counter call for."""
        key = (
            ticket.service,
            ticket.day,
            ticket.state,
            ticket.counter_id,
            ticket.target_counter_id,
        )
        previous = self._filed.get(ticket.id)
        if previous == key:
            return
        if previous is not None:
            service, day, state, counter_id, target = previous
            self._issued[service, day] -= 1
            if state == TicketState.WAITING:
                self._waiting[service].pop(ticket.id, None)
                self._lane_at.pop(ticket.id, None)
                if target is not None:
                    self._sent[target].pop(ticket.id, None)
            elif state in ACTIVE:
                self._active.pop(ticket.id, None)
                if counter_id is not None and self._held.get(counter_id) is ticket:
                    del self._held[counter_id]
        service, day, state, counter_id, target = key
        self._issued[service, day] += 1
        if state == TicketState.WAITING:
            self._waiting.setdefault(service, {})[ticket.id] = ticket
            if target is not None:
                self._sent.setdefault(target, {})[ticket.id] = ticket
            else:
                lane = (ticket.priority is not None, ticket.language if ticket.mediator else None)
                self._lane_at[ticket.id] = (service, *lane)
                heap = self._lanes.setdefault(service, {}).setdefault(lane, [])
                heapq.heappush(heap, (ticket.issued_at, ticket.id, ticket))
        elif state in ACTIVE:
            self._active[ticket.id] = ticket
            if counter_id is not None:
                self._held[counter_id] = ticket
        self._filed[ticket.id] = key

    def ticket_by_token(self, token: str) -> Ticket | None:
        return self._tokens.get(token)

    def counter(self, counter_id: int, *, lock: bool = False) -> Counter:
        """The live row of a counter, created closed on first use (one process: no lock)."""
        row = self._counters.get(counter_id)
        if row is None:
            row = Counter(centre=self.centre, id=counter_id, state=CounterState.CLOSED)
            _fill_defaults(row)
            self._counters[counter_id] = row
        return row

    def counters(self) -> list[Counter]:
        return list(self._counters.values())

    def seated(self) -> dict[int, Staff]:
        """Who sits at each counter that is open or paused, by counter id."""
        staff = self._staff
        return {
            row["id"]: staff[row["staff_id"]]
            for row in self._unclosed()
            if row["staff_id"] in staff
        }

    def floor(self, after: int) -> tuple[Hashable, list[Waiting]]:
        """Who holds which counter not closed and the ticket in their hands, as plain values,
        and the waiting tickets issued after ticket `after`."""
        held = {c: (vars(t)["id"], vars(t)["state"]) for c, t in self._held.items()}
        floor = tuple(
            sorted(
                (row["id"], row["staff_id"], *held.get(row["id"], (None, None)))
                for row in self._unclosed()
            )
        )
        return floor, snapshot(t for t in self.waiting() if (t.id or 0) > after)

    def _unclosed(self) -> list[dict[str, Any]]:
        """The state of each counter row not closed, read past the attribute descriptors
        (rows here are filled, see `_fill_defaults`): the estimate reads it on every ticket."""
        rows = (vars(row) for row in self._counters.values())
        return [row for row in rows if row["state"] != CounterState.CLOSED]

    def held_by(self, counter_id: int) -> Ticket | None:
        """The ticket a counter has called or is serving, if any."""
        return self._held.get(counter_id)

    def active_tickets(self) -> list[Ticket]:
        """Every called or serving ticket of the centre."""
        return list(self._active.values())

    def waiting(
        self, services: Collection[str] | None = None, *, sent_to: int | None = None
    ) -> list[Ticket]:
        """The waiting tickets, optionally of some services only, plus those transferred to
        counter `sent_to` whatever their service: the router's snapshot."""
        queues = self._waiting
        if services is None:
            return [t for queue in queues.values() for t in queue.values()]
        chosen = [t for s in services if s in queues for t in queues[s].values()]
        if sent_to is not None:
            chosen += [t for t in self._sent.get(sent_to, {}).values() if t.service not in services]
        return chosen

    def queue(self) -> list[Waiting]:
        """Every waiting ticket as the router reads it."""
        return snapshot(self.waiting())

    def lane_heads(self, services: Collection[str], *, sent_to: int | None = None) -> list[Ticket]:
        """The earliest waiting ticket of each lane of `services`, and every ticket sent to
        counter `sent_to` (a handful: their lane is that counter's own); tickets sent to other
        counters are left out."""
        heads: list[Ticket] = []
        lane_at = self._lane_at
        for service in services:
            lanes = self._lanes.get(service)
            if not lanes:
                continue
            for lane, heap in list(lanes.items()):
                where = (service, *lane)
                while heap and lane_at.get(heap[0][1]) != where:
                    heapq.heappop(heap)
                if heap:
                    heads.append(heap[0][2])
                else:
                    del lanes[lane]
        if sent_to is not None:
            heads += self._sent.get(sent_to, {}).values()
        return heads

    def claim(self, ticket: Ticket) -> bool:
        """Whether the ticket still waits (one process: nobody else can take it meanwhile)."""
        return ticket.state == TicketState.WAITING

    def staff(self, staff_id: int) -> Staff | None:
        row = self._staff.get(staff_id)
        return row if row is not None and row.centre == self.centre else None

    def staff_by_username(self, username: str) -> Staff | None:
        return next(
            (s for s in self._staff.values() if s.username == username and s.centre == self.centre),
            None,
        )

    def staff_names(self) -> dict[int, str]:
        return {s.id: s.username for s in self._staff.values() if s.centre == self.centre}

    def closed_counter(self, counter_id: int) -> Counter:
        """A counter never opened yet, as a closed row that is not stored."""
        return Counter(centre=self.centre, id=counter_id, state=CounterState.CLOSED)

    def device_by_key_hash(self, key_hash: str) -> Device | None:
        return next(
            (
                d
                for d in self._devices.values()
                if d.key_hash == key_hash and d.centre == self.centre
            ),
            None,
        )

    def ahead(self, ticket: Ticket) -> int:
        """Waiting tickets of the same queue that arrived before `ticket`."""
        mark = (ticket.issued_at, ticket.id)
        queue = self._waiting.get(ticket.service, {})
        return sum(1 for t in queue.values() if t.id != ticket.id and (t.issued_at, t.id) < mark)

    def mediator_request_of(self, mediator_id: int) -> MediationRequest | None:
        """None: this store keeps no mediation requests (the simulator does not model them)."""
        return None

    def insert(self, ticket: Ticket) -> None:
        """Store a ticket just issued."""
        self.add(ticket)

    def waiting_since(self, service: str, moment: dt.datetime) -> int:
        """Waiting tickets of `service` that arrived at or before `moment`."""
        return sum(1 for t in self._waiting.get(service, {}).values() if t.issued_at <= moment)

    def counted_ahead(self, ticket: Ticket, ahead: int) -> None:
        """Counting here costs no query, so there is nothing worth remembering."""

    def waiting_counts(self) -> dict[str, tuple[int, dt.datetime]]:
        """Per service: how many wait, and the oldest arrival among them."""
        return {
            service: (len(queue), min(t.issued_at for t in queue.values()))
            for service, queue in self._waiting.items()
            if queue
        }
