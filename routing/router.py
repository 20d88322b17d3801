"""Which waiting ticket a free counter calls: eligibility, then a policy's order.

A policy is a pure function over a snapshot: the waiting tickets, the seat asking (counter
and the person staffing it) and the moment. The same code runs in the app, the simulator
and the tests.
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
    """A counter as the router sees it: what it may serve and who sits there."""

    counter: Counter
    services: frozenset[str]
    languages: frozenset[str]

    @classmethod
    def of(cls, counter: Counter, staff: Staff) -> Seat:
        """The counter's services narrowed to the skills of its staff (none listed: all)."""
        services = frozenset(counter.services)
        if staff.services:
            services &= frozenset(staff.services)
        return cls(counter, services, frozenset(staff.languages))


def eligible(ticket: Ticket, seat: Seat) -> bool:
    """Whether `seat` may serve `ticket`: service, mediation language, counter transfers."""
    if ticket.target_counter_id is not None:
        return ticket.target_counter_id == seat.counter.id
    if ticket.service not in seat.services:
        return False
    return not ticket.mediator or ticket.language in seat.languages


class Policy(Protocol):
    name: str

    def rank(self, tickets: Sequence[Ticket], seat: Seat, now: dt.datetime) -> list[Ticket]:
        """Eligible tickets, best first."""
        ...


class Fifo:
    """Arrival order; a ticket transferred to this very counter comes first."""

    name = "fifo"

    def rank(self, tickets: Sequence[Ticket], seat: Seat, now: dt.datetime) -> list[Ticket]:
        return sorted(tickets, key=lambda t: (t.target_counter_id is None, t.issued_at, t.id or 0))


POLICIES: dict[str, Policy] = {policy.name: policy for policy in (Fifo(),)}


def candidates(
    tickets: Iterable[Ticket], seat: Seat, policy: Policy, now: dt.datetime
) -> list[Ticket]:
    """The tickets `seat` may call, in the order `policy` prefers."""
    return policy.rank([t for t in tickets if eligible(t, seat)], seat, now)
