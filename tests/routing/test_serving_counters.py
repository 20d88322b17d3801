"""The counters serving a service, worked out once per day, match the plain per-moment rule."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from routing.centre import Centre
from routing.config import Service, load_config
from routing.estimates import serving_counters
from tests.factories.configs import REFERENCE_CONFIG, reference_data, write_config


def plainly_serving(centre: Centre, service: Service, now: dt.datetime) -> int:
    """The rule stated directly: counters of `service` that open before the centre closes today."""
    calendar = centre.calendar
    closing = calendar.closing(now)
    count = 0
    for counter in centre.config.counters:
        if service.code not in counter.services:
            continue
        if closing is None or calendar.closing(now, counter.hours) is None:
            continue
        if calendar.next_opening(now, counter.hours) < closing:
            count += 1
    return count


def moments(first: dt.date, days: int, step_min: int = 20) -> list[dt.datetime]:
    start = dt.datetime.combine(first, dt.time(), dt.UTC)
    return [start + dt.timedelta(minutes=m) for m in range(0, days * 24 * 60, step_min)]


def short_saturday(directory: Path) -> Path:
    """Saturdays end at 13:00, before counter 12 (14:00-20:00) would open."""
    data = reference_data()
    data["centre"]["hours"]["sat"] = "08:30-13:00"
    return write_config(directory, data)


@pytest.mark.parametrize("short", [False, True], ids=["reference", "short-saturday"])
@pytest.mark.parametrize(
    "first",
    [
        dt.date(2026, 3, 27),  # summer time starts in Lisbon on Sunday 29 March
        dt.date(2026, 6, 11),  # Santo António, 13 June: a Lisbon holiday, on a Saturday
        dt.date(2026, 12, 22),  # the config's own closed days around Christmas
    ],
)
def test_same_answer_as_the_plain_rule_at_every_moment(
    first: dt.date, short: bool, tmp_path: Path
) -> None:
    centre = Centre(load_config(short_saturday(tmp_path) if short else REFERENCE_CONFIG))
    for now in moments(first, days=4):
        for service in centre.config.services:
            expected = plainly_serving(centre, service, now)
            assert serving_counters(centre, service, now) == expected, (service.code, now)


def test_counters_drop_out_as_their_hours_end_and_all_at_closing() -> None:
    centre = Centre(load_config(REFERENCE_CONFIG))
    victims = centre.config.service("victim-support")  # counter 23 stops at 19:00
    wednesday = dt.date(2026, 11, 25)

    def at(hhmm: str) -> int:
        hour, minute = map(int, hhmm.split(":"))
        return serving_counters(
            centre, victims, centre.calendar.at(wednesday, dt.time(hour, minute))
        )

    assert at("07:00") == at("18:59") == at("19:00") + 1
    assert at("20:00") == 0
