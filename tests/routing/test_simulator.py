"""The simulator: queueing theory where it applies, and the reference day's rules."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random

import pytest

from routing import tickets
from routing.centre import Centre
from routing.clock import VirtualClock
from routing.config import CentreConfig, load_config
from routing.daymodel import DayModel, Visitor
from routing.policies import Rules
from routing.router import Seat
from routing.simulator import (
    Engine,
    Simulation,
    Tally,
    Variant,
    _note,
    pooled_waits,
    simulate,
    simulated_staff,
)
from routing.store.memory import MemoryStore
from routing.store.models import Ticket
from tests.factories.configs import REFERENCE_CONFIG

MONDAY = dt.datetime(2027, 1, 4, tzinfo=dt.UTC)
MEAN_SERVICE_MIN = 4.0
API_KEYS = {
    "name",
    "mean_wait_min",
    "p95_wait_min",
    "max_wait_min",
    "within_target_pct",
    "priority_mean_wait_min",
    "mediated_mean_wait_min",
}


def one_queue(counters: int) -> CentreConfig:
    """One service, `counters` identical counters, open around the clock every day."""
    return CentreConfig.model_validate(
        {
            "centre": {
                "code": "mmc",
                "name": "M/M/c",
                "hours": {
                    d: "00:00-24:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
                },
                "holidays": {"country": None},
            },
            "languages": [{"code": "pt", "name": "Português", "kiosk": True}],
            "bodies": [{"code": "body", "names": {"pt": "Balcão"}}],
            "services": [
                {
                    "code": "only",
                    "prefix": "A",
                    "body": "body",
                    "names": {"pt": "Serviço"},
                    "mean_service_min": MEAN_SERVICE_MIN,
                }
            ],
            "zones": [{"code": "hall", "name": "Sala"}],
            "counters": [
                {"id": i, "name": str(i), "zone": "hall", "services": ["only"]}
                for i in range(1, counters + 1)
            ],
        }
    )


def poisson_visitors(rng: random.Random, rate_per_min: float, count: int) -> list[Visitor]:
    """Poisson arrivals with exponential service: the M/M part of M/M/c."""
    visitors, minute = [], 0.0
    for _ in range(count):
        minute += rng.expovariate(rate_per_min)
        service = rng.expovariate(1 / MEAN_SERVICE_MIN)
        visitors.append(Visitor(minute, "only", None, False, "pt", service))
    return visitors


def erlang_c_mean_wait(servers: int, load: float, mean_service: float) -> float:
    """Erlang C's mean wait in queue, from the textbook sums (independent of routing.staffing)."""
    tail = load**servers / math.factorial(servers) * servers / (servers - load)
    waits = tail / (sum(load**k / math.factorial(k) for k in range(servers)) + tail)
    return waits * mean_service / (servers - load)


def run_engine(config: CentreConfig, visitors: list[Visitor]) -> tuple[list[float], MemoryStore]:
    clock = VirtualClock(MONDAY)
    close = MONDAY + dt.timedelta(minutes=visitors[-1].arrival_min + 24 * 60)
    engine = Engine(Centre(config, clock), clock, simulated_staff(config), MONDAY, close)
    store = MemoryStore(config.centre.code)
    waits = engine.run(store, visitors)
    assert all(w is not None for w in waits)
    return waits, store  # type: ignore[return-value]


def test_the_engine_serves_one_queue_exactly_first_come_first_served() -> None:
    """Through issue/call_next/start/finish, each visitor waits what the FIFO recursion says."""
    config = one_queue(3)
    visitors = poisson_visitors(random.Random(7), 0.6, 2000)
    waits, store = run_engine(config, visitors)
    expected = pooled_waits([(0.0, math.inf)] * 3, visitors, math.inf)
    assert max(abs(a - b) for a, b in zip(waits, expected, strict=True)) < 1e-6
    assert sum(w > 0 for w in waits) > 500
    kinds = [e.kind for e in store.events]
    assert kinds.count("called") == kinds.count("finished") == len(visitors)


@pytest.mark.slow
def test_the_simulator_reproduces_erlang_c_on_a_stationary_m_m_c_queue() -> None:
    """Two counters at 50% load: Erlang C says 1.333 min. 120,000 visitors in 24 independent
    runs of 5,000 put the standard error near 2%, so 5% is a real check, not luck."""
    servers, rate = 2, 0.25
    config = one_queue(servers)
    total, count = 0.0, 0
    for run in range(24):
        visitors = poisson_visitors(random.Random(f"mmc:{run}"), rate, 5000)
        waits, _ = run_engine(config, visitors)
        total += sum(waits)
        count += len(waits)
    expected = erlang_c_mean_wait(servers, rate * MEAN_SERVICE_MIN, MEAN_SERVICE_MIN)
    assert expected == pytest.approx(4 / 3)
    assert total / count == pytest.approx(expected, rel=0.05)


def test_pooled_waits_take_whichever_counter_frees_first_within_its_hours() -> None:
    visitors = [
        Visitor(0, "x", None, False, "pt", 10),
        Visitor(1, "x", None, False, "pt", 10),
        Visitor(2, "x", None, False, "pt", 10),
        Visitor(3, "x", None, False, "pt", 10),
    ]
    # counter A all day; counter B from minute 5 to minute 12
    assert pooled_waits([(0, 100), (5, 12)], visitors, 100) == [0, 4, 8, 17]
    # nobody can start before closing at 15: the last waits until closing
    assert pooled_waits([(0, 100)], visitors, 15) == [0, 9, 15 - 2, 15 - 3]


def test_counters_call_only_inside_their_hours_and_the_unserved_wait_until_closing() -> None:
    config = load_config(REFERENCE_CONFIG)
    calendar = Centre(config).calendar
    day = dt.date(2027, 1, 6)
    hours = calendar.hours_on(day)
    assert hours is not None
    start, close = calendar.at(day, hours.start), calendar.at(day, hours.end)
    model = DayModel(config, visitors_per_day=2000)
    visitors = model.day(random.Random(3))
    clock = VirtualClock(start)
    engine = Engine(Centre(config, clock), clock, simulated_staff(config), start, close)
    store = MemoryStore(config.centre.code)
    waits = engine.run(store, visitors)

    for event in store.events:
        if event.kind == "called":
            counter = config.counter(event.counter_id)
            assert calendar.is_open(event.at, counter.hours), (counter.id, event.at)
    called = {e.ticket.id for e in store.events if e.kind == "called"}
    unserved = [t for t in store.waiting() if t.id not in called]
    # The kiosk stops issuing by an estimate: on so busy a day, some it let in stay unserved.
    assert unserved, "2,000 visitors should leave a queue at closing"
    day_length = (close - start).total_seconds() / 60
    for ticket in unserved:
        index = next(
            i
            for i, v in enumerate(visitors)
            if v.arrival_min
            == pytest.approx((ticket.issued_at - start).total_seconds() / 60, abs=1e-6)
        )
        assert waits[index] == pytest.approx(day_length - visitors[index].arrival_min, abs=1e-6)


def test_staff_speak_every_language_on_every_floor() -> None:
    config = load_config(REFERENCE_CONFIG)
    staff = simulated_staff(config)
    spoken = {lang.code for lang in config.languages}
    for zone in ("ground", "first"):
        mediators = [c.id for c in config.counters if c.kind == "mediator" and c.zone == zone]
        assert set().union(*(staff[c].languages for c in mediators)) == spoken
    agent = staff[7]
    assert (agent.role, agent.services) == (
        "agent",
        ["social-security-number", "social-security-benefits", "health-user-number"],
    )


def test_a_new_arrival_goes_to_a_plain_counter_then_its_own_desk_then_the_longest_free() -> None:
    """Mediators are scarce: a visitor a free plain counter can serve is not handed to a
    mediator, even one free for longer; among plain counters its own service's desk first."""
    config = load_config(REFERENCE_CONFIG)
    staff = simulated_staff(config)
    clock = VirtualClock(MONDAY)
    engine = Engine(Centre(config, clock), clock, staff, MONDAY, MONDAY + dt.timedelta(hours=9))
    seats = {c.id: Seat.of(c, staff[c.id]) for c in config.counters}
    store = MemoryStore(config.centre.code)
    clock.advance_to(MONDAY + dt.timedelta(hours=10))
    ticket = tickets.issue(
        store, engine.centre, service="immigration-info", language="pt", priority=None
    )
    assert isinstance(ticket, Ticket)
    at = {25: 0, 3: 10, 4: 20, 1: 30, 2: 40}
    idle = {c: MONDAY + dt.timedelta(minutes=m) for c, m in at.items()}
    # 1 and 2 are triage desks, 3 and 4 AIMA's: none has immigration-info first
    assert engine.free_for(ticket, idle, seats) == [3, 4, 1, 2, 25]
    triage = tickets.issue(
        store, engine.centre, service="reception-triage", language="pt", priority=None
    )
    assert isinstance(triage, Ticket)
    assert engine.free_for(triage, idle, seats) == [1, 2, 25]


def test_every_policy_sees_the_same_visitors_and_the_json_has_api_shape() -> None:
    config = load_config(REFERENCE_CONFIG)
    report = simulate(config, days=1, seed=5, visitors=300)
    again = simulate(config, days=1, seed=5, visitors=300)
    assert report == again
    names = [row["name"] for row in report["policies"]]
    assert names == ["lwwt", "fifo", "strict_priority", "own_service_first"]
    assert [row["name"] for row in report["mediator_blind"]] == ["lwwt (mediator-blind)"]
    counts = {row["visitors"] + row["refused"] for row in report["policies"]}
    assert len(counts) == 1 and counts.pop() > 200
    for row in report["policies"]:
        assert row.keys() >= API_KEYS
        assert row["mean_wait_min"] <= row["max_wait_min"]
        assert row["p95_wait_min"] <= row["max_wait_min"]
    assert {"mean_wait_min", "p95_wait_min", "max_wait_min"} <= report["pooled_bound"].keys()


def test_a_simulation_can_run_one_variant() -> None:
    config = load_config(REFERENCE_CONFIG)
    model = DayModel(config, visitors_per_day=200)
    report = Simulation(config, model, [Variant("fifo", mediator_aware=False)]).run(1, seed=2)
    assert report["policies"] == []
    assert report["mediator_blind"][0]["name"] == "fifo (mediator-blind)"


def test_the_day_model_draws_the_reference_mix() -> None:
    config = load_config(REFERENCE_CONFIG)
    model = DayModel(config)
    days = [model.day(random.Random(f"model:{n}")) for n in range(40)]
    crowd = [v for day in days for v in day]
    assert 735 < len(crowd) / len(days) < 765  # Poisson: sd of the 40-day mean about 4.3
    assert all(0 <= v.arrival_min < model.length_min for v in crowd)
    assert all(a.arrival_min <= b.arrival_min for day in days for a, b in itertools.pairwise(day))
    assert 0.14 < sum(v.priority is not None for v in crowd) / len(crowd) < 0.16
    mediated = [v for v in crowd if v.mediated]
    assert 0.09 < len(mediated) / len(crowd) < 0.11
    assert {v.language for v in crowd if not v.mediated} == {"pt"}
    assert "pt" not in {v.language for v in mediated}
    first_hour = sum(v.arrival_min < 60 for v in crowd)
    peak_hour = sum(120 <= v.arrival_min < 180 for v in crowd)
    assert 1.6 < peak_hour / first_hour < 2.2  # mean intensities 1.475 and 0.775: 1.9
    for v in crowd:
        hours = config.service(v.service).hours
        moment = (dt.datetime(2027, 1, 4, 8, 30) + dt.timedelta(minutes=v.arrival_min)).time()
        assert hours is None or moment in hours, v
    plain = [v.service_min / config.service(v.service).mean_service_min for v in crowd]
    ratios = [r for r, v in zip(plain, crowd, strict=True) if not v.mediated]
    mean = sum(ratios) / len(ratios)
    cv = math.sqrt(sum((r - mean) ** 2 for r in ratios) / len(ratios)) / mean
    assert 0.97 < mean < 1.03 and 0.65 < cv < 0.75
    slow = [r for r, v in zip(plain, crowd, strict=True) if v.mediated]
    assert 1.2 < sum(slow) / len(slow) < 1.4


def test_the_estimate_s_relative_rmse_counts_only_called_visitors_who_waited_over_5_minutes() -> (
    None
):
    visitors = [Visitor(float(k), "only", None, False, "pt", 4.0) for k in range(6)]
    waits = [10.0, 20.0, 3.0, None, 8.0, 5.0]
    # 3 and 5 minutes are too short to judge; None was refused; 8's estimate is None (never
    # called, so no estimate to judge). Left: (12 - 10) / 10 = 0.2 and (10 - 20) / 20 = -0.5.
    estimates = [12.0, 10.0, 30.0, 1.0, None, 50.0]
    tally = Tally("lwwt")
    tally.add_day(visitors, waits, Rules.of(one_queue(1)), estimates)
    assert tally.summary()["estimate_rel_rmse"] == round(math.sqrt((0.2**2 + 0.5**2) / 2), 3)
    assert Tally("none").summary()["estimate_rel_rmse"] == 0.0


def test_the_engine_keeps_the_estimate_at_issue_of_each_visitor_it_called() -> None:
    config = one_queue(1)
    visitors = [Visitor(float(k), "only", None, False, "pt", 10.0) for k in range(3)]
    clock = VirtualClock(MONDAY)
    close = MONDAY + dt.timedelta(minutes=15)
    engine = Engine(Centre(config, clock), clock, simulated_staff(config), MONDAY, close)
    engine.run(MemoryStore(config.centre.code), visitors)
    # the third is still waiting at closing (called at no time): nothing to judge
    assert engine.estimates[0] == 0.0
    assert engine.estimates[1] is not None
    assert engine.estimates[2] is None


def test_the_note_names_the_constraint_when_the_default_is_well_above_the_pooled_bound() -> None:
    visitors = [
        Visitor(0.0, "tax-number", None, False, "pt", 10.0),
        Visitor(1.0, "tax-number", None, True, "kea", 10.0),
    ]
    rules = Rules.of(load_config(REFERENCE_CONFIG))
    tally = Tally("lwwt")
    tally.add_day(visitors, [1.0, 9.0], rules)
    assert (
        _note(tally, 5.0) == "tickets still waiting at closing count with their wait until closing"
    )
    note = _note(tally, 2.0)
    assert "lwwt's mean wait (5.00 min) is above 1.15 times the pooled bound's (2.00)" in note
    assert "mediator who speaks their language (mean 9.00 min, against 1.00" in note
