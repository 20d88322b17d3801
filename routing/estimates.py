"""How long a visitor will wait: position in the queue and the counters that serve it."""

from __future__ import annotations

import datetime as dt

from routing.centre import Centre
from routing.config import Service


def serving_counters(centre: Centre, service: Service, now: dt.datetime) -> int:
    """Counters planned to serve `service` now, or at their next opening today."""
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


def estimate_wait_min(centre: Centre, service: Service, ahead: int, now: dt.datetime) -> float:
    """Minutes until a ticket with `ahead` tickets before it is called."""
    counters = max(1, serving_counters(centre, service, now))
    start = centre.calendar.next_opening(now)
    before_opening = max(0.0, (start - now).total_seconds() / 60)
    return round(before_opening + ahead * service.mean_service_min / counters, 1)
