"""The orders in which a seat calls the tickets it may serve, chosen in `config.yaml`.

Every policy is pure: it sees the eligible tickets, the seat and the moment, plus the
`Rules` it was built with (targets per service, which services only mediators serve), and
touches nothing else. Every policy puts, in this order:

1. tickets transferred to this very counter;
2. at a mediator counter (when mediator-aware), tickets that need it: a mediation in one of
   its languages, or a service only mediator counters offer. A mediator is never handed a
   ticket a plain counter could serve while someone waits for the mediator's language;
3. everyone else.

Within each group the policy's own order applies, and legal-priority visitors
(Decreto-Lei 58/2016; not on priority-exempt services) keep their arrival order among
themselves under every policy.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from routing.config import CentreConfig
from routing.router import Policy, Q, Queued, Seat

#: the target of a service the rules do not know (a ticket of a service since removed)
DEFAULT_TARGET_MIN = 30.0


@dataclass(frozen=True)
class Rules:
    """What the policies need from the config, handed to them explicitly."""

    #: service -> minutes within which a regular visitor should be called
    target_min: Mapping[str, float]
    #: service -> minutes for a legal-priority visitor; exempt services are absent
    priority_target_min: Mapping[str, float]
    #: services that no plain counter offers: only mediator counters can serve them
    mediator_only: frozenset[str] = frozenset()

    @classmethod
    def of(cls, config: CentreConfig) -> Rules:
        """The rules of a centre's config."""
        plain = {code for c in config.counters if c.kind == "counter" for code in c.services}
        return cls(
            target_min={s.code: s.target_min for s in config.services},
            priority_target_min={
                s.code: s.priority_target_min for s in config.services if not s.priority_exempt
            },
            mediator_only=frozenset(s.code for s in config.services if s.code not in plain),
        )

    def is_priority(self, ticket: Queued) -> bool:
        """Legal priority that counts here: claimed, and the ticket's service is not exempt."""
        return ticket.priority is not None and ticket.service in self.priority_target_min

    def target_of(self, ticket: Queued) -> float:
        """The target, in minutes, of the ticket's class on its service."""
        if self.is_priority(ticket):
            return self.priority_target_min[ticket.service]
        return self.target_min.get(ticket.service, DEFAULT_TARGET_MIN)


def _arrival(ticket: Queued) -> tuple[dt.datetime, int]:
    return ticket.issued_at, ticket.id or 0


class _Grouped:
    """Splits the snapshot into the three groups above; subclasses order each group."""

    name: ClassVar[str]

    def __init__(self, rules: Rules, *, mediator_aware: bool = True) -> None:
        self.rules = rules
        self.mediator_aware = mediator_aware

    def rank(self, tickets: Sequence[Q], seat: Seat, now: dt.datetime) -> list[Q]:
        """`tickets` (all eligible at `seat`), best first."""
        here: list[Q] = []
        needs_seat: list[Q] = []
        rest: list[Q] = []
        counter_id = seat.counter.id
        mediator = self.mediator_aware and seat.is_mediator
        only = self.rules.mediator_only
        for ticket in tickets:
            if ticket.target_counter_id == counter_id:
                here.append(ticket)
            elif mediator and (ticket.mediator or ticket.service in only):
                needs_seat.append(ticket)
            else:
                rest.append(ticket)
        ranked: list[Q] = []
        for group in (here, needs_seat, rest):
            if group:
                ranked += self.order(group, seat, now)
        return ranked

    def order(self, tickets: list[Q], seat: Seat, now: dt.datetime) -> list[Q]:
        raise NotImplementedError


class Fifo(_Grouped):
    """Arrival order (the time of issue, kept across transfers); legal priority ignored."""

    name = "fifo"

    def order(self, tickets: list[Q], seat: Seat, now: dt.datetime) -> list[Q]:
        return sorted(tickets, key=_arrival)


class StrictPriority(_Grouped):
    """Legal-priority visitors first, each class of visitor in arrival order."""

    name = "strict_priority"

    def order(self, tickets: list[Q], seat: Seat, now: dt.datetime) -> list[Q]:
        is_priority = self.rules.is_priority
        return sorted(tickets, key=lambda t: (not is_priority(t), *_arrival(t)))


class OwnServiceFirst(_Grouped):
    """The seat's primary service before its others, then arrival: what ticketing products do.

    Legal-priority visitors come first, in arrival order whatever their service, as the law
    requires of those products too.
    """

    name = "own_service_first"

    def order(self, tickets: list[Q], seat: Seat, now: dt.datetime) -> list[Q]:
        is_priority = self.rules.is_priority
        primary = seat.primary

        def key(ticket: Q) -> tuple[bool, bool, dt.datetime, int]:
            regular = not is_priority(ticket)
            return (regular, regular and ticket.service != primary, *_arrival(ticket))

        return sorted(tickets, key=key)


class Lwwt(_Grouped):
    """Longest weighted waiting time: minutes waited / the target of the ticket's class.

    Highest score first, ties by arrival. A priority visitor's score is at least that of every
    priority visitor who arrived after them: the head of the priority line carries the urgency
    of the whole line, so priority visitors stay in arrival order among themselves even when
    their services' targets differ. Scores grow with waiting, so nobody starves.
    """

    name = "lwwt"

    def order(self, tickets: list[Q], seat: Seat, now: dt.datetime) -> list[Q]:
        regular_targets = self.rules.target_min
        priority_targets = self.rules.priority_target_min
        # (-score, arrival, id, index): plain tuples sort fastest; the index settles any tie
        rows: list[tuple[float, dt.datetime, int, int]] = []
        line: list[tuple[dt.datetime, int, float, int]] = []
        for index, ticket in enumerate(tickets):
            service, issued, ticket_id = ticket.service, ticket.issued_at, ticket.id or 0
            waited = (now - issued).total_seconds() / 60
            if ticket.priority is not None and service in priority_targets:
                line.append((issued, ticket_id, waited / priority_targets[service], index))
            else:
                target = regular_targets.get(service, DEFAULT_TARGET_MIN)
                rows.append((-waited / target, issued, ticket_id, index))
        line.sort()
        line_score = -math.inf
        for issued, ticket_id, score, index in reversed(line):
            line_score = max(line_score, score)
            rows.append((-line_score, issued, ticket_id, index))
        rows.sort()
        return [tickets[row[3]] for row in rows]


POLICIES: dict[str, type[_Grouped]] = {
    policy.name: policy for policy in (Lwwt, Fifo, StrictPriority, OwnServiceFirst)
}


def make_policy(name: str, rules: Rules, *, mediator_aware: bool = True) -> Policy:
    """The policy called `name`; raises `KeyError` for an unknown name."""
    return POLICIES[name](rules, mediator_aware=mediator_aware)


def policy_for(config: CentreConfig) -> Policy:
    """The policy a centre's config chooses, with that config's rules."""
    return make_policy(config.router.policy, Rules.of(config))
