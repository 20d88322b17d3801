"""How much of the wait estimate's error is the randomness of service times.

The same simulated days run twice per policy: once as the app estimates (each ticket ahead
takes its service's mean time), and once with the replay told every visitor's real service
time, for the tickets ahead and the ones in hand alike. Nothing else changes: the router, the
queue as it stands, nobody invented who arrives later. What the second run still misses is
what the replay cannot know without seeing the future (visitors who arrive later and go
first); what the first adds on top is the service times' spread, which no estimate from
means removes. Both are `onestop simulate`'s `estimate_rel_rmse`, on its days (seed 1).
Beside them, the same score for the naive per-service estimate (the tickets of the service
ahead, times its mean time, over the counters offering it) that the issue's 0.7 refers to.

A third figure is the least error any estimate could have from what is known when a ticket
is issued. Before each visitor is issued a ticket, the replay runs `--draws` times on the queue
as it stands, each time with every service in hand ending at a time drawn from its lognormal
given how long it has run so far, and every waiting ticket's service time drawn afresh: the
spread of waits the visitor could have. The best single estimate against those draws
(counting only draws over 5 minutes, as the score counts only visitors who waited over 5) is
sum(1/w) / sum(1/w²), and what it still errs by, 1 - (sum(1/w))² / (n sum(1/w²)), is the
floor; its root mean over the visitors who did wait over 5 minutes is printed. It is a floor
even for an estimate told who will wait over 5 minutes, and it leaves out the visitors who
arrive later and go first, who only add to the error.

    python bench/estimate_noise.py [--days 20] [--policy lwwt fifo] [--draws 32]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from statistics import NormalDist
from unittest import mock

if __package__ in (None, ""):  # run as `python bench/estimate_noise.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from routing import forecast
from routing.centre import Centre
from routing.config import CentreConfig, load_config
from routing.daymodel import DayModel, Visitor
from routing.router import Waiting
from routing.simulator import ESTIMATE_MIN_WAIT, Engine, Simulation, Variant
from routing.store.memory import MemoryStore
from routing.store.models import Ticket

REFERENCE = Path(__file__).resolve().parents[1] / "config.yaml"


@contextmanager
def told() -> Iterator[None]:
    """The replay takes each ticket's real service time, noted as the simulator issues it,
    instead of its service's mean, and the estimate is not scaled. Each day's store numbers
    its tickets afresh, and a ticket is noted before any replay can ask for it."""
    service_min: dict[int, float] = {}
    issue = Engine._issue

    def remembering(self: Engine, store: MemoryStore, visitor: Visitor) -> Ticket | None:
        ticket = issue(self, store, visitor)
        if ticket is not None:
            service_min[ticket.id] = visitor.service_min
        return ticket

    def duration(_: forecast.Trace, row: Waiting) -> dt.timedelta:
        return dt.timedelta(minutes=service_min[row.id])

    def busy_until(held: list[Ticket], _: Centre, now: dt.datetime) -> dict[int, dt.datetime]:
        ends = {}
        for ticket in held:
            began = ticket.started_at or ticket.called_at or now
            ends[ticket.counter_id] = max(now, began + dt.timedelta(minutes=service_min[ticket.id]))
        return ends

    with (
        mock.patch.object(Engine, "_issue", remembering),
        mock.patch.object(forecast.Trace, "_duration", duration),
        mock.patch.object(forecast, "_busy_until", busy_until),
        mock.patch.object(forecast, "SHRINK", 1.0),
    ):
        yield


@contextmanager
def naive(config: CentreConfig) -> Iterator[None]:
    """Each ticket is told the naive per-service estimate instead of the replay's: the
    tickets of its service ahead of it, times its mean time, over the counters offering it."""
    means = {s.code: s.mean_service_min for s in config.services}
    issue = Engine._issue

    def per_service(self: Engine, store: MemoryStore, visitor: Visitor) -> Ticket | None:
        ticket = issue(self, store, visitor)
        if ticket is not None:
            offering = [c for c in config.counters if c.id in self.staff]
            counters = sum(1 for c in offering if visitor.service in c.services) or 1
            ticket.estimated_wait_min = store.ahead(ticket) * means[visitor.service] / counters
        return ticket

    with mock.patch.object(Engine, "_issue", per_service):
        yield


def rmse(
    config: CentreConfig, policy: str, days: int, estimate: AbstractContextManager[None]
) -> float:
    """The relative RMSE of visitors who waited over 5 minutes, as `onestop simulate` has it,
    with the estimate as `estimate` (a patch, or nullcontext() for the app's) makes it."""
    simulation = Simulation(config, DayModel(config), [Variant(policy)])
    with estimate:
        result = simulation.run(days, seed=1)
    return result["policies"][0]["estimate_rel_rmse"]


@contextmanager
def drawn(config: CentreConfig, draws: int, rng: random.Random) -> Iterator[dict[int, list[float]]]:
    """Before each visitor is issued a ticket, `draws` replays with the services in hand and
    those of the tickets waiting drawn at random (see the module's docstring). Yields the
    waits drawn, in minutes, by `id()` of the visitor; the caller empties it day by day."""
    means = {s.code: s.mean_service_min for s in config.services}
    services = {s.code: s for s in config.services}
    waits: dict[int, list[float]] = {}
    sample: dict[int, float] = {}
    drawing = False
    issue, duration, busy_until = Engine._issue, forecast.Trace._duration, forecast._busy_until

    def drawing_first(self: Engine, store: MemoryStore, visitor: Visitor) -> Ticket | None:
        nonlocal drawing
        centre, now = self.centre, self.clock.now()
        if centre.calendar.is_open(now):
            newcomer = forecast.Newcomer(
                services[visitor.service], visitor.priority, visitor.mediated, visitor.language
            )
            drawing, found = True, []
            for _ in range(draws):
                centre.traces.clear()
                sample.clear()
                called = forecast.expected_calls(store, centre, [newcomer], now)[0]
                found.append((called - now).total_seconds() / 60)
            drawing = False
            centre.traces.clear()
            waits[id(visitor)] = found
        return issue(self, store, visitor)

    def drawn_duration(trace: forecast.Trace, row: Waiting) -> dt.timedelta:
        if not drawing:
            return duration(trace, row)
        if row.id not in sample:
            mean = forecast.mean_service_min(means, row.service, mediator=row.mediator)
            sample[row.id] = rng.lognormvariate(*forecast.lognormal(mean))
        return dt.timedelta(minutes=sample[row.id])

    def drawn_ends(held: list[Ticket], centre: Centre, now: dt.datetime) -> dict[int, dt.datetime]:
        if not drawing:
            return busy_until(held, centre, now)
        ends = {}
        for ticket in held:
            began = ticket.started_at or ticket.called_at or now
            mean = forecast.mean_service_min(means, ticket.service, mediator=ticket.mediator)
            spent = max(1e-6, (now - began).total_seconds() / 60)
            ends[ticket.counter_id] = began + dt.timedelta(minutes=longer_than(mean, spent, rng))
        return ends

    with (
        mock.patch.object(Engine, "_issue", drawing_first),
        mock.patch.object(forecast.Trace, "_duration", drawn_duration),
        mock.patch.object(forecast, "_busy_until", drawn_ends),
    ):
        yield waits


def longer_than(mean: float, spent: float, rng: random.Random) -> float:
    """A service time drawn from the lognormal with `mean`, given it is over `spent`."""
    mu, sigma = forecast.lognormal(mean)
    normal = NormalDist()
    below = normal.cdf((math.log(spent) - mu) / sigma)
    quantile = min(below + (1 - below) * rng.random(), 1 - 1e-12)
    return max(spent, math.exp(mu + sigma * normal.inv_cdf(quantile)))


def least_error(waits: list[float]) -> float:
    """The least mean squared relative error a single estimate can have against `waits`:
    that of sum(1/w) / sum(1/w²). Zero when there are none."""
    if not waits:
        return 0.0
    inverse = sum(1 / w for w in waits)
    squared = sum(1 / w**2 for w in waits)
    return 1 - inverse**2 / (len(waits) * squared)


def floor_rmse(config: CentreConfig, policy: str, days: int, draws: int) -> float:
    """The root of `least_error` over the visitors who waited over 5 minutes, each against
    the waits drawn for them (over 5 minutes), on `onestop simulate`'s days (seed 1)."""
    simulation = Simulation(config, DayModel(config), [Variant(policy)])
    centre, clock = simulation.centre_for(simulation.variants[0])
    errors = []
    with drawn(config, draws, random.Random(1)) as waits_drawn:
        for start, close, visitors in simulation.days(days, seed=1):
            engine = Engine(centre, clock, simulation.staff, start, close)
            waits = engine.run(MemoryStore(centre.code), visitors)
            for visitor, wait in zip(visitors, waits, strict=True):
                if wait is not None and wait > ESTIMATE_MIN_WAIT:
                    drawn_waits = waits_drawn.get(id(visitor), [])
                    errors.append(least_error([w for w in drawn_waits if w > ESTIMATE_MIN_WAIT]))
            waits_drawn.clear()
    return math.sqrt(sum(errors) / len(errors)) if errors else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--policy", nargs="+", default=["lwwt", "fifo"])
    parser.add_argument("--draws", type=int, default=32, help="replays drawn per visitor")
    args = parser.parse_args()
    config = load_config(REFERENCE)
    print(f"{args.days} simulated day(s); relative RMSE of visitors who waited over 5 minutes")
    print(
        f"{'policy':<20} {'naive':>6} {'as estimated':>13} {'service times told':>19}"
        f" {'least possible':>15}"
    )
    for policy in args.policy:
        per_service = rmse(config, policy, args.days, naive(config))
        estimated = rmse(config, policy, args.days, nullcontext())
        knowing = rmse(config, policy, args.days, told())
        least = floor_rmse(config, policy, args.days, args.draws)
        print(
            f"{policy:<20} {per_service:>6.3f} {estimated:>13.3f} {knowing:>19.3f} {least:>15.3f}"
        )


if __name__ == "__main__":
    main()
