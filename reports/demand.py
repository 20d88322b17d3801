"""When visitors come, how many counters that needs, and how good the wait estimates were."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Date, Integer, select, text

from reports.metrics import Figures, Scope
from reports.periods import local_part
from routing import staffing
from routing.store.models import Event

#: an estimate counts as good when it misses the wait by no more than this (minutes)
GOOD_ESTIMATE_MIN = 5.0


def heatmap(connection: Connection, scope: Scope) -> dict[str, Any]:
    """Tickets issued per local weekday (Monday first) and hour: a 7 x 24 grid.

    The database counts per local day and hour (a few thousand groups for a year) and each
    day's weekday is found here: cheaper than working out a weekday for every ticket.
    """
    hour = local_part("issued_at", "hour", scope.dialect, scope.calendar.zone, scope.period)
    query = f"""
        SELECT day, {hour} AS h, COUNT(*) AS n FROM tickets
        WHERE {scope.where()} GROUP BY day, h
    """
    grid = [[0] * 24 for _ in range(7)]
    counted = text(query).columns(day=Date, h=Integer, n=Integer)
    for day, hour_of_day, count in connection.execute(counted, scope.params()):
        grid[day.weekday()][hour_of_day] += count
    return {"weekdays": list(range(7)), "hours": list(range(24)), "arrivals": grid}


def open_days(scope: Scope) -> int:
    """Days of the period on which the centre opened."""
    return sum(1 for day in scope.period.days if scope.calendar.hours_on(day) is not None)


def opening_hours(scope: Scope) -> range:
    """Local hours from the earliest opening to the latest closing of any weekday."""
    spans = list(scope.config.centre.hours.values())
    first = min(span.start for span in spans).hour
    last = max(span.end for span in spans)
    end = 24 if last == dt.time.max else last.hour + (1 if last.minute else 0)
    return range(first, end)


#: counter events that open or shut a counter for calling
OPENING_KINDS = ("opened", "resumed")
SHUTTING_KINDS = ("paused", "closed")


def counters_open(connection: Connection, scope: Scope) -> dict[int, float]:
    """Counter-hours actually open (not paused) per local hour of the day, over the period,
    read from the counters' opened, paused, resumed and closed events."""
    period = scope.period
    query = (
        select(Event.counter_id, Event.kind, Event.at)
        .where(
            Event.at >= period.start,
            Event.at < period.end,
            Event.counter_id.is_not(None),
            Event.kind.in_(OPENING_KINDS + SHUTTING_KINDS),
        )
        .order_by(Event.counter_id, Event.at, Event.id)
    )
    if scope.centre is not None:
        query = query.where(Event.centre == scope.centre)
    hours: dict[int, float] = {}
    since: dict[int, dt.datetime] = {}
    for counter_id, kind, at in connection.execute(query):
        if kind in OPENING_KINDS:
            since.setdefault(counter_id, at)
        elif counter_id in since:
            _spread(scope, since.pop(counter_id), at, hours)
    for start in since.values():
        _spread(scope, start, min(scope.period.end, scope.now or scope.period.end), hours)
    return hours


def _spread(scope: Scope, start: dt.datetime, end: dt.datetime, hours: dict[int, float]) -> None:
    """Add the stretch from `start` to `end` to the local hours it covers."""
    zone = scope.calendar.zone
    while start < end:
        local = start.astimezone(zone)
        boundary = local.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
        step = min(end, boundary.astimezone(dt.UTC))
        hours[local.hour] = hours.get(local.hour, 0.0) + (step - start).total_seconds() / 3600
        start = step


def counters_per_hour(
    scope: Scope, hours: list[Figures], opened: dict[int, float]
) -> list[dict[str, Any]]:
    """Per local hour: mean arrivals per open day, the counters Erlang C says they need to
    call 80% within 30 minutes (routing.staffing), the counters the config staffs, and those
    that were open on average."""
    days = open_days(scope)
    by_hour = {row.key: row for row in hours}
    plan = []
    for hour in opening_hours(scope):
        row = by_hour.get(hour, Figures(key=hour))
        arrivals = row.issued / days if days else 0.0
        service_min = row.service_s / row.served / 60 if row.served else 0.0
        load = arrivals * service_min / 60
        needed = (
            staffing.counters_needed(load, service_min, staffing.DEFAULT_TARGET_MIN)
            if load > 0
            else 0
        )
        end = dt.time.max if hour == 23 else dt.time(hour + 1)
        staffed = staffing.staffed_counters(scope.config, dt.time(hour), end)
        plan.append(
            {
                "hour": hour,
                "arrivals_per_day": round(arrivals, 1),
                "mean_service_min": round(service_min, 1),
                "load": round(load, 2),
                "needed": needed,
                "staffed": round(staffed, 1),
                "open": round(opened.get(hour, 0.0) / days, 1) if days else 0.0,
            }
        )
    return plan


def estimate_accuracy(connection: Connection, scope: Scope) -> list[dict[str, Any]]:
    """Per service, the wait estimated at issue against the wait that followed, for called
    tickets never transferred: mean estimate, mean wait, mean absolute error, bias
    (estimate minus wait) and the share within 5 minutes."""
    query = f"""
        WITH t AS (
            SELECT service, estimated_wait_min AS e, wait_s / 60.0 AS w FROM tickets
            WHERE {scope.where()} AND wait_s IS NOT NULL AND transfers = 0
              AND estimated_wait_min IS NOT NULL
        )
        SELECT service, COUNT(*), SUM(e), SUM(w), SUM(ABS(e - w)),
               SUM(CASE WHEN ABS(e - w) <= {GOOD_ESTIMATE_MIN} THEN 1 ELSE 0 END)
        FROM t GROUP BY service ORDER BY service
    """
    rows = []
    totals = [0, 0.0, 0.0, 0.0, 0]
    for code, n, estimate, actual, error, good in connection.execute(text(query), scope.params()):
        values = (n, float(estimate), float(actual), float(error), int(good))
        rows.append({"code": code, **_accuracy(*values)})
        totals = [a + b for a, b in zip(totals, values, strict=True)]
    rows.append({"code": "total", **_accuracy(*totals)})
    return rows


def _accuracy(n: int, estimate: float, actual: float, error: float, good: int) -> dict[str, Any]:
    if not n:
        return {
            "tickets": 0,
            "estimate_mean_min": None,
            "wait_mean_min": None,
            "error_mean_min": None,
            "bias_min": None,
            "within_5_min_pct": None,
        }
    return {
        "tickets": n,
        "estimate_mean_min": round(estimate / n, 1),
        "wait_mean_min": round(actual / n, 1),
        "error_mean_min": round(error / n, 1),
        "bias_min": round((estimate - actual) / n, 1),
        "within_5_min_pct": round(100 * good / n, 1),
    }
