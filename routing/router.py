"""Which waiting ticket a free counter calls: eligibility here, the orderings in `policies`.

A policy is a pure function over a snapshot: the waiting tickets, the seat asking (counter
and the person staffing it) and the moment. The same code runs in the app, the simulator
and the tests. Whether the counter is open, staffed and inside its hours is checked by
`routing.tickets.call_next` before it asks; here only the seat and the ticket matter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol, TypeVar

from routing.config import Counter
from routing.store.models import Staff, Ticket


@dataclass(frozen=True)
class Seat:
    """A counter as the router sees it: what it may serve, in which languages, who sits there.

    `ordered` lists the seat's services primary first: the staff member's skills in the
    order given (primary, then backups), else the counter's own order.
    """

    counter: Counter
    services: frozenset[str]
    languages: frozenset[str]
    ordered: tuple[str, ...] = ()

    @classmethod
    def of(cls, counter: Counter, staff: Staff) -> Seat:
        """The counter's services narrowed to the skills of its staff (none listed: all)."""
        offered = tuple(counter.services)
        if staff.services:
            ordered = tuple(dict.fromkeys(s for s in staff.services if s in offered))
        else:
            ordered = offered
        return cls(counter, frozenset(ordered), frozenset(staff.languages), ordered)

    @property
    def is_mediator(self) -> bool:
        """A mediator counter: scarce, so it serves its languages before anything else."""
        return self.counter.kind == "mediator"

    @property
    def primary(self) -> str | None:
        """The seat's own service (own-service-first policies serve it before the others)."""
        return self.ordered[0] if self.ordered else None


class Queued(Protocol):
    """What the router reads of a waiting ticket: a `Ticket`, or its `Waiting` snapshot."""

    @property
    def id(self) -> int | None: ...
    @property
    def service(self) -> str: ...
    @property
    def priority(self) -> str | None: ...
    @property
    def mediator(self) -> bool: ...
    @property
    def language(self) -> str: ...
    @property
    def issued_at(self) -> dt.datetime: ...
    @property
    def target_counter_id(self) -> int | None: ...


Q = TypeVar("Q", bound=Queued)


class Waiting(NamedTuple):
    """A waiting ticket's fields as one call of the router reads them: once, and cheaply."""

    ticket: Ticket
    id: int | None
    service: str
    priority: str | None
    mediator: bool
    language: str
    issued_at: dt.datetime
    target_counter_id: int | None


def snapshot(tickets: Iterable[Ticket]) -> list[Waiting]:
    """The router's view of `tickets`.

    Values come from each row's loaded state when they are all there: SQLAlchemy's attribute
    descriptors cost five times as much, and a counter may rank thousands of tickets per call.
    A row never flushed or expired is read through the descriptors.
    """
    rows: list[Waiting] = []
    make = tuple.__new__  # the named tuple's own constructor is Python code: 3x slower
    for ticket in tickets:
        state = vars(ticket)
        try:
            fields = (
                ticket,
                state["id"],
                state["service"],
                state["priority"],
                state["mediator"],
                state["language"],
                state["issued_at"],
                state["target_counter_id"],
            )
        except KeyError:
            fields = (
                ticket,
                ticket.id,
                ticket.service,
                ticket.priority,
                ticket.mediator,
                ticket.language,
                ticket.issued_at,
                ticket.target_counter_id,
            )
        rows.append(make(Waiting, fields))
    return rows


def eligible(ticket: Queued, seat: Seat) -> bool:
    """Whether `seat` may serve `ticket`.

    A ticket transferred to one counter goes to that counter only (whatever its service);
    otherwise the seat must serve its service, and a ticket that needs mediation in a language
    needs a seat whose mediator or agent speaks it.
    """
    if ticket.target_counter_id is not None:
        return ticket.target_counter_id == seat.counter.id
    if ticket.service not in seat.services:
        return False
    return not ticket.mediator or ticket.language in seat.languages


class Policy(Protocol):
    """An ordering of the tickets a seat may call; pure, so the simulator can compare them."""

    name: str

    def rank(self, tickets: Sequence[Q], seat: Seat, now: dt.datetime) -> list[Q]:
        """`tickets` (all eligible at `seat`), best first."""
        ...


#: a lane: service, priority claimed, mediation language (None: no mediation), destination
Lane = tuple[str, bool, str | None, int | None]


def lane_of(ticket: Queued) -> Lane:
    """The lane of a waiting ticket: within a lane every policy calls in arrival order."""
    language = ticket.language if ticket.mediator else None
    return (ticket.service, ticket.priority is not None, language, ticket.target_counter_id)


def best_first(
    tickets: Iterable[Ticket], seat: Seat, policy: Policy, now: dt.datetime
) -> Iterator[Ticket]:
    """The tickets `seat` may call, one at a time in the order `policy` prefers.

    Every policy keeps arrival order within a lane: one service, one class (priority claimed
    or not), one mediation language, one destination counter. So the best ticket is always
    the head of some lane, and ranking the heads alone (tens, not thousands) finds it; the
    caller usually takes the first. The order is exactly `policy.rank` over every ticket:
    the one subtle case, lwwt's priority line, is led by the earliest priority ticket, which
    is a head and sees every lane's head, the best of each lane.
    """
    lanes: dict[Lane, list[Waiting]] = {}
    for row in snapshot(tickets):
        if eligible(row, seat):
            key = lane_of(row)
            lane = lanes.get(key)
            if lane is None:
                lanes[key] = [row]
            else:
                lane.append(row)
    heads = {key: min(lane, key=_arrival) for key, lane in lanes.items()}
    by_id = {id(row): key for key, row in heads.items()}
    while heads:
        best = policy.rank(list(heads.values()), seat, now)[0]
        yield best.ticket
        key = by_id.pop(id(best))
        lane = lanes[key]
        lane.remove(best)
        if lane:
            head = heads[key] = min(lane, key=_arrival)
            by_id[id(head)] = key
        else:
            del heads[key]


def candidates(
    tickets: Iterable[Ticket], seat: Seat, policy: Policy, now: dt.datetime
) -> list[Ticket]:
    """Every ticket `seat` may call, in the order `policy` prefers."""
    return list(best_first(tickets, seat, policy, now))


def _arrival(row: Waiting) -> tuple[dt.datetime, int]:
    return row.issued_at, row.id or 0
