"""Which waiting ticket a free counter calls: eligibility here, the orderings in `policies`.

A policy is a pure function over a snapshot: the waiting tickets, the seat asking (counter
and the person staffing it) and the moment. The same code runs in the app, the simulator
and the tests. Whether the counter is open, staffed and inside its hours is checked by
`routing.tickets.call_next` before it asks; here only the seat and the ticket matter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

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


def eligible(ticket: Ticket, seat: Seat) -> bool:
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

    def rank(self, tickets: Sequence[Ticket], seat: Seat, now: dt.datetime) -> list[Ticket]:
        """`tickets` (all eligible at `seat`), best first."""
        ...


def candidates(
    tickets: Iterable[Ticket], seat: Seat, policy: Policy, now: dt.datetime
) -> list[Ticket]:
    """The tickets `seat` may call, in the order `policy` prefers."""
    return policy.rank([t for t in tickets if eligible(t, seat)], seat, now)
