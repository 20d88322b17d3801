"""A report's range of local days, and the SQL that reads local time on either database.

Reports count the centre's local days (the `day` column every ticket carries) and bucket
moments by local hour. PostgreSQL converts with its own time-zone data; SQLite knows no time
zones, so its expression adds the UTC offset of each stretch between two offset changes of
the range, worked out here with zoneinfo: one definition of "local", both databases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from routing.calendar import Calendar
from routing.states import DomainError

#: the longest range a report reads (ten years of local days)
MAX_DAYS = 3700
#: how SQLAlchemy writes a UTC moment in a SQLite column, so strings compare as moments
SQLITE_MOMENT = "%Y-%m-%d %H:%M:%S.%f"


@dataclass(frozen=True)
class Period:
    """Local days `first` to `last`, both included, and the UTC moments that bound them."""

    first: dt.date
    last: dt.date
    start: dt.datetime
    end: dt.datetime

    @classmethod
    def of(cls, calendar: Calendar, first: dt.date, last: dt.date) -> Period:
        midnight = dt.time()
        return cls(
            first,
            last,
            calendar.at(first, midnight),
            calendar.at(last + dt.timedelta(days=1), midnight),
        )

    @property
    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def parse_period(
    calendar: Calendar, now: dt.datetime, start: str | None, end: str | None
) -> Period:
    """`from` and `to` as the API takes them (YYYY-MM-DD); missing ones mean this month so far.

    Raises `DomainError('invalid')` for a bad date, a reversed or an overlong range.
    """
    today = calendar.local_day(now)
    first = _date(start, "from") if start else today.replace(day=1)
    last = _date(end, "to") if end else max(today, first)
    if last < first:
        raise DomainError("invalid", "'to' comes before 'from'")
    if (last - first).days >= MAX_DAYS:
        raise DomainError("invalid", f"a report covers at most {MAX_DAYS} days")
    return Period.of(calendar, first, last)


def _date(text: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise DomainError("invalid", f"{name!r} must be a date, YYYY-MM-DD") from None


def offsets(zone: ZoneInfo, period: Period) -> list[tuple[dt.datetime, int]]:
    """(from this UTC moment, offset in minutes) stretches covering the period, in order."""
    stretches: list[tuple[dt.datetime, int]] = []
    moment = period.start - dt.timedelta(days=1)
    while moment <= period.end + dt.timedelta(days=1):
        offset = moment.astimezone(zone).utcoffset()
        minutes = int(offset.total_seconds() // 60) if offset is not None else 0
        if not stretches or stretches[-1][1] != minutes:
            stretches.append((moment, minutes))
        moment += dt.timedelta(minutes=30)
    return stretches


def local_part(column: str, part: str, dialect: str, zone: ZoneInfo, period: Period) -> str:
    """SQL for the local `hour` (0-23) or `weekday` (Monday 0) of a UTC timestamp column."""
    if dialect == "postgresql":
        field = "HOUR" if part == "hour" else "ISODOW"
        value = f"CAST(EXTRACT({field} FROM timezone('{zone.key}', {column})) AS INTEGER)"
        return value if part == "hour" else f"({value} - 1)"
    cases = offsets(zone, period)
    if part == "hour":
        # read off the stored text (SQLITE_MOMENT) by position: parsing it with strftime
        # costs several times as much, once per ticket
        clock = (
            f"CAST(substr({column}, 12, 2) AS INTEGER) * 60"
            f" + CAST(substr({column}, 15, 2) AS INTEGER)"
        )
        return f"(({clock} + {_offset(column, cases, '{:d}')} + 1440) % 1440 / 60)"
    shift = _offset(column, cases, "'{:+d} minutes'")
    return f"((CAST(strftime('%w', {column}, {shift}) AS INTEGER) + 6) % 7)"


def _offset(column: str, cases: list[tuple[dt.datetime, int]], form: str) -> str:
    """SQLite SQL for the UTC offset in minutes at the moment in `column`, written as `form`
    formats it."""
    value = form.format(cases[0][1])
    if len(cases) > 1:
        branches = " ".join(
            f"WHEN {column} >= '{since.strftime(SQLITE_MOMENT)}' THEN {form.format(minutes)}"
            for since, minutes in reversed(cases[1:])
        )
        value = f"CASE {branches} ELSE {value} END"
    return value


def weekday(column: str, dialect: str) -> str:
    """SQL for the weekday of a date column, Monday 0 to Sunday 6 (as Python counts)."""
    if dialect == "postgresql":
        return f"(CAST(EXTRACT(ISODOW FROM {column}) AS INTEGER) - 1)"
    return f"((CAST(strftime('%w', {column}) AS INTEGER) + 6) % 7)"


def seconds_between(start: str, end: str, dialect: str) -> str:
    """SQL for the seconds from one timestamp column to another, to the millisecond (SQLite
    reads no finer), so both databases count alike, as `routing.clock.elapsed_s` does for the
    waits the core stores. Floating point throughout: PostgreSQL's numeric arithmetic would
    take three times as long."""
    if dialect == "postgresql":
        return f"(ROUND(date_part('epoch', {end} - {start}) * 1000) / 1000)"
    return f"ROUND((julianday({end}) - julianday({start})) * 86400.0, 3)"
