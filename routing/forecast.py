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

One replay answers for every queue (see `Trace`), and is kept for a while, as long as the
counters and the tickets they hold are as they were: kiosks under load issue many tickets
while nothing else changes, and a replay over thousands waiting takes tens of milliseconds.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import sys
import threading
from collections import deque
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

from routing.centre import Centre
from routing.config import Counter as CounterConfig
from routing.config import Service
from routing.router import Seat, Waiting, eligible
from routing.store.models import Staff, Ticket
from routing.store.protocol import TicketStore

#: how much longer a visitor takes with a mediator (REFERENCE.md's working model)
MEDIATED_SLOWDOWN = 1.3
#: how much service times vary around their mean (REFERENCE.md's working model): a busy
#: counter whose ticket has run long is expected to run longer still
SERVICE_CV = 0.7
#: the log-variance and log-sd of such a service time, whatever its mean
_SIGMA2 = math.log(1 + SERVICE_CV**2)
_SIGMA = math.sqrt(_SIGMA2)
#: P(Z > z) for a standard normal Z is erfc(z / sqrt 2) / 2; the halves cancel in a ratio
_SQRT_HALF = math.sqrt(0.5)
#: the replay's answer is scaled by this. The replay gives about the expected wait, but the
#: wait is uncertain (service times vary, people arrive and some overtake): relative to the
#: actual wait, an overestimate errs without bound and an underestimate by at most 100%, so
#: the estimate with the least relative error lies below the expected wait. On the simulated
#: days the best factor, sum(e/a) / sum((e/a)^2), is 0.69-0.75 depending on the policy.
SHRINK = 0.72
#: the new ticket's id while the replay ranks it: after every ticket already issued
NEW_ID = sys.maxsize
#: how long a replay serves later newcomers: it drifts as busy counters' tickets run on, but
#: within this by less than the tenth of a minute the estimate is given in
REUSE = dt.timedelta(seconds=30)
#: calls replayed at most: beyond about two hours of the reference centre's counters, a
#: longer replay costs more than its answer gains in accuracy (see `Trace._beyond`)
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


def expected_calls(
    store: TicketStore, centre: Centre, newcomers: Iterable[Newcomer], now: dt.datetime
) -> list[dt.datetime]:
    """When each newcomer, issued now on its own (not one after the other), would be called,
    all read off one replay: the next opening while the centre is closed, its closing when no
    counter would call it before then."""
    trace = _trace(store, centre, now)
    if trace is None:
        opening = centre.calendar.next_opening(now)
        return [opening for _ in newcomers]
    return [max(now, trace.call(_newcomer_row(newcomer, now))) for newcomer in newcomers]


def service_calls(
    store: TicketStore, centre: Centre, services: Iterable[Service], now: dt.datetime
) -> dict[str, dt.datetime]:
    """`expected_calls` of a visitor of each service with no priority and no mediator: what
    the kiosk's and the displays' lists show, and what the kiosk refuses by."""
    chosen = list(services)
    calls = expected_calls(store, centre, [Newcomer(service) for service in chosen], now)
    return {service.code: called for service, called in zip(chosen, calls, strict=True)}


def wait_min(centre: Centre, called: dt.datetime, now: dt.datetime) -> float:
    """The estimate given for a call expected at `called`: the time until the centre opens,
    then the replay's wait scaled by `SHRINK`."""
    start = now if centre.calendar.is_open(now) else min(called, centre.calendar.next_opening(now))
    waited = (start - now) + (called - start) * SHRINK
    return round(max(0.0, waited.total_seconds() / 60), 1)


def due(centre: Centre, now: dt.datetime) -> bool:
    """Whether today's replay is missing or past half its life: a replay ahead of issuing,
    outside the issuing transaction, then saves one inside it. Only the first to ask of a
    half-spent replay is told to: the kiosks behind it go on with the one kept."""
    kept = centre.traces.get(centre.calendar.local_day(now))
    if kept is None or not kept.holds(now):
        return True
    return now >= kept.at + REUSE / 2 and kept.claim_renewal()


def refresh(store: TicketStore, centre: Centre, now: dt.datetime) -> None:
    """Replay anew, whatever was kept (see `due`)."""
    if _open_day(centre, now) is not None:
        _replay(store, centre, now, store.floor(after=NEW_ID)[0])


def _trace(store: TicketStore, centre: Centre, now: dt.datetime) -> Trace | None:
    """Today's replay from about `now`: the one kept, brought up to date with the tickets
    issued since, while it still holds; else a new one. None while the centre is closed."""
    day = _open_day(centre, now)
    if day is None:
        return None
    kept = centre.traces.get(day)
    if kept is None or not kept.holds(now):
        return _replay(store, centre, now, store.floor(after=NEW_ID)[0])
    floor, issued = store.floor(after=kept.last_id)
    if kept.floor != floor:
        return _replay(store, centre, now, floor)
    kept.add(issued)
    return kept


def _open_day(centre: Centre, now: dt.datetime) -> dt.date | None:
    """The local day, if the centre is open now."""
    calendar = centre.calendar
    day = calendar.local_day(now)
    return day if calendar.hours_on(day) is not None and calendar.is_open(now) else None


def _replay(store: TicketStore, centre: Centre, now: dt.datetime, floor: Hashable) -> Trace:
    """A new replay from `now`, kept for the day in place of the last."""
    calendar = centre.calendar
    day = calendar.local_day(now)
    hours = calendar.hours_on(day)
    assert hours is not None
    close = calendar.at(day, hours.end)
    ranked = frozenset(s.code for s in centre.config.services if not s.priority_exempt)
    seats = _seats(centre, store.seated(), store.active_tickets(), day, now, close)
    trace = Trace(centre, floor, now, close, seats, _Queues(store.queue(), ranked))
    centre.traces.clear()
    centre.traces[day] = trace
    return trace


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
        self.queues: dict[QueueKey, deque[Waiting]] = {}
        #: one ticket of each queue, to tell which seats may call it
        self.sample: dict[QueueKey, Waiting] = {}
        self.last_id = 0
        self.add(rows)

    def add(self, rows: list[Waiting]) -> set[QueueKey]:
        """Put newly issued tickets at the end of their queues; returns the queues added to."""
        rows.sort(key=lambda row: (row.issued_at, row.id or 0))
        keys = set()
        for row in rows:
            key = self.key(row)
            keys.add(key)
            self.queues.setdefault(key, deque()).append(row)
            self.sample.setdefault(key, row)
            self.last_id = max(self.last_id, row.id or 0)
        return keys

    def key(self, row: Waiting) -> QueueKey:
        priority = row.priority is not None and row.service in self.ranked
        language = row.language if row.mediator else None
        return (row.service, priority, language, row.target_counter_id)

    def open_to(self, seat: Seat) -> list[deque[Waiting]]:
        """The queues `seat` may call from."""
        return [self.queues[k] for k, row in self.sample.items() if eligible(row, seat)]


#: one turn of a counter in a replay: when, which seat, and whom it called (None: nobody was
#: left for it, and it stays free from then on)
Turn = tuple[dt.datetime, int, Waiting | None]


class Trace:
    """The router replayed from `at` on the queue as it stood, with nobody new arriving: each
    counter's turns in order, kept while the floor stays as it was (`floor`), so that when a
    newcomer of any queue would be called can be read off it.

    A newcomer is last in its queue and changes nothing until it is called: the replay
    without it is the replay with it up to that turn. So it is called at the first turn,
    after its queue has emptied, of a counter that may serve it and ranks it above whom the
    counter called; or as soon as such a counter has nobody left. The replay runs only as far
    as the questions so far needed, and stops at `HORIZON` calls.

    Tickets issued since are added at the end of their queues. That changes nothing already
    replayed unless their queue had emptied (or is new): then the replay is taken back to
    that turn, and goes on from there.
    """

    def __init__(
        self,
        centre: Centre,
        floor: Hashable,
        at: dt.datetime,
        close: dt.datetime,
        seats: list[_Seat],
        queues: _Queues,
    ) -> None:
        self.floor = floor
        self.at = at
        self.close = close
        self._rank = centre.policy.rank
        self._means = {s.code: s.mean_service_min for s in centre.config.services}
        self._seats = seats
        self._queues = queues
        self._sizes = {key: len(queue) for key, queue in queues.queues.items()}
        self._left = sum(self._sizes.values())
        self._called: dict[QueueKey, int] = {}
        #: the turn at which each queue's last ticket was called
        self._emptied: dict[QueueKey, int] = {}
        self._turns: list[Turn] = []
        self._calls = 0
        self._heap: list[tuple[dt.datetime, int]] = []
        self._rewind(0)
        self._lock = threading.Lock()
        self._renewing = False

    def holds(self, now: dt.datetime) -> bool:
        """Whether the replay may still answer at `now` (the floor being unchanged)."""
        return self.at <= now < self.at + REUSE

    def claim_renewal(self) -> bool:
        """True for the first caller only: who replays anew in this one's place."""
        with self._lock:
            first, self._renewing = not self._renewing, True
            return first

    @property
    def last_id(self) -> int:
        """The newest ticket the replay knows of."""
        return self._queues.last_id

    def add(self, rows: list[Waiting]) -> None:
        """Put tickets issued since at the end of their queues."""
        if not rows:
            return
        with self._lock:
            known = set(self._sizes)
            keys = self._queues.add(rows)
            back = len(self._turns)
            for key in keys:
                if key not in known:
                    back = 0
                elif key in self._emptied:
                    back = min(back, self._emptied[key] + 1)
            for row in rows:
                key = self._queues.key(row)
                self._sizes[key] = self._sizes.get(key, 0) + 1
                self._left += 1
            if back == 0:
                for seat in self._seats:
                    seat.queues = None
            self._rewind(back)

    def call(self, mine: Waiting) -> dt.datetime:
        """When `mine`, issued after every ticket in the replay, would be called."""
        with self._lock:
            return self._call(mine)

    def _call(self, mine: Waiting) -> dt.datetime:
        key = self._queues.key(mine)
        while self._called.get(key, 0) < self._sizes.get(key, 0):
            if not self._step():
                return self._beyond(key)
        may = [eligible(mine, seat.seat) for seat in self._seats]
        index = self._emptied.get(key, -1) + 1
        while index < len(self._turns) or self._step():
            at, seat, best = self._turns[index]
            index += 1
            if not may[seat]:
                continue
            if best is None or self._rank([best, mine], self._seats[seat].seat, at)[0] is mine:
                return at
        return self._beyond(key)

    def _step(self) -> bool:
        """Replay one more turn; False when no counter has one left, or at `HORIZON` calls."""
        if self._calls >= HORIZON:
            return False
        heap = self._heap
        while heap:
            at, index = heapq.heappop(heap)
            seat = self._seats[index]
            if at >= seat.end:
                continue
            if seat.queues is None:
                seat.queues = self._queues.open_to(seat.seat)
            heads = [queue[0] for queue in seat.queues if queue]
            if not heads:
                self._turns.append((at, index, None))
                return True
            best = self._rank(heads, seat.seat, at)[0]
            key = self._queues.key(best)
            queue = self._queues.queues[key]
            queue.popleft()
            self._called[key] = self._called.get(key, 0) + 1
            if not queue:
                self._emptied[key] = len(self._turns)
            self._calls += 1
            self._left -= 1
            self._turns.append((at, index, best))
            heapq.heappush(heap, (at + self._duration(best), index))
            return True
        return False

    def _rewind(self, turns: int) -> None:
        """Take the replay back to its first `turns` turns."""
        for _, _, best in reversed(self._turns[turns:]):
            if best is None:
                continue
            key = self._queues.key(best)
            self._queues.queues[key].appendleft(best)
            self._called[key] -= 1
            self._calls -= 1
            self._left += 1
        del self._turns[turns:]
        self._emptied = {k: t for k, t in self._emptied.items() if t < turns}
        latest: dict[int, Turn] = {turn[1]: turn for turn in self._turns}
        self._heap = []
        for index, seat in enumerate(self._seats):
            turn = latest.get(index)
            if turn is None:
                free = seat.free_at
            elif turn[2] is None:
                continue
            else:
                free = turn[0] + self._duration(turn[2])
            if free < seat.end:
                self._heap.append((free, index))
        heapq.heapify(self._heap)

    def _beyond(self, key: QueueKey) -> dt.datetime:
        """Past the replay's end: at `HORIZON` calls, the queue goes on at the pace it had
        (everyone still waiting at the pace of all calls, if it was not called yet); when no
        counter has a turn left today, the closing."""
        if self._calls < HORIZON:
            return self.close
        following = self._heap[0][0] if self._heap else self._turns[-1][0]
        called = self._called.get(key, 0)
        if called:
            ahead = self._sizes[key] - called
            pace = (following - self.at) / called
        else:
            ahead = self._left
            pace = (following - self.at) / self._calls
        return min(self.close, following + ahead * pace)

    def _duration(self, row: Waiting) -> dt.timedelta:
        mean = mean_service_min(self._means, row.service, mediator=row.mediator)
        return dt.timedelta(minutes=mean)


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

    A counter closed now within its hours is taken to stay closed, for the services someone
    open now serves; for the others (all of them while nobody has signed in yet) it is taken
    to open now.
    """
    config = centre.config
    busy_until = _busy_until(held, centre, now)
    windows = _windows(centre, day, close)
    seats: list[_Seat] = []
    unheld: list[tuple[CounterConfig, dt.datetime, dt.datetime]] = []
    for counter in config.counters:
        window = windows.get(counter.id)
        if window is None or window[1] <= now:
            continue
        start, end = window
        staff = live.get(counter.id)
        if staff is None:
            unheld.append((counter, start, end))
            continue
        free = max(now, start, busy_until.get(counter.id, now))
        seats.append(_Seat(centre.seat(counter, staff), free, end))
    served = {code for seat in seats for code in seat.seat.services}
    for counter, start, end in unheld:
        services = [c for c in counter.services if start > now or c not in served]
        if services:
            seats.append(_Seat(_planned(centre, counter, services), max(now, start), end))
    return seats


def _planned(centre: Centre, counter: CounterConfig, services: list[str]) -> Seat:
    """A counter nobody holds yet, for `services`: every language at a mediator counter."""
    languages = (
        frozenset(lang.code for lang in centre.config.languages)
        if counter.kind == "mediator"
        else frozenset()
    )
    return Seat(counter, frozenset(services), languages, tuple(services))


def _busy_until(held: list[Ticket], centre: Centre, now: dt.datetime) -> dict[int, dt.datetime]:
    """When each counter holding a ticket is expected to be free again."""
    means = {s.code: s.mean_service_min for s in centre.config.services}
    until: dict[int, dt.datetime] = {}
    for ticket in held:
        counter_id = ticket.counter_id
        if counter_id is None:
            continue
        mean = mean_service_min(means, ticket.service, mediator=ticket.mediator)
        began = ticket.started_at or ticket.called_at or now
        spent = max(0.0, (now - began).total_seconds() / 60)
        until[counter_id] = now + dt.timedelta(minutes=remaining_min(mean, spent))
    return until


def mean_service_min(means: Mapping[str, float], service: str, *, mediator: bool) -> float:
    """The expected service time of a ticket of `service`, with a mediator or not, from the
    services' means (10 minutes for a service since removed from the config)."""
    return means.get(service, 10.0) * (MEDIATED_SLOWDOWN if mediator else 1.0)


def remaining_min(mean: float, spent: float) -> float:
    """Expected minutes left of a lognormal service time with `mean` (cv `SERVICE_CV`) that
    has already run `spent` minutes: E[X - t | X > t]."""
    if spent <= 0:
        return mean
    z = (math.log(spent) - math.log(mean) + _SIGMA2 / 2) / _SIGMA  # (log(spent) - mu) / sigma
    survival = math.erfc(z * _SQRT_HALF)
    if survival < 2e-9:
        return mean * SERVICE_CV
    return mean * math.erfc((z - _SIGMA) * _SQRT_HALF) / survival - spent


def lognormal(mean: float) -> tuple[float, float]:
    """(mu, sigma) of the lognormal service time with `mean` and cv `SERVICE_CV`."""
    return math.log(mean) - _SIGMA2 / 2, _SIGMA


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
