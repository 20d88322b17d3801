"""Simulated days through the real router: every policy on the same visitors, side by side.

A discrete-event loop on a `VirtualClock` drives the very functions the app calls
(`routing.tickets.issue`, `call_next`, `start`, `finish`, `routing.counters.open_counter`)
on a `MemoryStore`, so what is measured is the code that runs at the counters. Counters
are staffed all day and call the moment they are free and someone they may serve waits;
they call only inside their hours. A new arrival goes to a free counter that may serve it:
a plain counter before a mediator, one whose primary service is the arrival's before the
others, then the one free the longest. Tickets still waiting at closing count with their wait
until closing.

Beside the policies stands the pooled bound: the same visitors, with the same service
times, served first come first served by one queue where every counter does everything.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import random
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from routing import counters, tickets
from routing.calendar import Calendar
from routing.centre import Centre
from routing.clock import VirtualClock
from routing.config import CentreConfig
from routing.config import Counter as CounterConfig
from routing.daymodel import DayModel, Visitor
from routing.policies import POLICIES, Rules, make_policy
from routing.router import Seat, eligible
from routing.store.memory import MemoryStore
from routing.store.models import Staff, Ticket
from routing.tickets import Refused

#: the first simulated day; the following ones are the next days the centre opens
FIRST_DAY = dt.date(2027, 1, 4)
#: languages every agent at a plain counter speaks (as in the demo)
AGENT_LANGUAGES = ("pt", "en")
#: the estimate's accuracy is judged on visitors who waited longer than this (minutes)
ESTIMATE_MIN_WAIT = 5.0

_FINISH, _CLOSE, _OPEN, _ARRIVE = range(4)

#: a simulated day: its opening, its closing and its visitors in arrival order
SimulatedDay = tuple[dt.datetime, dt.datetime, list[Visitor]]


@dataclass(frozen=True)
class Variant:
    """A policy as the simulator runs it."""

    policy: str
    mediator_aware: bool = True

    @property
    def label(self) -> str:
        return self.policy if self.mediator_aware else f"{self.policy} (mediator-blind)"


def simulated_staff(config: CentreConfig) -> dict[int, Staff]:
    """One person per counter: an agent with the counter's services at each plain counter,
    a mediator at each mediator counter.

    Mediators split the spoken languages in contiguous shares, as `onestop.demo` does, but
    zone by zone: mediator counters serve only their own floor's services, so a split across
    the whole centre would leave half the languages without a mediator on each floor. Each
    mediator speaks its own share and the next one's, so every language has two mediators on
    a floor that has two: one mediator per language leaves the Creoles' visitors (a third of
    those who need mediation) queueing behind one person while the others sit idle.
    """
    people: dict[int, Staff] = {}
    spoken = [lang.code for lang in config.languages]
    for counter in config.counters:
        if counter.kind == "counter":
            people[counter.id] = _person(
                config, counter, "agent", counter.services, AGENT_LANGUAGES
            )
    zones = sorted({c.zone for c in config.counters if c.kind == "mediator"})
    for zone in zones:
        mediators = [c for c in config.counters if c.kind == "mediator" and c.zone == zone]
        share = -(-len(spoken) // len(mediators))
        for i, counter in enumerate(mediators):
            shares = {i, (i + 1) % len(mediators)}
            own = [code for k in shares for code in spoken[k * share : (k + 1) * share]]
            languages = sorted({"pt", *own})
            people[counter.id] = _person(config, counter, "mediator", [], languages)
    return people


def _person(
    config: CentreConfig,
    counter: CounterConfig,
    role: str,
    services: Iterable[str],
    languages: Iterable[str],
) -> Staff:
    return Staff(
        id=counter.id,
        centre=config.centre.code,
        username=f"{role}{counter.id}",
        password_hash="-",
        role=role,
        services=list(services),
        languages=list(languages),
        active=True,
    )


@dataclass
class Engine:
    """One stretch of opening hours (a day, or more for a centre open around the clock)."""

    centre: Centre
    clock: VirtualClock
    staff: dict[int, Staff]
    start: dt.datetime
    close: dt.datetime
    #: the last run's estimate given at issue per visitor; None if refused or never called
    estimates: list[float | None] = field(default_factory=list)

    def windows(self) -> dict[int, tuple[dt.datetime, dt.datetime]]:
        """When each counter may call during this stretch (its hours within the centre's)."""
        calendar = self.centre.calendar
        day = calendar.local_day(self.start)
        spans: dict[int, tuple[dt.datetime, dt.datetime]] = {}
        for counter in self.centre.config.counters:
            start, end = self.start, self.close
            if counter.hours is not None:
                start = max(start, calendar.at(day, counter.hours.start))
                end = min(end, calendar.at(day, counter.hours.end))
            if start < end and counter.id in self.staff:
                spans[counter.id] = (start, end)
        return spans

    def run(self, store: MemoryStore, visitors: Sequence[Visitor]) -> list[float | None]:
        """Each visitor's wait in minutes from ticket to call (None: refused by the kiosk).

        `store` starts empty; the day's tickets and events stay in it for whoever asks.
        """
        centre, clock, staff = self.centre, self.clock, self.staff
        for person in staff.values():
            store.add(person)
        clock.advance_to(self.start)
        for counter_id in staff:
            counters.open_counter(store, centre, counter_id, staff[counter_id])
        seats = {c.id: centre.seat(c, staff[c.id]) for c in centre.config.counters if c.id in staff}
        windows = self.windows()
        events: list[tuple[dt.datetime, int, int, int]] = []
        for counter_id, (start, end) in windows.items():
            events.append((start, _OPEN, counter_id, counter_id))
            events.append((end, _CLOSE, counter_id, counter_id))
        for index, visitor in enumerate(visitors):
            at = self.start + dt.timedelta(minutes=visitor.arrival_min)
            events.append((at, _ARRIVE, index, index))
        heapq.heapify(events)
        waits: list[float | None] = [None] * len(visitors)
        refused = [False] * len(visitors)
        self.estimates = [None] * len(visitors)
        visitor_of: dict[int, int] = {}
        idle: dict[int, dt.datetime] = {}
        sequence = len(events)

        def call(counter_id: int) -> bool:
            nonlocal sequence
            ticket = tickets.call_next(store, centre, counter_id, staff[counter_id])
            if ticket is None:
                return False
            tickets.start(store, centre, counter_id, staff[counter_id])
            index = visitor_of[ticket.id]
            waits[index] = _minutes(clock.now() - ticket.issued_at)
            done = clock.now() + dt.timedelta(minutes=visitors[index].service_min)
            sequence += 1
            heapq.heappush(events, (done, _FINISH, sequence, counter_id))
            return True

        while events:
            at, kind, _, subject = heapq.heappop(events)
            clock.advance_to(at)
            if kind == _ARRIVE:
                ticket = self._issue(store, visitors[subject])
                if ticket is None:
                    refused[subject] = True
                    continue
                visitor_of[ticket.id] = subject
                self.estimates[subject] = ticket.estimated_wait_min
                for counter_id in self.free_for(ticket, idle, seats):
                    if call(counter_id):
                        del idle[counter_id]
                        break
            elif kind == _FINISH:
                tickets.finish(store, centre, subject, staff[subject])
                if at < windows[subject][1] and not call(subject):
                    idle[subject] = at
            elif kind == _OPEN:
                if not call(subject):
                    idle[subject] = at
            else:
                idle.pop(subject, None)
        for index, visitor in enumerate(visitors):
            if waits[index] is None and not refused[index]:
                self.estimates[index] = None
                waits[index] = max(0.0, _minutes(self.close - self.start) - visitor.arrival_min)
        return waits

    @staticmethod
    def free_for(ticket: Ticket, idle: dict[int, dt.datetime], seats: dict[int, Seat]) -> list[int]:
        """The free counters that may serve a new arrival, in the order they are offered it.

        Plain counters before mediator counters (mediators are scarce: a visitor a free plain
        counter can serve is not handed to a mediator, who would then be busy when someone
        needing their language arrives), then counters whose primary service is the ticket's,
        then the one free the longest.
        """
        free = [c for c in idle if eligible(ticket, seats[c])]
        service = ticket.service
        return sorted(
            free,
            key=lambda c: (seats[c].is_mediator, seats[c].primary != service, idle[c]),
        )

    def _issue(self, store: MemoryStore, visitor: Visitor) -> Ticket | None:
        issued = tickets.issue(
            store,
            self.centre,
            service=visitor.service,
            language=visitor.language,
            priority=visitor.priority,
            mediator=visitor.mediated,
        )
        return None if isinstance(issued, Refused) else issued


def pooled_waits(
    windows: Iterable[tuple[float, float]], visitors: Sequence[Visitor], close_min: float
) -> list[float]:
    """Waits when one first-come-first-served queue feeds every counter, each within its hours.

    `windows` and arrivals are minutes after opening. The next in line takes whichever
    counter can start them first, which is how a pooled FIFO queue behaves.
    """
    spans = sorted(windows)
    free = [start for start, _ in spans]
    waits: list[float] = []
    for visitor in visitors:
        best, best_start = -1, math.inf
        for k, (_, end) in enumerate(spans):
            start = max(visitor.arrival_min, free[k])
            if start < end and start < best_start:
                best, best_start = k, start
        if best < 0 or best_start >= close_min:
            waits.append(max(0.0, close_min - visitor.arrival_min))
            continue
        free[best] = best_start + visitor.service_min
        waits.append(best_start - visitor.arrival_min)
    return waits


@dataclass
class Tally:
    """One policy's waits over every simulated day."""

    label: str
    waits: list[float] = field(default_factory=list)
    priority: list[float] = field(default_factory=list)
    mediated: list[float] = field(default_factory=list)
    within: int = 0
    refused: int = 0
    by_service: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    daily_max: list[float] = field(default_factory=list)
    #: (estimate at issue, actual wait) of every visitor called after waiting over 5 minutes
    estimated: list[tuple[float, float]] = field(default_factory=list)

    def add_day(
        self,
        visitors: Sequence[Visitor],
        waits: Sequence[float | None],
        rules: Rules,
        estimates: Sequence[float | None] = (),
    ) -> None:
        for estimate, wait in zip(estimates, waits, strict=False):
            if estimate is not None and wait is not None and wait > ESTIMATE_MIN_WAIT:
                self.estimated.append((estimate, wait))
        day: list[float] = []
        for visitor, wait in zip(visitors, waits, strict=True):
            if wait is None:
                self.refused += 1
                continue
            day.append(wait)
            priority = visitor.priority is not None and visitor.service in rules.priority_target_min
            if priority:
                self.priority.append(wait)
                target = rules.priority_target_min[visitor.service]
            else:
                target = rules.target_min[visitor.service]
            if visitor.mediated:
                self.mediated.append(wait)
            self.within += wait <= target
            self.by_service[visitor.service].append(wait)
        self.waits += day
        self.daily_max.append(max(day, default=0.0))

    def summary(self) -> dict[str, Any]:
        """Mean, p95 and max wait, share within target, per class and per service (minutes)."""
        return {
            "name": self.label,
            "mean_wait_min": _round(_mean(self.waits)),
            "p95_wait_min": _round(percentile(self.waits, 95)),
            "max_wait_min": _round(max(self.waits, default=0.0)),
            "within_target_pct": _round(100 * self.within / max(1, len(self.waits))),
            "priority_mean_wait_min": _round(_mean(self.priority)),
            "mediated_mean_wait_min": _round(_mean(self.mediated)),
            "mean_daily_max_wait_min": _round(_mean(self.daily_max)),
            "estimate_rel_rmse": round(relative_rmse(self.estimated), 3),
            "visitors": len(self.waits),
            "priority_visitors": len(self.priority),
            "mediated_visitors": len(self.mediated),
            "refused": self.refused,
            "service_mean_wait_min": {
                code: _round(_mean(waits)) for code, waits in sorted(self.by_service.items())
            },
        }


def relative_rmse(pairs: Sequence[tuple[float, float]]) -> float:
    """sqrt(mean(((estimate - actual) / actual)²)) over (estimate, actual) pairs; 0 if none."""
    if not pairs:
        return 0.0
    return math.sqrt(sum(((e - a) / a) ** 2 for e, a in pairs) / len(pairs))


def percentile(values: Sequence[float], pct: float) -> float:
    """The `pct` percentile, interpolating linearly between order statistics."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def open_days(calendar: Calendar, first: dt.date, count: int) -> list[dt.date]:
    """The first `count` days from `first` on which the centre opens."""
    days: list[dt.date] = []
    day = first
    while len(days) < count:
        if calendar.hours_on(day) is not None:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


@dataclass
class Simulation:
    """Every variant over the same simulated days of one centre."""

    config: CentreConfig
    model: DayModel
    variants: Sequence[Variant]
    staff: dict[int, Staff] = field(init=False)

    def __post_init__(self) -> None:
        self.staff = simulated_staff(self.config)

    def run(self, days: int, seed: int) -> dict[str, Any]:
        """API.md's comparison: each policy's figures and the pooled bound, plus extras."""
        rules = Rules.of(self.config)
        engines = [self.centre_for(variant) for variant in self.variants]
        tallies = [Tally(variant.label) for variant in self.variants]
        pooled = Tally("pooled_bound")
        for start, close, visitors in self.days(days, seed):
            accepted: list[Visitor] | None = None
            for (centre, clock), tally in zip(engines, tallies, strict=True):
                engine = Engine(centre, clock, self.staff, start, close)
                waits = engine.run(MemoryStore(centre.code), visitors)
                tally.add_day(visitors, waits, rules, engine.estimates)
                if accepted is None:
                    accepted = [v for v, w in zip(visitors, waits, strict=True) if w is not None]
                    windows = [
                        (_minutes(a - start), _minutes(b - start))
                        for a, b in engine.windows().values()
                    ]
                    close_min = _minutes(close - start)
            assert accepted is not None
            pooled.add_day(accepted, pooled_waits(windows, accepted, close_min), rules)
        bound = pooled.summary()
        aware = [
            t.summary() for t, v in zip(tallies, self.variants, strict=True) if v.mediator_aware
        ]
        blind = [
            t.summary() for t, v in zip(tallies, self.variants, strict=True) if not v.mediator_aware
        ]
        return {
            "days": days,
            "seed": seed,
            "visitors_per_day": self.model.visitors_per_day,
            "policies": aware,
            "mediator_blind": blind,
            "pooled_bound": {
                key: bound[key]
                for key in (
                    "mean_wait_min",
                    "p95_wait_min",
                    "max_wait_min",
                    "mean_daily_max_wait_min",
                )
            },
            "note": _note(tallies[0], bound["mean_wait_min"]),
        }

    def days(self, count: int, seed: int) -> Iterator[SimulatedDay]:
        """The opening, the closing and the visitors of each of `count` simulated days: the
        same for every variant, and for every run with the same `seed`."""
        calendar = Calendar(self.config.centre)
        for number, day in enumerate(open_days(calendar, FIRST_DAY, count)):
            hours = calendar.hours_on(day)
            assert hours is not None
            start, close = calendar.at(day, hours.start), calendar.at(day, hours.end)
            yield start, close, self.model.day(random.Random(f"{seed}:{number}"))

    def centre_for(self, variant: Variant) -> tuple[Centre, VirtualClock]:
        """A centre running `variant` on its own virtual clock."""
        clock = VirtualClock(dt.datetime(FIRST_DAY.year, 1, 1, tzinfo=dt.UTC))
        policy = make_policy(
            variant.policy, Rules.of(self.config), mediator_aware=variant.mediator_aware
        )
        return Centre(self.config, clock, with_policy=policy), clock


#: how far above the pooled bound the default policy's mean wait may be before the note
#: has to say why
BOUND_SLACK = 1.15


def _note(default: Tally, bound_mean: float) -> str:
    """What the figures leave unsaid; above all, when the default policy's mean wait is more
    than `BOUND_SLACK` times the pooled bound's, the constraint that costs the difference."""
    note = "tickets still waiting at closing count with their wait until closing"
    mean = _mean(default.waits)
    if mean <= BOUND_SLACK * bound_mean:
        return note
    plain = (sum(default.waits) - sum(default.mediated)) / max(
        1, len(default.waits) - len(default.mediated)
    )
    return (
        f"{note}. {default.label}'s mean wait ({mean:.2f} min) is above {BOUND_SLACK} times "
        f"the pooled bound's ({bound_mean:.2f}): the bound lets every counter serve every "
        "visitor, while here a counter serves only its own and its backup services and a "
        "visitor who needs mediation waits for a mediator who speaks their language "
        f"(mean {_mean(default.mediated):.2f} min, against {plain:.2f} for the others)"
    )


def default_variants() -> list[Variant]:
    """Every policy, the config's order of names, and the default without mediator awareness."""
    return [Variant(name) for name in POLICIES] + [Variant("lwwt", mediator_aware=False)]


def simulate(
    config: CentreConfig, *, days: int = 30, seed: int = 1, visitors: float = 750.0
) -> dict[str, Any]:
    """Simulate `days` reference days for every policy; API.md's `onestop simulate --json`."""
    model = DayModel(config, visitors_per_day=visitors)
    return Simulation(config, model, default_variants()).run(days, seed)


def _minutes(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 60


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _round(value: float) -> float:
    return round(value, 2)
