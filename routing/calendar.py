"""Opening hours in the centre's own time: which local day it is, and whether doors are open.

Everything outside this module works in UTC; here moments become local (zoneinfo), so
summer-time changes, Saturdays and holidays are decided in one place.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays

from routing.config import WEEKDAYS, CentreInfo, Span


class Calendar:
    """The centre's days and hours; public holidays from the `holidays` package plus extras."""

    def __init__(self, centre: CentreInfo) -> None:
        self.zone = ZoneInfo(centre.timezone)
        self._hours = centre.hours
        self._country = centre.holidays.country
        self._subdivision = centre.holidays.subdivision
        self._extra = frozenset(centre.holidays.extra)

    @cached_property
    def _public_holidays(self) -> holidays.HolidayBase | frozenset[dt.date]:
        if self._country is None:
            return frozenset()
        return holidays.country_holidays(self._country, subdiv=self._subdivision)

    def local(self, moment: dt.datetime) -> dt.datetime:
        """`moment` (aware) in the centre's timezone."""
        return moment.astimezone(self.zone)

    def local_day(self, moment: dt.datetime) -> dt.date:
        """The centre's calendar date at `moment`: numbering restarts with it."""
        return self.local(moment).date()

    def is_holiday(self, day: dt.date) -> bool:
        return day in self._extra or day in self._public_holidays

    def hours_on(self, day: dt.date) -> Span | None:
        """The centre's hours on a local date, or None when it stays closed that day."""
        if self.is_holiday(day):
            return None
        return self._hours.get(WEEKDAYS[day.weekday()])  # type: ignore[arg-type]

    def is_open(self, moment: dt.datetime, span: Span | None = None) -> bool:
        """Whether the centre (and, if given, a narrower daily `span`) is open at `moment`."""
        local = self.local(moment)
        hours = self.hours_on(local.date())
        if hours is None or local.time() not in hours:
            return False
        return span is None or local.time() in span

    def at(self, day: dt.date, time: dt.time) -> dt.datetime:
        """The UTC moment of a local wall-clock time on a local date."""
        if time == dt.time.max:
            return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), self.zone).astimezone(
                dt.UTC
            )
        return dt.datetime.combine(day, time, self.zone).astimezone(dt.UTC)

    def closing(self, moment: dt.datetime, span: Span | None = None) -> dt.datetime | None:
        """When the doors (or `span`) close on the local day of `moment`; None if closed all day."""
        day = self.local_day(moment)
        hours = self.hours_on(day)
        if hours is None:
            return None
        end = min(hours.end, span.end) if span else hours.end
        return self.at(day, end)

    def doors_close(self, moment: dt.datetime) -> dt.datetime | None:
        """When the doors next close for good: the closing of the local day of `moment`, or
        of a later day when the centre opens again at the very moment it closes (open until
        midnight and from midnight); None for a centre open around the clock all week."""
        closes = self.closing(moment)
        for _ in WEEKDAYS:
            if closes is None or not self.is_open(closes):
                return closes
            closes = self.closing(closes)
        return None

    def last_closing(self, moment: dt.datetime) -> dt.datetime | None:
        """The latest closing of the doors at or before `moment`; None if none in 400 days."""
        day = self.local_day(moment)
        for offset in range(400):
            current = day - dt.timedelta(days=offset)
            hours = self.hours_on(current)
            if hours is not None and (closing := self.at(current, hours.end)) <= moment:
                return closing
        return None

    def next_opening(self, moment: dt.datetime, span: Span | None = None) -> dt.datetime:
        """The first moment at or after `moment` when the centre (and `span`) is open."""
        day = self.local_day(moment)
        for offset in range(400):
            current = day + dt.timedelta(days=offset)
            hours = self.hours_on(current)
            if hours is None:
                continue
            start = max(hours.start, span.start) if span else hours.start
            end = min(hours.end, span.end) if span else hours.end
            if start >= end:
                continue
            opening, closing = self.at(current, start), self.at(current, end)
            if moment < closing:
                return max(opening, moment)
        raise ValueError("the centre does not open within 400 days")
