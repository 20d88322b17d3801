"""What is true for one zone's display right now: the centre's state, calls, waiting counts.

The live feed only says that something changed; a display reads this on every connect and
reconnect, and after changes, so it never shows what a missed event would have corrected.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from display.queries import Call, recent_calls
from routing.calendar import Calendar
from routing.centre import Centre
from routing.config import CentreConfig, Service, Zone
from routing.forecast import service_calls, wait_min
from routing.store.sql import SqlStore

#: calls a display lists: the latest, shown large, is the first of them
LAST_CALLS = 8
#: how long before closing the display says "closing soon"
CLOSING_SOON = dt.timedelta(minutes=30)


def find_zone(config: CentreConfig, code: str) -> Zone | None:
    return next((zone for zone in config.zones if zone.code == code), None)


def zone_services(config: CentreConfig, zone: str) -> list[Service]:
    """The services served at the zone's counters, in config order."""
    served = {
        code for counter in config.counters if counter.zone == zone for code in counter.services
    }
    return [service for service in config.services if service.code in served]


def centre_state(calendar: Calendar, now: dt.datetime) -> dict[str, Any]:
    """Open, closing soon (with the closing time) or closed (with the next opening)."""
    if calendar.is_open(now):
        closes = calendar.doors_close(now)
        soon = closes is not None and closes - now <= CLOSING_SOON
        return {
            "open": True,
            "state": "closing_soon" if soon else "open",
            "closes_at": closes.isoformat() if closes else None,
            "next_opening": None,
        }
    try:
        opening: str | None = calendar.next_opening(now).isoformat()
    except ValueError:
        opening = None
    return {"open": False, "state": "closed", "closes_at": None, "next_opening": opening}


def call_json(centre: Centre, call: Call) -> dict[str, Any]:
    counter = centre.config.counter(call.counter_id)
    return {
        "id": call.event_id,
        "number": call.number,
        "counter": counter.name,
        "counter_id": counter.id,
        "service": call.service,
        "language": call.language,
        "recall": call.recall,
        "at": call.at.isoformat(),
    }


def snapshot(store: SqlStore, centre: Centre, zone: Zone) -> dict[str, Any]:
    """The display's JSON (API.md): calls newest first, waiting per service, and more."""
    config = centre.config
    now = centre.clock.now()
    calendar = centre.calendar
    counters = [counter.id for counter in config.counters if counter.zone == zone.code]
    start_of_day = calendar.at(calendar.local_day(now), dt.time())
    calls = recent_calls(store.session, centre.code, counters, start_of_day, LAST_CALLS)
    counts = store.waiting_counts()
    services = zone_services(config, zone.code)
    waiting = {service.code: counts.get(service.code, (0, now))[0] for service in services}
    expected = service_calls(store, centre, services, now)
    return {
        "zone": zone.code,
        "now": now.isoformat(),
        **centre_state(calendar, now),
        "calls": [call_json(centre, call) for call in calls],
        "waiting": waiting,
        "services": [
            {
                "code": service.code,
                "prefix": service.prefix,
                "waiting": waiting[service.code],
                "estimated_wait_min": wait_min(centre, expected[service.code], now),
            }
            for service in services
        ],
    }
