"""The queue in numbers: tickets per service, local hour, weekday or centre, from stored rows.

Definitions (README "Reports"):
- a ticket's wait runs from its issue to its (last) call; only called tickets have one;
- within target: a wait no longer than the service's target, or its priority target for a
  ticket with a legal priority;
- median and p90 are nearest-rank percentiles of the waits counted in tenths of a minute
  (rounded down: 4 min 59 s counts 4.9): the ceil(n/2)-th and ceil(9n/10)-th of the n sorted
  waits, i.e. the smallest wait with at least half (90%) of the waits at or below it. The
  database counts the waits per tenth of a minute (a few thousand groups for a centre-year)
  and the ranks are read off those counts, the same way whichever the database;
- service time runs from the start of service to its end, for served tickets.

The core keeps both on the ticket as it moves (`wait_s`, `service_s`, to the millisecond).
Counts and sums are aggregated in the database in one pass; totals add the rows up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from reports.periods import Period, local_part, weekday
from routing.calendar import Calendar
from routing.config import CentreConfig

DIMENSIONS = ("service", "hour", "weekday")
#: a ticket's wait in whole tenths of a minute, rounded down; PostgreSQL keeps statistics on
#: this very expression (migration 0005), so its planner expects a few thousand of them
WAIT_TENTHS = {
    "postgresql": "CAST(FLOOR(wait_s / 6) AS INTEGER)",
    "sqlite": "CAST(wait_s / 6 AS INTEGER)",
}
#: targets of a service the config does not know (another centre's): the config's defaults
DEFAULT_TARGET_MIN = 30.0
DEFAULT_PRIORITY_TARGET_MIN = 10.0


@dataclass
class Figures:
    """One row of a breakdown; sums kept so that rows add up to a total."""

    key: Any
    issued: int = 0
    served: int = 0
    no_show: int = 0
    cancelled: int = 0
    transfers: int = 0
    waited: int = 0
    wait_s: float = 0.0
    within: int = 0
    service_s: float = 0.0
    median_s: float | None = None
    p90_s: float | None = None
    refused: dict[str, int] = field(default_factory=dict)

    def tally(self, *sums: int | float | Decimal | None) -> None:
        """Add one group of the breakdown's query: its sums in the order it selects them, an
        empty sum as None. Plain additions: a centre-year comes in tens of thousands of groups."""
        waited, issued, served, no_show, cancelled, transfers, within, wait_s, service_s = sums
        self.waited += int(waited or 0)
        self.issued += int(issued or 0)
        self.served += int(served or 0)
        self.no_show += int(no_show or 0)
        self.cancelled += int(cancelled or 0)
        self.transfers += int(transfers or 0)
        self.within += int(within or 0)
        self.wait_s += float(wait_s or 0)
        self.service_s += float(service_s or 0)

    def add(self, other: Figures) -> None:
        for name in ("issued", "served", "no_show", "cancelled", "transfers", "waited"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.wait_s += other.wait_s
        self.within += other.within
        self.service_s += other.service_s
        for reason, count in other.refused.items():
            self.refused[reason] = self.refused.get(reason, 0) + count

    def json(self) -> dict[str, Any]:
        """Every figure; minutes and percentages to one decimal, None when nothing to measure."""
        return {
            "issued": self.issued,
            "served": self.served,
            "no_show": self.no_show,
            "cancelled": self.cancelled,
            "refused": sum(self.refused.values()),
            "refused_by_reason": dict(sorted(self.refused.items())),
            "transfers": self.transfers,
            "wait_mean_min": _minutes(self.wait_s / self.waited if self.waited else None),
            "wait_median_min": _minutes(self.median_s),
            "wait_p90_min": _minutes(self.p90_s),
            "within_target_pct": _pct(self.within, self.waited),
            "service_mean_min": _minutes(self.service_s / self.served if self.served else None),
        }


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class Scope:
    """What a breakdown reads: one centre (or all, for the national view) over a period."""

    config: CentreConfig
    calendar: Calendar
    period: Period
    centre: str | None
    dialect: str
    #: the centre's clock: counters still open count until now
    now: dt.datetime | None = None

    def where(self, day_column: str = "day") -> str:
        centre = "centre = :centre AND " if self.centre is not None else ""
        return f"{centre}{day_column} BETWEEN :first AND :last"

    def params(self) -> dict[str, Any]:
        return {
            "centre": self.centre,
            "first": self.period.first,
            "last": self.period.last,
            "start": self.period.start,
            "end": self.period.end,
        }


def tune(connection: Connection) -> None:
    """Settings for this read transaction on PostgreSQL: room to group a year's tickets in
    memory rather than sort them on disk, and no JIT compilation, which costs more than it
    saves on queries this size."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL work_mem = '64MB'"))
        connection.execute(text("SET LOCAL jit = off"))


def target_sql(config: CentreConfig) -> str:
    """SQL for a ticket's target in seconds, by its service and whether it has a priority.

    One branch per target rather than per service, the default's services left to ELSE:
    the expression runs once per ticket, and a few lists (hashed by PostgreSQL) cost less
    than comparing the service with every code in turn.
    """

    def by_service(attribute: str, default: float) -> str:
        codes: dict[float, list[str]] = {}
        for service in config.services:
            goal = float(getattr(service, attribute)) * 60
            if goal != default * 60:
                codes.setdefault(goal, []).append(_literal(service.code))
        branches = " ".join(
            f"WHEN service IN ({', '.join(listed)}) THEN {goal!r}"
            for goal, listed in sorted(codes.items())
        )
        return f"CASE {branches} ELSE {default * 60!r} END" if branches else repr(default * 60)

    regular = by_service("target_min", DEFAULT_TARGET_MIN)
    priority = by_service("priority_target_min", DEFAULT_PRIORITY_TARGET_MIN)
    return f"CASE WHEN priority IS NULL THEN {regular} ELSE {priority} END"


def _literal(value: str) -> str:
    """A config value as an SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _key_sql(scope: Scope, by: str) -> str:
    if by == "service":
        return "service"
    if by == "centre":
        return "centre"
    if by == "hour":
        zone = scope.calendar.zone
        return local_part("issued_at", "hour", scope.dialect, zone, scope.period)
    return weekday("day", scope.dialect)


def _refusal_key_sql(scope: Scope, by: str) -> str:
    if by in ("service", "centre"):
        return by
    return local_part("at", by, scope.dialect, scope.calendar.zone, scope.period)


def breakdown(connection: Connection, scope: Scope, by: str) -> tuple[list[Figures], Figures]:
    """Rows by `by` (service, hour, weekday or centre) and their total.

    One pass over the tickets: the database groups them by row and by wait in tenths of a
    minute, summing as it goes; the percentiles are then read off those few thousand groups.
    """
    bucket = WAIT_TENTHS[scope.dialect]
    query = f"""
        SELECT {_key_sql(scope, by)} AS k, {bucket} AS b, COUNT(wait_s) AS waited,
               COUNT(*) AS issued,
               SUM(CASE WHEN state = 'done' THEN 1 ELSE 0 END) AS served,
               SUM(CASE WHEN state = 'no_show' THEN 1 ELSE 0 END) AS no_show,
               SUM(CASE WHEN state = 'cancelled' THEN 1 ELSE 0 END) AS cancelled,
               SUM(transfers) AS transfers,
               SUM(CASE WHEN wait_s <= {target_sql(scope.config)} THEN 1 ELSE 0 END) AS within,
               SUM(wait_s) AS wait_s, SUM(service_s) AS service_s
        FROM tickets WHERE {scope.where()} GROUP BY k, b
    """
    rows: dict[Any, Figures] = {}
    waits: dict[Any, list[tuple[int, int]]] = {}
    everyone: dict[int, int] = {}
    for key, tenths, waited, *sums in connection.execute(text(query), scope.params()):
        figures = rows.get(key)
        if figures is None:
            figures = rows[key] = Figures(key=key)
        figures.tally(waited, *sums)
        if tenths is not None:
            waits.setdefault(key, []).append((tenths, waited))
            everyone[tenths] = everyone.get(tenths, 0) + waited
    for key, counts in waits.items():
        rows[key].median_s, rows[key].p90_s = _ranks(counts)
    _refusals(connection, scope, by, rows)
    total = Figures(key=None)
    for figures in rows.values():
        total.add(figures)
    total.median_s, total.p90_s = _ranks(list(everyone.items()))
    return [rows[k] for k in sorted(rows, key=_order)], total


def _ranks(counts: list[tuple[int, int]]) -> tuple[float | None, float | None]:
    """Nearest-rank median and p90 (seconds) of waits counted per tenth of a minute."""
    counts.sort()
    n = sum(count for _, count in counts)
    if n == 0:
        return None, None
    found: list[float] = []
    wanted = [(n + 1) // 2, (9 * n + 9) // 10]
    seen = 0
    for tenth, count in counts:
        seen += count
        while wanted and seen >= wanted[0]:
            found.append(tenth * 6.0)
            wanted.pop(0)
    return found[0], found[1]


def _refusals(connection: Connection, scope: Scope, by: str, rows: dict[Any, Figures]) -> None:
    key = _refusal_key_sql(scope, by)
    centre = "centre = :centre AND " if scope.centre is not None else ""
    query = f"""
        SELECT {key} AS k, reason, COUNT(*) FROM refusals
        WHERE {centre}at >= :start AND at < :end GROUP BY k, reason
    """
    for k, reason, count in connection.execute(text(query), scope.params()):
        figures = rows.setdefault(k, Figures(key=k))
        figures.refused[reason] = count


def _order(key: Any) -> tuple[int, Any]:
    return (0, key) if isinstance(key, int) else (1, str(key))


def filled(rows: list[Figures], keys: list[Any]) -> list[Figures]:
    """`rows` with an empty row for each of `keys` that has none, in the order of `keys`
    followed by any other rows."""
    present = {row.key: row for row in rows}
    ordered = [present.pop(key, None) or Figures(key=key) for key in keys]
    return ordered + list(present.values())
