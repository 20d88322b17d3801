"""Wall time of one simulated reference day per policy (750 visitors, the reference config).

Each day runs the real issue/call_next/start/finish on a MemoryStore and a virtual clock,
as `onestop simulate` does; the figures are per day and per policy.

    python bench/simulated_day.py [--days 5] [--visitors 750]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

from routing.calendar import Calendar
from routing.config import load_config
from routing.daymodel import DayModel
from routing.simulator import FIRST_DAY, Engine, Simulation, default_variants, open_days
from routing.store.memory import MemoryStore

REFERENCE = Path(__file__).resolve().parents[1] / "config.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--visitors", type=int, default=750)
    args = parser.parse_args()
    config = load_config(REFERENCE)
    model = DayModel(config, visitors_per_day=args.visitors)
    calendar = Calendar(config.centre)
    days = open_days(calendar, FIRST_DAY, args.days)
    visitors = [model.day(random.Random(f"bench:{n}")) for n in range(args.days)]
    variants = default_variants()
    simulation = Simulation(config, model, variants)
    print(f"{args.days} day(s), {statistics.mean(map(len, visitors)):.0f} visitors a day")
    print(f"{'policy':<26} {'mean s/day':>10} {'min':>7} {'max':>7}")
    for variant in variants:
        centre, clock = simulation.centre_for(variant)
        seconds: list[float] = []
        for day, crowd in zip(days, visitors, strict=True):
            hours = calendar.hours_on(day)
            assert hours is not None
            start, close = calendar.at(day, hours.start), calendar.at(day, hours.end)
            engine = Engine(centre, clock, simulation.staff, start, close)
            began = time.perf_counter()
            engine.run(MemoryStore(centre.code), crowd)
            seconds.append(time.perf_counter() - began)
        print(
            f"{variant.label:<26} {statistics.mean(seconds):>10.3f} "
            f"{min(seconds):>7.3f} {max(seconds):>7.3f}"
        )


if __name__ == "__main__":
    main()
