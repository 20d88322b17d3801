"""The floor now: who waits for what and for how long, every counter, mediators, refusals.

The page reads this snapshot on every (re)connect and whenever the managers' room says
something changed; kiosk printers come from `GET /api/printers`, the kiosk room's own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from onestop.payloads import counter_json
from routing import mediation
from routing.centre import Centre
from routing.store.models import Refusal
from routing.store.sql import SqlStore


def _minutes(delta: dt.timedelta) -> float:
    return round(delta.total_seconds() / 60, 1)


def floor_snapshot(store: SqlStore, centre: Centre, now: dt.datetime) -> dict[str, Any]:
    """Waiting per service against its target, the longest wait, counters, mediation
    requests open, and today's refusals by reason."""
    config = centre.config
    counts = store.waiting_counts()
    services = []
    for service in config.services:
        waiting, oldest = counts.get(service.code, (0, None))
        oldest_min = _minutes(now - oldest) if oldest else 0.0
        services.append(
            {
                "code": service.code,
                "name": service.names.get("en") or service.names["pt"],
                "waiting": waiting,
                "oldest_wait_min": oldest_min,
                "target_min": service.target_min,
                "over_target": oldest_min > service.target_min,
            }
        )
    queued = [row for row in services if row["waiting"]]
    longest = max(queued, key=lambda row: row["oldest_wait_min"], default=None)
    live = {row.id: row for row in store.counters()}
    held = {t.counter_id: t for t in store.active_tickets()}
    names = store.staff_names()
    counters = []
    for counter in config.counters:
        row = live.get(counter.id) or store.closed_counter(counter.id)
        staff = names.get(row.staff_id) if row.staff_id else None
        payload = counter_json(centre, row, held.get(counter.id), staff)
        ticket = held.get(counter.id)
        payload["ticket"] = ticket.number if ticket else None
        payload["since"] = row.since.isoformat() if row.since else None
        counters.append(payload)
    requests = store.mediation_requests((mediation.WAITING, mediation.ACCEPTED))
    midnight = centre.calendar.at(centre.calendar.local_day(now), dt.time())
    refused = store.session.execute(
        select(Refusal.reason, func.count())
        .where(Refusal.centre == centre.code, Refusal.at >= midnight)
        .group_by(Refusal.reason)
    ).all()
    return {
        "at": now.isoformat(),
        "services": services,
        "longest": longest,
        "counters": counters,
        "mediation": [
            {
                "language": r.language,
                "state": r.state,
                "counter": config.counter(r.counter_id).name,
                "waited_min": _minutes(now - r.requested_at),
            }
            for r in requests
        ],
        "refusals": {
            "total": sum(count for _, count in refused),
            "by_reason": {reason: count for reason, count in sorted(refused)},
        },
    }
