"""Erlang C against known values, square-root staffing against Erlang C, the reference plan."""

from __future__ import annotations

import datetime as dt

import pytest

from routing.config import load_config
from routing.daymodel import DayModel
from routing.staffing import (
    HourLoad,
    counters_needed,
    erlang_c,
    mean_wait_min,
    model_profile,
    recorded_profiles,
    square_root_staffing,
    staffed_counters,
    staffing_plan,
    within_target,
)
from tests.factories.configs import REFERENCE_CONFIG


def test_erlang_c_matches_closed_forms() -> None:
    assert erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: an arrival waits with probability rho
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert mean_wait_min(1, 0.8, 5.0) == pytest.approx(0.8 / 0.2 * 5.0)  # rho/(1-rho) * s


def test_erlang_c_matches_the_textbook_call_centre() -> None:
    """10 Erlangs (100 calls per half hour, 3 minutes each), target 20 seconds."""
    known = {11: (0.6821, 0.3896), 12: (0.4494, 0.6402), 13: (0.2853, 0.7956), 14: (0.1741, 0.8884)}
    for agents, (waits, level) in known.items():
        assert erlang_c(agents, 10.0) == pytest.approx(waits, abs=1e-4)
        assert within_target(agents, 10.0, 3.0, 20 / 60) == pytest.approx(level, abs=1e-4)
    assert counters_needed(10.0, 3.0, 20 / 60, 0.8) == 14


def test_an_overloaded_hour_always_waits() -> None:
    assert erlang_c(5, 5.0) == 1.0 and erlang_c(5, 7.5) == 1.0
    assert mean_wait_min(5, 6.0, 10.0) == float("inf")
    assert within_target(5, 6.0, 10.0, 30.0) == 0.0
    assert counters_needed(7.5, 10.0, 30.0) >= 8


def test_erlang_c_stays_stable_for_large_centres() -> None:
    assert 0 < erlang_c(500, 480.0) < 1
    assert counters_needed(480.0, 10.0, 1.0) > 480


@pytest.mark.parametrize("load", [0.5, 2.0, 8.0, 20.0, 60.0, 150.0])
@pytest.mark.parametrize("target", [1.0, 5.0, 30.0])
def test_square_root_staffing_lands_beside_erlang_c(load: float, target: float) -> None:
    exact = counters_needed(load, 10.0, target)
    assert abs(square_root_staffing(load, 10.0, target) - exact) <= 1


def test_more_demanding_targets_need_more_counters() -> None:
    assert counters_needed(20.0, 12.0, 5.0, 0.9) >= counters_needed(20.0, 12.0, 5.0, 0.8)
    assert counters_needed(20.0, 12.0, 2.0) >= counters_needed(20.0, 12.0, 30.0)


def test_the_reference_profile_adds_up_to_the_day() -> None:
    config = load_config(REFERENCE_CONFIG)
    profile = model_profile(DayModel(config))
    assert profile[0].start == dt.time(8, 30) and profile[-1].end == dt.time(20, 0)
    assert sum(slot.arrivals for slot in profile) == pytest.approx(750, rel=0.01)
    peak = max(profile, key=lambda slot: slot.arrivals)
    assert peak.start == dt.time(10, 30) and 90 < peak.arrivals < 100
    assert all(6 <= slot.mean_service_min <= 20 for slot in profile)


def test_staffed_counters_follow_the_counters_hours() -> None:
    config = load_config(REFERENCE_CONFIG)
    # 30 counters; 9 (08:30-14:00) and 23 (09:00-19:00) in the morning, 12 only from 14:00
    assert staffed_counters(config, dt.time(8, 30), dt.time(9, 0)) == pytest.approx(28)
    assert staffed_counters(config, dt.time(9, 0), dt.time(10, 0)) == pytest.approx(29)
    assert staffed_counters(config, dt.time(13, 30), dt.time(14, 30)) == pytest.approx(29)
    assert staffed_counters(config, dt.time(19, 0), dt.time(20, 0)) == pytest.approx(28)


def test_the_plan_flags_hours_short_of_counters() -> None:
    config = load_config(REFERENCE_CONFIG)
    busy = HourLoad(dt.time(10, 0), dt.time(11, 0), arrivals=200, mean_service_min=12)
    quiet = HourLoad(dt.time(11, 0), dt.time(12, 0), arrivals=30, mean_service_min=12)
    busy_row, quiet_row = staffing_plan(config, [busy, quiet])
    assert busy.load == pytest.approx(40) and busy_row.needed > 40 and busy_row.short
    assert quiet_row.needed == counters_needed(6.0, 12.0, 30.0) and not quiet_row.short


def test_the_recorded_profile_averages_each_weekday_over_the_days_it_opened() -> None:
    """Two Mondays and two Tuesdays in the range (Lisbon on UTC in winter): 6 tickets in the
    first hour of the Mondays make 3 a Monday; 08:30-09:30 is slot one."""
    config = load_config(REFERENCE_CONFIG)
    monday = dt.date(2027, 1, 4)
    at = [
        (dt.datetime(2027, 1, 4, 8, 40, tzinfo=dt.UTC), "tax-number"),
        (dt.datetime(2027, 1, 4, 9, 10, tzinfo=dt.UTC), "tax-number"),
        (dt.datetime(2027, 1, 4, 9, 29, tzinfo=dt.UTC), "residence-first"),
        (dt.datetime(2027, 1, 11, 8, 30, tzinfo=dt.UTC), "residence-first"),
        (dt.datetime(2027, 1, 11, 9, 0, tzinfo=dt.UTC), "residence-first"),
        (dt.datetime(2027, 1, 11, 9, 15, tzinfo=dt.UTC), "tax-number"),
        (dt.datetime(2027, 1, 11, 19, 59, tzinfo=dt.UTC), "tax-number"),
        (dt.datetime(2027, 1, 12, 10, 0, tzinfo=dt.UTC), "tax-number"),
        (dt.datetime(2027, 1, 19, 10, 0, tzinfo=dt.UTC), "tax-number"),  # after the range
    ]
    profiles = recorded_profiles(config, at, monday, monday + dt.timedelta(days=8))
    assert list(profiles) == ["mon", "tue", "wed", "thu", "fri", "sat"]
    first, *_, last = profiles["mon"]
    assert (first.start, first.end, first.arrivals) == (dt.time(8, 30), dt.time(9, 30), 3.0)
    assert first.mean_service_min == pytest.approx((3 * 10 + 3 * 20) / 6)
    assert (last.start, last.end, last.arrivals) == (dt.time(19, 30), dt.time(20, 0), 0.5)
    assert sum(slot.arrivals for slot in profiles["tue"]) == 0.5  # one ticket, two Tuesdays
    assert sum(slot.arrivals for slot in profiles["wed"]) == 0.0
    plan = staffing_plan(config, profiles["mon"])
    assert len(plan) == 12 and plan[0].needed >= 1
