"""What the wait estimate adds to issuing a ticket: `routing.tickets.issue` with a queue of
300 (by default) waiting and every counter of the reference centre open, on SQLite and on
the MemoryStore.

The issued ticket is then cancelled (untimed), so the queue stays at its size. Two rows per
store: "replay", where every issue replays the router over the whole queue
(routing/forecast.py), as the first ticket of a lane after a call does; and "reused", where
nothing but issuing happened since the lane's last replay, as under a burst at the kiosks.

    python bench/issue_estimate.py [--waiting 300] [--issues 300]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/issue_estimate.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.next_call import MORNING, REFERENCE
from onestop.db import Database
from routing import counters, tickets
from routing.centre import Centre
from routing.clock import VirtualClock
from routing.config import load_config
from routing.daymodel import DayModel
from routing.simulator import percentile, simulated_staff
from routing.store.memory import MemoryStore
from routing.store.models import Ticket
from routing.store.protocol import TicketStore
from routing.store.sql import SqlStore


def fill(store: TicketStore, centre: Centre, clock: VirtualClock, waiting: int) -> list[str]:
    """Open every counter and issue `waiting` tickets of the reference mix over two hours."""
    staff = simulated_staff(centre.config)
    for person in staff.values():
        store.add(person)  # type: ignore[arg-type]
        counters.open_counter(store, centre, person.id, person)  # type: ignore[arg-type]
    model = DayModel(centre.config)
    codes = [s.code for s in centre.config.services if s.daily_cap is None]
    weights = [model.popularity.get(code, 1.0) for code in codes]
    rng = random.Random(1)
    picks = rng.choices(codes, weights, k=waiting * 2)
    for i in range(waiting):
        clock.advance_to(MORNING - dt.timedelta(hours=2) + dt.timedelta(seconds=7200 * i / waiting))
        mediated = rng.random() < 0.1
        tickets.issue(
            store,  # type: ignore[arg-type]
            centre,
            service=picks[i],
            language="kea" if mediated else "pt",
            priority="elderly" if rng.random() < 0.15 else None,
            mediator=mediated,
        )
    return picks[waiting:]


def timed(store: TicketStore, centre: Centre, picks: list[str], *, replay: bool) -> list[float]:
    timings = []
    for service in picks:
        if replay:
            centre.traces.clear()
        started = time.perf_counter()
        ticket = tickets.issue(store, centre, service=service, language="pt")  # type: ignore[arg-type]
        timings.append((time.perf_counter() - started) * 1000)
        assert isinstance(ticket, Ticket)
        tickets.cancel(store, centre, ticket, "bench")  # type: ignore[arg-type]
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waiting", type=int, default=300)
    parser.add_argument("--issues", type=int, default=300)
    args = parser.parse_args()
    config = load_config(REFERENCE)
    print(f"{args.waiting} waiting, {len(config.counters)} counters open; ms per issue")
    print(f"{'store':<8} {'estimate':<8} {'p50':>6} {'p99':>6} {'max':>6}")
    clock = VirtualClock(MORNING - dt.timedelta(hours=2))
    centre = Centre(config, clock)
    memory = MemoryStore(centre.code)
    picks = fill(memory, centre, clock, args.waiting)[: args.issues]
    report("memory", timed(memory, centre, picks, replay=True), "replay")
    report("memory", timed(memory, centre, picks, replay=False), "reused")
    with tempfile.TemporaryDirectory() as directory:
        database = Database(f"sqlite:///{directory}/bench.db")
        database.upgrade()
        clock = VirtualClock(MORNING - dt.timedelta(hours=2))
        centre = Centre(config, clock)
        with database.session(write=True) as session:
            store = SqlStore(session, centre.code)
            picks = fill(store, centre, clock, args.waiting)[: args.issues]
            report("sqlite", timed(store, centre, picks, replay=True), "replay")
            report("sqlite", timed(store, centre, picks, replay=False), "reused")
        database.dispose()


def report(name: str, timings: list[float], estimate: str) -> None:
    print(
        f"{name:<8} {estimate:<8} {percentile(timings, 50):>6.2f} {percentile(timings, 99):>6.2f} "
        f"{max(timings):>6.2f}"
    )


if __name__ == "__main__":
    main()
