"""Which counters serve a service today, and until when: what the kiosk's refusals rest on."""

from __future__ import annotations

import bisect
import datetime as dt

from routing.centre import Centre
from routing.config import Service

#: (service, day) plans kept before the memo starts afresh: a few days of every service
CLOSINGS_KEPT = 1000


def serving_counters(centre: Centre, service: Service, now: dt.datetime) -> int:
    """Counters planned to serve `service` now, or at their next opening today."""
    ends = _closings(centre, service, centre.calendar.local_day(now))
    return len(ends) - bisect.bisect_right(ends, now)


def _closings(centre: Centre, service: Service, day: dt.date) -> tuple[dt.datetime, ...]:
    """When each counter serving `service` stops on the local `day`, in order, leaving out
    counters whose hours miss the centre's that day. Worked out once per service and day: a
    counter serves `service` at `now` or later that day exactly when it stops after `now`."""
    key = (service.code, day)
    closings = centre.closings.get(key)
    if closings is None:
        if len(centre.closings) > CLOSINGS_KEPT:
            centre.closings.clear()
        closings = centre.closings[key] = _plan_closings(centre, service, day)
    return closings


def _plan_closings(centre: Centre, service: Service, day: dt.date) -> tuple[dt.datetime, ...]:
    hours = centre.calendar.hours_on(day)
    if hours is None:
        return ()
    ends = []
    for counter in centre.config.counters:
        if service.code not in counter.services:
            continue
        span = counter.hours
        start = max(hours.start, span.start) if span else hours.start
        end = min(hours.end, span.end) if span else hours.end
        if start < end:
            ends.append(centre.calendar.at(day, end))
    return tuple(sorted(ends))


def last_call(centre: Centre, service: Service, now: dt.datetime) -> dt.datetime | None:
    """The last moment today a ticket of `service` can be called: the earlier of the service's
    closing and the closing of the last counter planned to serve it.

    None when no counter serves it today, or when the centre never closes (open until
    midnight and again from midnight: the next day carries on where this one stops).
    """
    ends = _closings(centre, service, centre.calendar.local_day(now))
    closing = centre.calendar.closing(now, service.hours)
    if not ends or closing is None:
        return None
    end = min(ends[-1], closing)
    return None if centre.calendar.is_open(end, service.hours) else end
