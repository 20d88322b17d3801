"""A counter's next call with 10,000 waiting tickets and 200 open counters, on the MemoryStore.

Times `routing.tickets.call_next` as a counter presses "next": the snapshot from the store,
eligibility and the policy's ranking, the claim and the state change. Each call is followed
(untimed) by the finish and one new arrival, so the queue stays at its size. Two cases:
the reference visitor mix spread over 200 counters (7 copies of the reference centre's
counters), and the worst case where every waiting ticket is for the calling counter.

    python bench/next_call.py [--waiting 10000] [--counters 200] [--calls 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import secrets
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from routing import counters, tickets
from routing.centre import Centre
from routing.clock import VirtualClock
from routing.config import CentreConfig
from routing.daymodel import DayModel
from routing.policies import POLICIES, Rules, make_policy
from routing.simulator import percentile, simulated_staff
from routing.states import TicketState
from routing.store.memory import MemoryStore
from routing.store.models import Ticket

REFERENCE = Path(__file__).resolve().parents[1] / "config.yaml"
#: a Wednesday at 11:00 in Lisbon (UTC in winter): every counter is inside its hours
MORNING = dt.datetime(2026, 11, 25, 11, 0, tzinfo=dt.UTC)


def big_centre(count: int) -> CentreConfig:
    """The reference centre with its counters repeated until there are `count`, all day long."""
    data = yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))
    pattern = data["counters"]
    data["counters"] = [
        {**pattern[i % len(pattern)], "id": i + 1, "name": f"C{i + 1}", "hours": None}
        for i in range(count)
    ]
    return CentreConfig.model_validate(data)


def make_ticket(centre: Centre, rng: random.Random, service: str, at: dt.datetime) -> Ticket:
    mediated = rng.random() < 0.10
    prefix = centre.config.service(service).prefix
    return Ticket(
        centre=centre.code,
        day=at.date(),
        number=f"{prefix}{rng.randrange(10**6)}",
        token=secrets.token_urlsafe(18),
        service=service,
        language=rng.choice(["ar", "kea", "pov", "ru", "en"]) if mediated else "pt",
        priority="elderly" if rng.random() < 0.15 else None,
        mediator=mediated,
        state=TicketState.WAITING,
        issued_at=at,
        queued_at=at,
        recalls=0,
        transfers=0,
    )


def run(
    config: CentreConfig,
    policy: str,
    waiting: int,
    calls: int,
    pick_service: Callable[[random.Random], str],
    callers: list[int],
    freeze: bool,
) -> tuple[list[float], list[float], float]:
    """Milliseconds per call (wall, then CPU of this thread), and the mean number of tickets
    of the calling counter's services."""
    rng = random.Random(1)
    clock = VirtualClock(MORNING - dt.timedelta(hours=2))
    centre = Centre(config, clock, with_policy=make_policy(policy, Rules.of(config)))
    store = MemoryStore(centre.code)
    staff = simulated_staff(config)
    for person in staff.values():
        store.add(person)
        counters.open_counter(store, centre, person.id, person)
    for i in range(waiting):
        at = clock.now() + dt.timedelta(seconds=7200 * i / waiting)
        store.add(make_ticket(centre, rng, pick_service(rng), at))
    clock.advance_to(MORNING)
    if freeze:
        gc.freeze()  # the set-up's objects leave the collector's sight, as in a warmed-up server
    timings: list[float] = []
    cpu_timings: list[float] = []
    seen = 0
    for i in range(calls):
        counter_id = callers[i % len(callers)]
        person = staff[counter_id]
        seen += len(store.waiting(config.counter(counter_id).services))
        started, cpu = time.perf_counter(), time.thread_time()
        called = tickets.call_next(store, centre, counter_id, person)
        timings.append((time.perf_counter() - started) * 1000)
        cpu_timings.append((time.thread_time() - cpu) * 1000)
        if called is not None:
            tickets.finish(store, centre, counter_id, person)
        clock.advance_to(clock.now() + dt.timedelta(seconds=2))
        store.add(make_ticket(centre, rng, pick_service(rng), clock.now()))
    gc.unfreeze()
    return timings, cpu_timings, seen / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waiting", type=int, default=10_000)
    parser.add_argument("--counters", type=int, default=200)
    parser.add_argument("--calls", type=int, default=2_000)
    parser.add_argument(
        "--freeze-gc",
        action="store_true",
        help="gc.freeze() after the set-up: full collections then skip the 10,000 tickets",
    )
    args = parser.parse_args()
    config = big_centre(args.counters)
    model = DayModel(config)
    services = [s.code for s in config.services]
    weights = [model.popularity.get(code, 1.0) for code in services]
    plain = [c.id for c in config.counters if c.kind == "counter"]
    gc_mode = "frozen after set-up" if args.freeze_gc else "as is"
    print(
        f"{args.waiting} waiting, {args.counters} open counters, {args.calls} calls each; "
        "ms per call_next, wall clock and CPU time (the CPU figures leave out waiting for "
        f"a core on a busy machine); garbage collector {gc_mode}"
    )
    print(
        f"{'case':<42} {'seen':>6} {'p50':>6} {'p99':>6} {'max':>6} {'cpu p50':>8} {'cpu p99':>8}"
    )
    cases = [(f"reference mix, {name}", name, None) for name in POLICIES]
    cases += [(f"all for the caller (worst), {name}", name, "tax-number") for name in POLICIES]
    tax_desks = [c for c in plain if config.counter(c).services[0] == "tax-number"]
    for label, policy, only in cases:
        if only is None:
            timings, cpu, seen = run(
                config,
                policy,
                args.waiting,
                args.calls,
                lambda rng: rng.choices(services, weights)[0],
                [c.id for c in config.counters],
                args.freeze_gc,
            )
        else:
            timings, cpu, seen = run(
                config,
                policy,
                args.waiting,
                args.calls,
                lambda rng, only=only: only,
                tax_desks,
                args.freeze_gc,
            )
        print(
            f"{label:<42} {seen:>6.0f} {percentile(timings, 50):>6.2f} "
            f"{percentile(timings, 99):>6.2f} {max(timings):>6.2f} "
            f"{percentile(cpu, 50):>8.2f} {percentile(cpu, 99):>8.2f}"
        )


if __name__ == "__main__":
    main()
