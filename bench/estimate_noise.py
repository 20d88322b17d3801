"""How much of the wait estimate's error is the randomness of service times.

The same simulated days run twice per policy: once as the app estimates (each ticket ahead
takes its service's mean time), and once with the replay told every visitor's real service
time, for the tickets ahead and the ones in hand alike. Nothing else changes: the router, the
queue as it stands, nobody invented who arrives later. What the second run still misses is
what the replay cannot know without seeing the future (visitors who arrive later and go
first); what the first adds on top is the service times' spread, which no estimate from
means removes.

    python bench/estimate_noise.py [--days 20] [--policy lwwt fifo]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

if __package__ in (None, ""):  # run as `python bench/estimate_noise.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from routing import forecast
from routing.calendar import Calendar
from routing.centre import Centre
from routing.config import load_config
from routing.daymodel import DayModel, Visitor
from routing.router import Waiting
from routing.simulator import (
    ESTIMATE_MIN_WAIT,
    FIRST_DAY,
    Engine,
    Simulation,
    Variant,
    open_days,
    relative_rmse,
)
from routing.store.memory import MemoryStore
from routing.store.models import Ticket

REFERENCE = Path(__file__).resolve().parents[1] / "config.yaml"


@contextmanager
def told(service_min: dict[int, float]) -> Iterator[None]:
    """The replay takes each ticket's real service time from `service_min` (by ticket id)
    instead of its service's mean, and the estimate is not scaled."""

    def duration(_: forecast.Trace, row: Waiting) -> dt.timedelta:
        return dt.timedelta(minutes=service_min[row.id])

    def busy_until(held: list[Ticket], _: Centre, now: dt.datetime) -> dict[int, dt.datetime]:
        ends = {}
        for ticket in held:
            began = ticket.started_at or ticket.called_at or now
            ends[ticket.counter_id] = max(now, began + dt.timedelta(minutes=service_min[ticket.id]))
        return ends

    with (
        mock.patch.object(forecast.Trace, "_duration", duration),
        mock.patch.object(forecast, "_busy_until", busy_until),
        mock.patch.object(forecast, "SHRINK", 1.0),
    ):
        yield


def run_day(engine: Engine, visitors: Sequence[Visitor], *, knowing: bool) -> list[float | None]:
    """`Engine.run` on a fresh store; with `knowing`, the replay is told service times."""
    store = MemoryStore(engine.centre.code)
    if not knowing:
        return engine.run(store, visitors)
    service_min: dict[int, float] = {}
    issue = Engine._issue

    def remembering(self: Engine, store: MemoryStore, visitor: Visitor) -> Ticket | None:
        ticket = issue(self, store, visitor)
        if ticket is not None:
            service_min[ticket.id] = visitor.service_min
        return ticket

    with mock.patch.object(Engine, "_issue", remembering), told(service_min):
        return engine.run(store, visitors)


def pairs(
    simulation: Simulation, variant: Variant, days: int, *, knowing: bool
) -> list[tuple[float, float]]:
    """(estimate at issue, wait) of every visitor called after waiting over 5 minutes."""
    calendar = Calendar(simulation.config.centre)
    centre, clock = simulation.centre_for(variant)
    found: list[tuple[float, float]] = []
    for number, day in enumerate(open_days(calendar, FIRST_DAY, days)):
        hours = calendar.hours_on(day)
        assert hours is not None
        start, close = calendar.at(day, hours.start), calendar.at(day, hours.end)
        visitors = simulation.model.day(random.Random(f"1:{number}"))
        engine = Engine(centre, clock, simulation.staff, start, close)
        centre.traces.clear()
        waits = run_day(engine, visitors, knowing=knowing)
        for estimate, wait in zip(engine.estimates, waits, strict=True):
            if estimate is not None and wait is not None and wait > ESTIMATE_MIN_WAIT:
                found.append((estimate, wait))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--policy", nargs="+", default=["lwwt", "fifo"])
    args = parser.parse_args()
    config = load_config(REFERENCE)
    simulation = Simulation(config, DayModel(config), [])
    print(f"{args.days} simulated day(s); relative RMSE of visitors who waited over 5 minutes")
    print(f"{'policy':<20} {'visitors':>8} {'as estimated':>13} {'service times told':>19}")
    for policy in args.policy:
        variant = Variant(policy)
        estimated = pairs(simulation, variant, args.days, knowing=False)
        knowing = pairs(simulation, variant, args.days, knowing=True)
        print(
            f"{policy:<20} {len(estimated):>8} {relative_rmse(estimated):>13.3f}"
            f" {relative_rmse(knowing):>19.3f}"
        )


if __name__ == "__main__":
    main()
