"""The floor `estimate_noise.py` puts under the wait estimate's error: its two pieces of
arithmetic (the benchmark itself runs outside the suite)."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from bench.estimate_noise import least_error, longer_than
from routing.forecast import remaining_min

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
