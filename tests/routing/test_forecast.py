"""The wait estimated at issue: the router replayed forward on the queue as it stands."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing import counters, forecast, tickets
from routing.centre import Centre
from routing.clock import VirtualClock
from routing.config import CentreConfig
from routing.forecast import (
    SERVICE_CV,
    SHRINK,
    Newcomer,
    expected_calls,
    remaining_min,
    wait_min,
)
from routing.policies import Rules, make_policy
from routing.store.memory import MemoryStore
from routing.store.models import Staff, Ticket

TEN = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)  # a Monday; Lisbon is on UTC in winter


def small_centre() -> CentreConfig:
    """Counter 1 serves a and b, counter 2 only b, counter 3 only c and from noon."""
    services = [
        {"code": code, "prefix": code.upper(), "body": "body", "names": {"pt": code}}
        | {"mean_service_min": mean}
        for code, mean in (("a", 10), ("b", 5), ("c", 8))
    ]
    return CentreConfig.model_validate(
        {
            "centre": {
                "code": "small",
                "name": "Small",
                "timezone": "Europe/Lisbon",
                "hours": {d: "08:00-20:00" for d in ("mon", "tue", "wed", "thu", "fri")},
                "holidays": {"country": None},
            },
            "languages": [{"code": "pt", "name": "Português", "kiosk": True}],
            "bodies": [{"code": "body", "names": {"pt": "Balcão"}}],
            "services": services,
            "zones": [{"code": "hall", "name": "Sala"}],
            "counters": [
                {"id": 1, "name": "1", "zone": "hall", "services": ["a", "b"]},
                {"id": 2, "name": "2", "zone": "hall", "services": ["b"]},
                {"id": 3, "name": "3", "zone": "hall", "services": ["c"], "hours": "12:00-20:00"},
            ],
        }
    )


def floor(policy: str, *open_ids: int) -> tuple[MemoryStore, Centre, VirtualClock]:
    config = small_centre()
    clock = VirtualClock(TEN)
    centre = Centre(config, clock, with_policy=make_policy(policy, Rules.of(config)))
    store = MemoryStore("small")
    for counter_id in open_ids:
        store.add(agent(counter_id))
        counters.open_counter(store, centre, counter_id, agent(counter_id))
    return store, centre, clock


def agent(counter_id: int) -> Staff:
    return Staff(
        id=counter_id,
        centre="small",
        username=f"agent{counter_id}",
        password_hash="-",
        role="agent",
        services=[],
        languages=["pt"],
        active=True,
    )


def issue(store: MemoryStore, centre: Centre, service: str, priority: str | None = None) -> Ticket:
    ticket = tickets.issue(store, centre, service=service, language="pt", priority=priority)
    assert isinstance(ticket, Ticket)
    return ticket


def estimate(
    store: MemoryStore, centre: Centre, service: str, priority: str | None = None
) -> float:
    newcomer = Newcomer(centre.config.service(service), priority=priority)
    now = centre.clock.now()
    return wait_min(centre, expected_calls(store, centre, [newcomer], now)[0], now)


def test_tickets_of_other_services_at_the_same_counters_count() -> None:
    """Nobody waits for a, but counter 1 calls the two b tickets first (fifo): 5 + 5 minutes.
    With counter 2 open as well, each takes one b ticket at once and counter 1 is free at 5."""
    store, centre, _ = floor("fifo", 1)
    store_two, centre_two, _ = floor("fifo", 1, 2)
    for shop in ((store, centre), (store_two, centre_two)):
        issue(*shop, "b")
        issue(*shop, "b")
    assert estimate(store, centre, "a") == pytest.approx(round(10 * SHRINK, 1))
    assert estimate(store_two, centre_two, "a") == pytest.approx(round(5 * SHRINK, 1))


def test_a_busy_counter_is_free_when_its_ticket_is_expected_to_end() -> None:
    store, centre, clock = floor("fifo", 1)
    issue(store, centre, "a")
    tickets.call_next(store, centre, 1, agent(1))
    tickets.start(store, centre, 1, agent(1))
    clock.advance_to(TEN + dt.timedelta(minutes=4))
    expected = round(remaining_min(10, 4) * SHRINK, 1)
    assert estimate(store, centre, "a") == pytest.approx(expected)
    assert issue(store, centre, "a").estimated_wait_min == pytest.approx(expected)


def test_a_counter_planned_for_later_today_counts_from_its_opening() -> None:
    store, centre, _ = floor("fifo", 1)
    assert estimate(store, centre, "c") == pytest.approx(round(120 * SHRINK, 1))


def test_the_policy_s_order_is_replayed_so_legal_priority_goes_first() -> None:
    store, centre, _ = floor("strict_priority", 1)
    issue(store, centre, "a")
    tickets.call_next(store, centre, 1, agent(1))
    for _ in range(3):
        issue(store, centre, "a")
    regular = estimate(store, centre, "a")
    priority = estimate(store, centre, "a", priority="elderly")
    assert priority == pytest.approx(round(10 * SHRINK, 1))
    assert regular == pytest.approx(round(40 * SHRINK, 1))


def test_no_counter_open_yet_counts_every_counter_in_its_hours_as_free() -> None:
    """Counters 1 and 2 (not 3, whose hours begin at noon): 1 takes the b waiting, 2 the next b;
    a new a waits for counter 1 to finish the first b."""
    store, centre, _ = floor("lwwt")
    issue(store, centre, "b")
    assert estimate(store, centre, "b") == 0.0
    assert estimate(store, centre, "a") == pytest.approx(round(5 * SHRINK, 1))


@given(
    mean=st.floats(min_value=1, max_value=60),
    spent=st.floats(min_value=0, max_value=300),
)
def test_the_expected_rest_of_a_service_is_positive_and_starts_at_the_mean(
    mean: float, spent: float
) -> None:
    left = remaining_min(mean, spent)
    assert left > 0 and math.isfinite(left)
    assert remaining_min(mean, 0) == mean
    # A service that has run far past its mean is expected to go on for a while yet.
    if spent > 3 * mean:
        assert left >= mean * SERVICE_CV / 2


@given(
    policy=st.sampled_from(["lwwt", "fifo", "strict_priority", "own_service_first"]),
    arrivals=st.lists(st.tuples(st.sampled_from("abc"), st.booleans()), min_size=1, max_size=14),
)
def test_a_kept_replay_brought_up_to_date_answers_as_a_fresh_one(
    policy: str, arrivals: list[tuple[str, bool]]
) -> None:
    """Tickets issued since a replay are added to it (taking it back where their queue had
    emptied): every estimate then equals that of a replay from scratch."""
    store, centre, _ = floor(policy, 1, 2)
    kept = None
    for service, priority in arrivals:
        issue(store, centre, service, priority="pregnant" if priority else None)
        kept = kept or next(iter(centre.traces.values()))
        for probe in "abc":
            fresh = Centre(centre.config, centre.clock, with_policy=centre.policy)
            assert estimate(store, centre, probe) == estimate(store, fresh, probe)
    assert list(centre.traces.values()) == [kept]


def replayed(store: MemoryStore, centre: Centre, service: str) -> float:
    """The estimate from a replay of its own, whatever the centre kept."""
    centre.traces.clear()
    return estimate(store, centre, service)


def test_a_burst_at_the_kiosk_reuses_the_replay_and_gives_what_a_replay_gives() -> None:
    """One counter, busy for 4 more minutes: each a ticket issued in the same minute waits one
    mean service (10 minutes) longer than the one before."""
    store, centre, clock = floor("fifo", 1)
    issue(store, centre, "a")
    tickets.call_next(store, centre, 1, agent(1))
    tickets.start(store, centre, 1, agent(1))
    clock.advance_to(TEN + dt.timedelta(minutes=6))
    busy = remaining_min(10, 6)
    waits = []
    for _ in range(4):
        waits.append(issue(store, centre, "a").estimated_wait_min)
        clock.advance_to(clock.now() + dt.timedelta(seconds=5))
    expected = [round((busy + 10 * n) * SHRINK - 5 / 60 * n * SHRINK, 1) for n in range(4)]
    assert waits == pytest.approx(expected, abs=0.11)
    # The counter's ticket has run on meanwhile, which only a replay sees: its expected end
    # has moved by less than the time since.
    drift = (clock.now() - TEN - dt.timedelta(minutes=6)).total_seconds() / 60
    assert estimate(store, centre, "a") == pytest.approx(replayed(store, centre, "a"), abs=drift)


def test_a_call_or_time_passing_makes_the_estimate_replay() -> None:
    """A kept answer is not reused once a counter has called, nor after `REUSE`: one counter,
    three a waiting; a minute later the first is called, eight more and it is still served."""
    store, centre, clock = floor("fifo", 1)
    for _ in range(3):
        issue(store, centre, "a")
    assert estimate(store, centre, "a") == pytest.approx(round(30 * SHRINK, 1))
    clock.advance_to(TEN + dt.timedelta(minutes=1))
    tickets.call_next(store, centre, 1, agent(1))
    tickets.start(store, centre, 1, agent(1))
    assert estimate(store, centre, "a") == pytest.approx(round(30 * SHRINK, 1))
    clock.advance_to(TEN + dt.timedelta(minutes=9))
    expected = round((remaining_min(10, 8) + 20) * SHRINK, 1)
    assert estimate(store, centre, "a") == pytest.approx(expected)


def test_past_the_horizon_the_queue_goes_on_at_the_pace_it_had(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One counter, fifo, ten a tickets waiting: replayed for five calls only, the newcomer is
    still called after the ten, at 100 minutes."""
    store, centre, _ = floor("fifo", 1)
    for _ in range(10):
        issue(store, centre, "a")
    monkeypatch.setattr(forecast, "HORIZON", 5)
    assert replayed(store, centre, "a") == pytest.approx(round(100 * SHRINK, 1))
