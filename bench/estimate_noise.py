"""How much of the wait estimate's error is the randomness of service times.

The same simulated days run twice per policy: once as the app estimates (each ticket ahead
takes its service's mean time), and once with the replay told every visitor's real service
time, for the tickets ahead and the ones in hand alike. Nothing else changes: the router, the
queue as it stands, nobody invented who arrives later. What the second run still misses is
what the replay cannot know without seeing the future (visitors who arrive later and go
first); what the first adds on top is the service times' spread, which no estimate from
means removes. Both are `onestop simulate`'s `estimate_rel_rmse`, on its days (seed 1).

    python bench/estimate_noise.py [--days 20] [--policy lwwt fifo]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from unittest import mock

if __package__ in (None, ""):  # run as `python bench/estimate_noise.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from routing import forecast
from routing.centre import Centre
from routing.config import CentreConfig, load_config
from routing.daymodel import DayModel, Visitor
from routing.router import Waiting
from routing.simulator import Engine, Simulation, Variant
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


def rmse(config: CentreConfig, policy: str, days: int, *, knowing: bool) -> float:
    """The relative RMSE of visitors who waited over 5 minutes, as `onestop simulate` has it."""
    simulation = Simulation(config, DayModel(config), [Variant(policy)])
    with told() if knowing else nullcontext():
        result = simulation.run(days, seed=1)
    return result["policies"][0]["estimate_rel_rmse"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--policy", nargs="+", default=["lwwt", "fifo"])
    args = parser.parse_args()
    config = load_config(REFERENCE)
    print(f"{args.days} simulated day(s); relative RMSE of visitors who waited over 5 minutes")
    print(f"{'policy':<20} {'as estimated':>13} {'service times told':>19}")
    for policy in args.policy:
        estimated = rmse(config, policy, args.days, knowing=False)
        knowing = rmse(config, policy, args.days, knowing=True)
        print(f"{policy:<20} {estimated:>13.3f} {knowing:>19.3f}")


if __name__ == "__main__":
    main()
