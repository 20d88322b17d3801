"""What the domain asks of a store: one centre's rows inside one unit of work.

`SqlStore` (SQLAlchemy, the app) and `MemoryStore` (the simulator, benchmarks and tests)
both satisfy it; tests/routing/test_store_contract.py holds both to the same behaviour.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Hashable
from typing import TYPE_CHECKING, Protocol

from routing.store.models import Counter, Device, Event, MediationRequest, Refusal, Staff, Ticket

if TYPE_CHECKING:
    from routing.router import Waiting


class TicketStore(Protocol):
    #: the centre every row read or written belongs to
    centre: str
    #: events appended through this store, for the shell to publish after commit
    events: list[Event]

    def next_number(self, prefix: str, day: dt.date) -> int:
        """Bump and return the day's sequence for `prefix`."""
        ...

    def issued_on(self, service: str, day: dt.date) -> int:
        """How many tickets `service` has issued on a local day (for daily caps)."""
        ...

    def add(self, row: Ticket | Refusal) -> None:
        """Store a new row; its id is set on return."""
        ...

    def append(self, event: Event) -> Event:
        """Append one event to the log."""
        ...

    def ticket_by_token(self, token: str) -> Ticket | None: ...

    def counter(self, counter_id: int, *, lock: bool = False) -> Counter:
        """The live row of a counter, created closed on first use; locked when asked."""
        ...

    def counters(self) -> list[Counter]: ...

    def seated(self) -> dict[int, Staff]:
        """Who sits at each counter that is open or paused, by counter id."""
        ...

    def floor(self, after: int) -> tuple[Hashable, list[Waiting]]:
        """Who holds which counter not closed and the ticket in their hands, as a plain value
        that every call, finish and counter change alters, and the waiting tickets (as
        `queue` gives them) issued after ticket `after`: read together and cheaply, as the
        wait estimate asks on every ticket issued."""
        ...

    def held_by(self, counter_id: int) -> Ticket | None:
        """The ticket a counter has called or is serving, if any."""
        ...

    def active_tickets(self) -> list[Ticket]:
        """Every called or serving ticket of the centre."""
        ...

    def waiting(
        self, services: Collection[str] | None = None, *, sent_to: int | None = None
    ) -> list[Ticket]:
        """The waiting tickets, optionally of some services only, plus those transferred to
        counter `sent_to` whatever their service: the router's snapshot."""
        ...

    def queue(self) -> list[Waiting]:
        """Every waiting ticket as the router reads it (`Waiting.ticket` may be None): the
        wait estimate replays the router over the whole queue, then adds what `floor` says
        was issued since."""
        ...

    def lane_heads(self, services: Collection[str], *, sent_to: int | None = None) -> list[Ticket]:
        """Like `waiting`, but only the earliest ticket of each lane (`routing.router.lane_of`):
        enough to find a counter's best ticket without reading the whole queue."""
        ...

    def claim(self, ticket: Ticket) -> bool:
        """Take a waiting ticket for this unit of work; False if another counter took it."""
        ...

    def staff(self, staff_id: int) -> Staff | None: ...

    def staff_by_username(self, username: str) -> Staff | None: ...

    def staff_names(self) -> dict[int, str]: ...

    def closed_counter(self, counter_id: int) -> Counter:
        """A counter never opened yet, as a closed row that is not stored."""
        ...

    def device_by_key_hash(self, key_hash: str) -> Device | None: ...

    def ahead(self, ticket: Ticket) -> int:
        """Waiting tickets of the same queue that arrived before `ticket`."""
        ...

    def waiting_counts(self) -> dict[str, tuple[int, dt.datetime]]:
        """Per service: how many wait, and the oldest arrival among them."""
        ...

    def insert(self, ticket: Ticket) -> None:
        """Store a ticket just issued."""
        ...

    def waiting_since(self, service: str, moment: dt.datetime) -> int:
        """Waiting tickets of `service` that arrived at or before `moment`."""
        ...

    def counted_ahead(self, ticket: Ticket, ahead: int) -> None:
        """A hint: `ahead` tickets wait before `ticket` (a store may answer `ahead` from it)."""
        ...

    def mediator_request_of(self, mediator_id: int) -> MediationRequest | None:
        """The mediation request a mediator has accepted and not finished, if any."""
        ...
