"""The floor `estimate_noise.py` puts under the wait estimate's error: its two pieces of
arithmetic, and the naive estimate it compares with (the benchmark runs outside the suite)."""

from __future__ import annotations

import datetime as dt
import random

from hypothesis import given
from hypothesis import strategies as st

from bench.estimate_noise import least_error, longer_than, naive
from routing.centre import Centre
from routing.clock import VirtualClock
from routing.daymodel import Visitor
from routing.forecast import remaining_min
from routing.simulator import Engine, simulated_staff
from routing.store.memory import MemoryStore
from tests.routing.test_simulator import MEAN_SERVICE_MIN, MONDAY, one_queue

waits = st.lists(st.floats(min_value=5.01, max_value=240), min_size=1, max_size=30)


def _error(estimate: float, drawn: list[float]) -> float:
    return sum(((estimate - w) / w) ** 2 for w in drawn) / len(drawn)


def test_one_certain_wait_leaves_no_error() -> None:
    assert least_error([12.0, 12.0, 12.0]) == 0.0
    assert least_error([]) == 0.0


def test_two_waits_leave_what_their_best_estimate_errs_by() -> None:
    # the best estimate against 5 and 10 minutes is (1/5 + 1/10) / (1/25 + 1/100) = 6
    assert abs(least_error([5.0, 10.0]) - _error(6.0, [5.0, 10.0])) < 1e-12
    assert abs(least_error([5.0, 10.0]) - 0.1) < 1e-12


@given(waits, st.floats(min_value=0, max_value=300))
def test_no_estimate_errs_less_than_the_floor(drawn: list[float], estimate: float) -> None:
    assert least_error(drawn) <= _error(estimate, drawn) + 1e-9


def test_a_service_in_hand_ends_after_the_time_it_has_run_and_as_late_as_expected() -> None:
    rng = random.Random(3)
    mean, spent = 12.0, 15.0
    drawn = [longer_than(mean, spent, rng) for _ in range(20_000)]
    assert min(drawn) >= spent
    left = sum(drawn) / len(drawn) - spent
    assert abs(left - remaining_min(mean, spent)) < 0.03 * remaining_min(mean, spent)


def test_the_naive_estimate_counts_only_the_queue_ahead_over_the_counters() -> None:
    """Two counters, five visitors of 10 minutes a tenth of a minute apart: the third finds
    both counters busy and nobody ahead, so the naive estimate tells it 0 where the replay
    sees the services in hand; the fourth and fifth have one and two ahead."""
    config = one_queue(2)
    visitors = [Visitor(k / 10, "only", None, False, "pt", 10.0) for k in range(5)]

    def estimates() -> list[float | None]:
        clock = VirtualClock(MONDAY)
        close = MONDAY + dt.timedelta(hours=1)
        engine = Engine(Centre(config, clock), clock, simulated_staff(config), MONDAY, close)
        engine.run(MemoryStore(config.centre.code), visitors)
        return engine.estimates

    replayed = estimates()
    with naive(config):
        told = estimates()
    assert told == [0.0, 0.0, 0.0, MEAN_SERVICE_MIN / 2, 2 * MEAN_SERVICE_MIN / 2]
    assert replayed[2] is not None and replayed[2] > 0
