"""A new ticket's wait, found by running the router forward on the present queue.

Counters serve several services and the policy mixes them, so "tickets ahead of mine in my
service" says little about when mine is called. Instead the estimate replays what the
counters will do: every counter open now or planned to open later today (its hours from the
config), each busy one free when its ticket's expected service ends, calls the tickets
waiting now in the order the centre's own policy gives, each taking its service's mean time,
until the new ticket is called. Nobody who arrives later is invented: the replay sees only
the queue as it stands, which is also what makes it deterministic.

Within a queue of one service, one class (legal priority or not), one mediation language and
one destination counter, every policy calls in arrival order; so a counter need only rank the
head of each such queue, and a replay over hundreds of tickets stays cheap enough for issuing.

Kiosks under load issue many tickets while nothing else changes, and a replay over thousands
waiting takes tens of milliseconds; so a replay's answer is kept per lane and reused, for a
while, as long as the counters and the tickets they hold are as they were (see `Replayed`).
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import sys
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass

from routing.centre import Centre
from routing.config import Counter as CounterConfig
from routing.config import Service
from routing.router import Seat, Waiting, eligible, lane_of
from routing.store.models import Staff, Ticket
from routing.store.protocol import TicketStore

#: how much longer a visitor takes with a mediator (REFERENCE.md's working model)
MEDIATED_SLOWDOWN = 1.3
#: how much service times vary around their mean (REFERENCE.md's working model): a busy
#: counter whose ticket has run long is expected to run longer still
SERVICE_CV = 0.7
#: the replay's answer is scaled by this. The replay gives about the expected wait, but the
#: wait is uncertain (service times vary, people arrive and some overtake): relative to the
#: actual wait, an overestimate errs without bound and an underestimate by at most 100%, so
#: the estimate with the least relative error lies below the expected wait. On the simulated
#: days the best factor, sum(e/a) / sum((e/a)^2), is 0.69-0.75 depending on the policy.
SHRINK = 0.72
#: the new ticket's id while the replay ranks it: after every ticket already issued
NEW_ID = sys.maxsize
#: how long a replay's answer serves later newcomers of its lane: it drifts as busy counters'
#: tickets run on, but within this by less than the tenth of a minute the estimate is given in
REUSE = dt.timedelta(seconds=30)
#: calls replayed at most: beyond about two hours of the reference centre's counters, a
#: longer replay costs more than its answer gains in accuracy (see `_replay`)
HORIZON = 500

#: the queue of a waiting ticket within which every policy keeps arrival order
QueueKey = tuple[str, bool, str | None, int | None]


@dataclass(frozen=True)
class Newcomer:
    """The ticket about to be issued, as the estimate sees it."""

    service: Service
    priority: str | None = None
    mediator: bool = False
    language: str = "pt"


def forecast_wait_min(
    store: TicketStore, centre: Centre, newcomer: Newcomer, now: dt.datetime
) -> float:
    """Minutes until the new ticket would be called, replaying the router from `now`."""
    calendar = centre.calendar
    day = calendar.local_day(now)
    hours = calendar.hours_on(day)
    if hours is None or not calendar.is_open(now):
        start = calendar.next_opening(now)
        return round(max(0.0, (start - now).total_seconds() / 60), 1)
    close = calendar.at(day, hours.end)
    mine = _newcomer_row(newcomer, now)
    live = store.seated()
    held = store.active_tickets()
    floor = _floor(live, held)
    waiting = store.waiting_since(mine.service, now)
    lane = lane_of(mine)
    kept = centre.forecasts.get(lane)
    called = None if kept is None else kept.reuse(floor, waiting, now)
    if called is None:
        seats = _seats(centre, live, held, day, now, close)
        ranked = frozenset(s.code for s in centre.config.services if not s.priority_exempt)
        queues = _Queues([*store.queue(), mine], ranked)
        called, interval = _replay(centre, mine, seats, queues, now, close)
        centre.forecasts[lane] = Replayed(floor, now, waiting, called, interval, close)
    return round(max(0.0, (called - now).total_seconds() / 60) * SHRINK, 1)


def due(centre: Centre, newcomer: Newcomer, now: dt.datetime) -> bool:
    """Whether the lane's kept answer is missing or past half its life: a replay ahead of
    issuing, outside the issuing transaction, then saves one inside it."""
    kept = centre.forecasts.get(lane_of(_newcomer_row(newcomer, now)))
    return kept is None or now >= kept.at + REUSE / 2


@dataclass(frozen=True)
class Replayed:
    """A replay's answer for a newcomer of one lane, kept to answer the next ones.

    While the same staff hold the same counters and the same tickets are called or served, no
    counter has called anyone since: the queue has only grown. Each ticket of the service
    issued since is taken to stand ahead in the lane, one interval between the lane's calls
    each.
    """

    floor: Hashable
    at: dt.datetime
    #: tickets of the service waiting when replayed
    waiting: int
    called: dt.datetime
    #: between two calls of the lane in the replay; zero when unknown
    interval: dt.timedelta
    close: dt.datetime

    def reuse(self, floor: Hashable, waiting: int, now: dt.datetime) -> dt.datetime | None:
        """When a newcomer now is called, or None when only a new replay can tell."""
        issued = waiting - self.waiting
        if floor != self.floor or not self.at <= now < self.at + REUSE or issued < 0:
            return None
        if issued and not self.interval:
            return None
        return min(self.close, max(now, self.called + issued * self.interval))


def _floor(live: dict[int, Staff], held: list[Ticket]) -> Hashable:
    """Who holds which counter and which tickets they hold: what a call or a counter changes."""
    return (
        tuple(sorted((counter_id, staff.id) for counter_id, staff in live.items())),
        tuple(sorted((t.id or 0, t.state, t.counter_id or 0) for t in held)),
    )


@dataclass
class _Seat:
    seat: Seat
    free_at: dt.datetime
    end: dt.datetime
    #: the queues this seat may call from, found on its first turn
    queues: list[deque[Waiting]] | None = None


class _Queues:
    """The waiting tickets split into queues each called in arrival order."""

    def __init__(self, rows: list[Waiting], ranked: frozenset[str]) -> None:
        self.ranked = ranked
        rows.sort(key=lambda row: (row.issued_at, row.id or 0))
        self.queues: dict[QueueKey, deque[Waiting]] = {}
        for row in rows:
            self.queues.setdefault(self.key(row), deque()).append(row)
        #: one ticket of each queue, to tell which seats may call it
        self.sample = {key: queue[0] for key, queue in self.queues.items()}

    def key(self, row: Waiting) -> QueueKey:
        priority = row.priority is not None and row.service in self.ranked
        language = row.language if row.mediator else None
        return (row.service, priority, language, row.target_counter_id)

    def open_to(self, seat: Seat) -> list[deque[Waiting]]:
        """The queues `seat` may call from."""
        return [self.queues[k] for k, row in self.sample.items() if eligible(row, seat)]


def _replay(
    centre: Centre,
    mine: Waiting,
    seats: list[_Seat],
    queues: _Queues,
    now: dt.datetime,
    close: dt.datetime,
) -> tuple[dt.datetime, int]:
    """When `mine` is called (`close` if no counter would call it before closing), and the
    time between two calls of its queue: one more of its queue ahead would delay it by that
    (zero when none of its queue goes first, which says nothing of the pace).

    Past `HORIZON` calls the rest is extrapolated: the queue goes on being called at the pace
    it had, or, if it has not been called yet, everyone still waiting is called at the pace
    of all calls so far before `mine`.
    """
    means = {s.code: s.mean_service_min for s in centre.config.services}
    rank = centre.policy.rank
    own = queues.queues[queues.key(mine)]
    before = calls = 0
    first = now
    heap = [(s.free_at, index) for index, s in enumerate(seats) if s.free_at < s.end]
    heapq.heapify(heap)
    while heap:
        at, index = heapq.heappop(heap)
        seat = seats[index]
        if at >= seat.end:
            continue
        if calls == HORIZON:
            ahead = len(own) - 1 if before else sum(map(len, queues.queues.values())) - 1
            pace = (at - now) / (before or calls)
            called = min(close, at + ahead * pace)
            return called, (called - now) / (before + len(own))
        if seat.queues is None:
            seat.queues = queues.open_to(seat.seat)
        heads = [queue[0] for queue in seat.queues if queue]
        if not heads:
            continue
        best = rank(heads, seat.seat, at)[0]
        if best is mine:
            return at, (at - first) / before if before else dt.timedelta(0)
        queue = queues.queues[queues.key(best)]
        if queue is own:
            first = first if before else at
            before += 1
        calls += 1
        queue.popleft()
        minutes = means.get(best.service, 10.0) * (MEDIATED_SLOWDOWN if best.mediator else 1.0)
        heapq.heappush(heap, (at + dt.timedelta(minutes=minutes), index))
    return close, (close - now) / (before + 1)


def _newcomer_row(newcomer: Newcomer, now: dt.datetime) -> Waiting:
    service = newcomer.service
    priority = None if service.priority_exempt else newcomer.priority
    return Waiting(
        None,  # type: ignore[arg-type]
        NEW_ID,
        service.code,
        priority,
        newcomer.mediator,
        newcomer.language,
        now,
        None,
    )


def _seats(
    centre: Centre,
    live: dict[int, Staff],
    held: list[Ticket],
    day: dt.date,
    now: dt.datetime,
    close: dt.datetime,
) -> list[_Seat]:
    """The counters that will call today from now: those open now, with who sits there and
    when their ticket in hand ends, and those whose hours begin later today.

    A counter closed now within its hours is taken to stay closed, unless no counter at
    all is open (the day is just starting): then every counter in its hours counts.
    """
    config = centre.config
    busy_until = _busy_until(held, centre, now)
    windows = _windows(centre, day, close)
    seats: list[_Seat] = []
    for counter in config.counters:
        window = windows.get(counter.id)
        if window is None or window[1] <= now:
            continue
        start, end = window
        staff = live.get(counter.id)
        if staff is not None:
            free = max(now, start, busy_until.get(counter.id, now))
            seats.append(_Seat(Seat.of(counter, staff), free, end))
        elif start > now or not live:
            seats.append(_Seat(_planned(centre, counter), max(now, start), end))
    return seats


def _planned(centre: Centre, counter: CounterConfig) -> Seat:
    """A counter nobody holds yet: its services, and every language at a mediator counter."""
    languages = (
        frozenset(lang.code for lang in centre.config.languages)
        if counter.kind == "mediator"
        else frozenset()
    )
    return Seat(counter, frozenset(counter.services), languages, tuple(counter.services))


def _busy_until(held: list[Ticket], centre: Centre, now: dt.datetime) -> dict[int, dt.datetime]:
    """When each counter holding a ticket is expected to be free again."""
    means = {s.code: s.mean_service_min for s in centre.config.services}
    until: dict[int, dt.datetime] = {}
    for ticket in held:
        if ticket.counter_id is None:
            continue
        mean = means.get(ticket.service, 10.0) * (MEDIATED_SLOWDOWN if ticket.mediator else 1.0)
        began = ticket.started_at or ticket.called_at or now
        spent = max(0.0, (now - began).total_seconds() / 60)
        until[ticket.counter_id] = now + dt.timedelta(minutes=remaining_min(mean, spent))
    return until


def remaining_min(mean: float, spent: float) -> float:
    """Expected minutes left of a lognormal service time with `mean` (cv `SERVICE_CV`) that
    has already run `spent` minutes: E[X - t | X > t]."""
    sigma2 = math.log(1 + SERVICE_CV**2)
    sigma = math.sqrt(sigma2)
    if spent <= 0:
        return mean
    mu = math.log(mean) - sigma2 / 2
    z = (math.log(spent) - mu) / sigma
    survival = _upper_tail(z)
    if survival < 1e-9:
        return mean * SERVICE_CV
    return mean * _upper_tail(z - sigma) / survival - spent


def _upper_tail(z: float) -> float:
    """P(Z > z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2))


def _windows(
    centre: Centre, day: dt.date, close: dt.datetime
) -> dict[int, tuple[dt.datetime, dt.datetime]]:
    """When each counter may call on `day`: its hours within the centre's."""
    calendar = centre.calendar
    hours = calendar.hours_on(day)
    assert hours is not None
    opening = calendar.at(day, hours.start)
    spans: dict[int, tuple[dt.datetime, dt.datetime]] = {}
    for counter in centre.config.counters:
        start, end = opening, close
        if counter.hours is not None:
            start = max(start, calendar.at(day, counter.hours.start))
            end = min(end, calendar.at(day, counter.hours.end))
        if start < end:
            spans[counter.id] = (start, end)
    return spans
