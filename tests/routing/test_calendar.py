"""The reference centre's calendar, in Lisbon time, under a frozen clock.

Every moment below is written in UTC, as the clock gives it; the comments say what the wall
clock in Lisbon shows. Winter (WET) is UTC+0, summer (WEST) is UTC+1; in 2026 summer time runs
from Sunday 29 March to Sunday 25 October.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from freezegun import freeze_time

from onestop.db import Database
from routing.calendar import Calendar
from routing.centre import Centre
from routing.config import Holidays, load_config
from routing.store.sql import SqlStore
from routing.tickets import refusal_reason
from tests.factories.configs import REFERENCE_CONFIG, reference_data, write_config


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def centre() -> Centre:
    """The reference centre on the system clock, which freezegun freezes."""
    return Centre(load_config(REFERENCE_CONFIG))


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('calendar') / 'onestop.db'}")
    db.upgrade()
    yield db
    db.dispose()


@pytest.fixture
def store(database: Database, centre: Centre) -> Iterator[SqlStore]:
    """An empty store: no ticket issued today, so no daily cap is reached."""
    with database.session(write=False) as session:
        yield SqlStore(session, centre.code)


# (UTC moment, Lisbon wall clock, open?)
OPENING_HOURS = [
    pytest.param("2026-11-25 10:00", "Wed 10:00", True, id="ordinary-wednesday"),
    pytest.param("2026-11-28 10:00", "Sat 10:00", True, id="saturday-open"),
    pytest.param("2026-11-29 10:00", "Sun 10:00", False, id="sunday-closed"),
    pytest.param("2026-11-25 08:29", "Wed 08:29", False, id="one-minute-before-opening"),
    pytest.param("2026-11-25 08:30", "Wed 08:30", True, id="opening-minute"),
    pytest.param("2026-11-25 19:59", "Wed 19:59", True, id="last-open-minute"),
    pytest.param("2026-11-25 20:00", "Wed 20:00", False, id="closing-minute"),
    pytest.param("2026-11-25 02:00", "Wed 02:00", False, id="night"),
    pytest.param("2026-04-25 10:00", "Sat 11:00", False, id="25-april-freedom-day-on-a-saturday"),
    pytest.param("2026-05-01 10:00", "Fri 11:00", False, id="1-may-labour-day"),
    pytest.param("2026-12-01 10:00", "Tue 10:00", False, id="1-december-restoration"),
    pytest.param("2026-12-25 10:00", "Fri 10:00", False, id="christmas"),
    pytest.param("2026-06-13 10:00", "Sat 11:00", False, id="santo-antonio-2026-saturday"),
    pytest.param("2025-06-13 10:00", "Fri 11:00", False, id="santo-antonio-2025-friday"),
    pytest.param("2026-06-20 10:00", "Sat 11:00", True, id="the-saturday-after-santo-antonio"),
    pytest.param("2026-12-24 10:00", "Thu 10:00", False, id="extra-closed-date-24-december"),
    pytest.param("2026-12-31 10:00", "Thu 10:00", False, id="extra-closed-date-31-december"),
    pytest.param("2026-12-23 10:00", "Wed 10:00", True, id="the-day-before-the-extra-date"),
    # Spring forward on Sunday 29 March 2026: 08:30 is 08:30 UTC before, 07:30 UTC after.
    pytest.param("2026-03-28 08:29", "Sat 08:29", False, id="march-saturday-before-08:29"),
    pytest.param("2026-03-28 08:30", "Sat 08:30", True, id="march-saturday-before-08:30"),
    pytest.param("2026-03-28 19:59", "Sat 19:59", True, id="march-saturday-before-19:59"),
    pytest.param("2026-03-29 10:00", "Sun 11:00", False, id="march-change-sunday"),
    pytest.param("2026-03-30 07:29", "Mon 08:29", False, id="march-monday-after-08:29"),
    pytest.param("2026-03-30 07:30", "Mon 08:30", True, id="march-monday-after-08:30"),
    pytest.param("2026-03-30 18:59", "Mon 19:59", True, id="march-monday-after-19:59"),
    pytest.param("2026-03-30 19:00", "Mon 20:00", False, id="march-monday-after-20:00"),
    # Fall back on Sunday 25 October 2026: 08:30 is 07:30 UTC before, 08:30 UTC after.
    pytest.param("2026-10-24 07:29", "Sat 08:29", False, id="october-saturday-before-08:29"),
    pytest.param("2026-10-24 07:30", "Sat 08:30", True, id="october-saturday-before-08:30"),
    pytest.param("2026-10-24 18:59", "Sat 19:59", True, id="october-saturday-before-19:59"),
    pytest.param("2026-10-24 19:00", "Sat 20:00", False, id="october-saturday-before-20:00"),
    pytest.param("2026-10-26 07:30", "Mon 07:30", False, id="october-monday-after-summer-08:30"),
    pytest.param("2026-10-26 08:29", "Mon 08:29", False, id="october-monday-after-08:29"),
    pytest.param("2026-10-26 08:30", "Mon 08:30", True, id="october-monday-after-08:30"),
    pytest.param("2026-10-26 19:59", "Mon 19:59", True, id="october-monday-after-19:59"),
    pytest.param("2026-10-26 20:00", "Mon 20:00", False, id="october-monday-after-20:00"),
]


@pytest.mark.parametrize(("moment", "wall_clock", "is_open"), OPENING_HOURS)
def test_opening_hours(
    centre: Centre, store: SqlStore, moment: str, wall_clock: str, is_open: bool
) -> None:
    with freeze_time(moment):
        now = centre.clock.now()
        assert centre.calendar.local(now).strftime("%a %H:%M") == wall_clock
        assert centre.calendar.is_open(now) is is_open
        refused = refusal_reason(store, centre, centre.config.service("residence-first"), now, now)
    if is_open:
        assert refused is None
    else:
        assert refused is not None and refused.reason == "closed"
        assert refused.retry_at is not None and refused.retry_at > now
        assert centre.calendar.is_open(refused.retry_at)


@pytest.mark.parametrize(
    ("moment", "opening"),
    [
        # Saturday evening, winter: Monday 08:30 = 08:30 UTC
        pytest.param("2026-11-28 20:30", "2026-11-30 08:30", id="saturday-evening-to-monday"),
        # Sunday noon: the same Monday
        pytest.param("2026-11-29 12:00", "2026-11-30 08:30", id="sunday-to-monday"),
        # Wednesday before dawn: the same day at 08:30
        pytest.param("2026-11-25 06:00", "2026-11-25 08:30", id="before-opening-same-day"),
        # Monday evening; Tuesday 1 December is a holiday: Wednesday 08:30
        pytest.param("2026-11-30 20:00", "2026-12-02 08:30", id="across-1-december"),
        # Friday evening (summer); Saturday 25 April is a holiday, Sunday closed: Monday 08:30
        # WEST = 07:30 UTC
        pytest.param("2026-04-24 19:30", "2026-04-27 07:30", id="across-25-april-and-sunday"),
        # Wednesday 23 December evening; 24 (extra) and 25 (Christmas) closed: Saturday 26
        pytest.param("2026-12-23 20:00", "2026-12-26 08:30", id="across-christmas"),
        # Saturday evening 28 March, 20:30 WET; Monday is in summer time: 08:30 = 07:30 UTC
        pytest.param("2026-03-28 20:30", "2026-03-30 07:30", id="across-spring-forward"),
        # Saturday evening 24 October, 20:30 WEST; Monday is in winter time: 08:30 = 08:30 UTC
        pytest.param("2026-10-24 19:30", "2026-10-26 08:30", id="across-fall-back"),
    ],
)
def test_next_opening(centre: Centre, moment: str, opening: str) -> None:
    with freeze_time(moment):
        now = centre.clock.now()
    found = centre.calendar.next_opening(now)
    assert found == utc(opening)
    assert centre.calendar.local(found).strftime("%H:%M") == "08:30"
    assert not centre.calendar.is_open(found - dt.timedelta(minutes=1))


def test_next_opening_while_open_is_now(centre: Centre) -> None:
    with freeze_time("2026-11-25 12:34:56"):
        now = centre.clock.now()
    assert centre.calendar.next_opening(now) == now


@pytest.mark.parametrize(
    ("moment", "closing"),
    [
        pytest.param("2026-03-28 10:00", "2026-03-28 20:00", id="winter-saturday"),
        pytest.param("2026-03-30 10:00", "2026-03-30 19:00", id="summer-monday"),
        pytest.param("2026-03-29 10:00", None, id="sunday"),
        pytest.param("2026-12-01 10:00", None, id="holiday"),
    ],
)
def test_closing_is_20_00_local(centre: Centre, moment: str, closing: str | None) -> None:
    with freeze_time(moment):
        now = centre.clock.now()
    assert centre.calendar.closing(now) == (utc(closing) if closing else None)


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        # 23:30 UTC in summer is 00:30 the next day in Lisbon: numbering has restarted
        pytest.param("2026-07-01 23:30", "2026-07-02", id="summer-23:30-utc-is-tomorrow"),
        pytest.param("2026-07-01 22:59", "2026-07-01", id="summer-22:59-utc-is-today"),
        pytest.param("2026-07-01 23:00", "2026-07-02", id="summer-local-midnight"),
        # in winter Lisbon is on UTC
        pytest.param("2026-11-25 23:30", "2026-11-25", id="winter-23:30-utc-is-today"),
        pytest.param("2026-11-26 00:00", "2026-11-26", id="winter-midnight"),
    ],
)
def test_local_day_near_midnight(centre: Centre, moment: str, day: str) -> None:
    with freeze_time(moment):
        assert centre.calendar.local_day(centre.clock.now()) == dt.date.fromisoformat(day)


def test_santo_antonio_comes_with_the_lisbon_subdivision(centre: Centre) -> None:
    national = centre.config.centre.model_copy(update={"holidays": Holidays(country="PT")})
    friday = dt.date(2025, 6, 13)
    assert centre.calendar.hours_on(friday) is None
    assert Calendar(national).hours_on(friday) is not None
    assert Calendar(national).hours_on(dt.date(2025, 4, 25)) is None


# family-reunification is open 08:30-17:00 in a centre open 08:30-20:00 (Lisbon time)
SHORT_HOURS = [
    # summer, Wednesday 1 July 2026: 17:00 WEST = 16:00 UTC; tomorrow's 08:30 = 07:30 UTC
    pytest.param("2026-07-01 07:30", None, None, id="summer-opening"),
    pytest.param("2026-07-01 15:59", None, None, id="summer-16:59"),
    pytest.param("2026-07-01 16:00", "service_closed", "2026-07-02 07:30", id="summer-17:00"),
    pytest.param("2026-07-01 18:59", "service_closed", "2026-07-02 07:30", id="summer-19:59"),
    pytest.param("2026-07-01 19:00", "closed", "2026-07-02 07:30", id="summer-20:00"),
    pytest.param("2026-07-01 07:29", "closed", "2026-07-01 07:30", id="summer-08:29"),
    # winter Saturday: after 17:00 the service reopens on Monday (Sunday is closed)
    pytest.param("2026-11-28 16:59", None, None, id="saturday-16:59"),
    pytest.param("2026-11-28 17:00", "service_closed", "2026-11-30 08:30", id="saturday-17:00"),
    pytest.param("2026-11-28 20:00", "closed", "2026-11-30 08:30", id="saturday-20:00"),
    # Friday 24 April before the 25 April holiday: reopens on Monday 27, summer time
    pytest.param("2026-04-24 16:00", "service_closed", "2026-04-27 07:30", id="before-holiday"),
]


@pytest.mark.parametrize(("moment", "reason", "retry_at"), SHORT_HOURS)
def test_service_hours_close_the_service_before_the_centre(
    centre: Centre, store: SqlStore, moment: str, reason: str | None, retry_at: str | None
) -> None:
    service = centre.config.service("family-reunification")
    assert str(service.hours) == "08:30-17:00"
    with freeze_time(moment):
        now = centre.clock.now()
        refused = refusal_reason(store, centre, service, now, now)
        assert centre.calendar.is_open(now, service.hours) is (reason is None)
        other = refusal_reason(store, centre, centre.config.service("residence-first"), now, now)
    if reason is None:
        assert refused is None
        return
    assert refused is not None and retry_at is not None
    assert (refused.reason, refused.retry_at) == (reason, utc(retry_at))
    # a service without its own hours follows the centre's
    assert (other is None) is (reason == "service_closed")


def test_service_opening_later_than_the_centre_reopens_the_same_day(tmp_path: Path) -> None:
    data = reference_data()
    service = next(s for s in data["services"] if s["code"] == "family-reunification")
    service["hours"] = "10:00-17:00"
    centre = Centre(load_config(write_config(tmp_path, data)))
    database = Database(f"sqlite:///{tmp_path / 'onestop.db'}")
    database.upgrade()
    try:
        with freeze_time("2026-11-25 09:00"), database.session(write=False) as session:
            now = centre.clock.now()
            chosen = centre.config.service("family-reunification")
            refused = refusal_reason(SqlStore(session, centre.code), centre, chosen, now, now)
    finally:
        database.dispose()
    assert refused is not None and refused.reason == "service_closed"
    assert refused.retry_at == utc("2026-11-25 10:00")
