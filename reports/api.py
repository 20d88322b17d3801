"""The managers' API under /api/reports: the floor now, and a range of local days in numbers.

Every table answers as JSON and, with `.csv` after its name, as CSV with a header line.
Managers and admins; the national view, across every centre in the database, admins only.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import Connection

from onestop.auth import staff_required
from onestop.context import onestop, read_store
from reports import demand, metrics, people
from reports.floor import floor_snapshot
from reports.metrics import Figures, Scope
from reports.periods import parse_period
from routing.states import DomainError

bp = Blueprint("reports_api", __name__, url_prefix="/api/reports")

SUMMARY_KEYS = (
    "issued",
    "served",
    "no_show",
    "cancelled",
    "refused",
    "wait_mean_min",
    "wait_p90_min",
    "within_target_pct",
    "service_mean_min",
)


@contextmanager
def _scope(*, national: bool = False) -> Iterator[tuple[Connection, Scope]]:
    """A read-only connection and what the request's `from` and `to` ask for."""
    state = onestop()
    centre = state.centre
    period = parse_period(
        centre.calendar, centre.clock.now(), request.args.get("from"), request.args.get("to")
    )
    with state.db.session(write=False) as session:
        connection = session.connection()
        metrics.tune(connection)
        yield (
            connection,
            Scope(
                config=centre.config,
                calendar=centre.calendar,
                period=period,
                centre=None if national else centre.code,
                dialect=connection.dialect.name,
                now=centre.clock.now(),
            ),
        )


def _framed(scope: Scope, **body: Any) -> dict[str, Any]:
    return {"from": scope.period.first.isoformat(), "to": scope.period.last.isoformat(), **body}


def summary_table() -> dict[str, Any]:
    """API.md's summary: per service, then the total."""
    with _scope() as (connection, scope):
        rows, total = metrics.breakdown(connection, scope, "service")
    codes = [service.code for service in scope.config.services]
    return {
        "services": [{"code": row.key, **_summary(row)} for row in metrics.filled(rows, codes)],
        "total": _summary(total),
    }


def _summary(figures: Figures) -> dict[str, Any]:
    full = figures.json()
    return {key: full[key] for key in SUMMARY_KEYS}


def breakdown_table() -> dict[str, Any]:
    """Every figure per service, local hour of issue or weekday (`by`), and the total."""
    by = request.args.get("by", "service")
    if by not in metrics.DIMENSIONS:
        raise DomainError("invalid", f"'by' must be one of {', '.join(metrics.DIMENSIONS)}")
    with _scope() as (connection, scope):
        rows, total = metrics.breakdown(connection, scope, by)
    keys: list[Any]
    if by == "service":
        keys = [service.code for service in scope.config.services]
    elif by == "hour":
        keys = list(demand.opening_hours(scope))
    else:
        keys = list(range(7))
    return _framed(
        scope,
        by=by,
        rows=[{by: row.key, **row.json()} for row in metrics.filled(rows, keys)],
        total=total.json(),
    )


def national_table() -> dict[str, Any]:
    """The summary per centre in the database, and the total (admins)."""
    with _scope(national=True) as (connection, scope):
        rows, total = metrics.breakdown(connection, scope, "centre")
    return _framed(
        scope,
        centres=[{"centre": row.key, **_summary(row)} for row in rows],
        total=_summary(total),
    )


def estimates_table() -> dict[str, Any]:
    with _scope() as (connection, scope):
        return _framed(scope, rows=demand.estimate_accuracy(connection, scope))


def staff_table() -> dict[str, Any]:
    with _scope() as (connection, scope):
        return _framed(scope, rows=people.staff_figures(connection, scope))


def mediation_table() -> dict[str, Any]:
    with _scope() as (connection, scope):
        return _framed(scope, rows=people.mediator_demand(connection, scope))


def heatmap_table() -> dict[str, Any]:
    with _scope() as (connection, scope):
        return _framed(scope, **demand.heatmap(connection, scope))


def staffing_table() -> dict[str, Any]:
    with _scope() as (connection, scope):
        hours, _ = metrics.breakdown(connection, scope, "hour")
        opened = demand.counters_open(connection, scope)
        return _framed(scope, rows=demand.counters_per_hour(scope, hours, opened))


def csv_rows(name: str, table: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows a table's CSV holds, one flat dict each."""
    if name == "summary":
        return [*table["services"], {"code": "total", **table["total"]}]
    if name == "national":
        return [*table["centres"], {"centre": "total", **table["total"]}]
    if name == "breakdown":
        return [*table["rows"], {table["by"]: "total", **table["total"]}]
    if name == "heatmap":
        return [
            {"weekday": day, **{f"h{hour:02d}": n for hour, n in enumerate(counts)}}
            for day, counts in enumerate(table["arrivals"])
        ]
    return table["rows"]


#: the header of tables that may have no row at all
EMPTY_HEADERS = {
    "staff": (
        "username",
        "served",
        "no_show",
        "service_mean_min",
        "break_min",
        "idle_while_waiting_min",
    ),
    "mediation": (
        "language",
        "tickets",
        "served",
        "wait_mean_min",
        "requests",
        "accepted",
        "accept_mean_min",
    ),
}


def to_csv(rows: list[dict[str, Any]], header: tuple[str, ...] = ()) -> str:
    """Rows as CSV; a nested dict spreads over `key_subkey` columns."""
    flat = [_flatten(row) for row in rows]
    columns: dict[str, None] = dict.fromkeys(header) if not rows else {}
    for row in flat:
        columns.update(dict.fromkeys(row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(flat)
    return out.getvalue()


def _flatten(row: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, dict):
            flat.update({f"{key}_{inner}": v for inner, v in value.items()})
        else:
            flat[key] = value
    return flat


TABLES: dict[str, tuple[Callable[[], dict[str, Any]], str]] = {
    "summary": (summary_table, "manager"),
    "breakdown": (breakdown_table, "manager"),
    "estimates": (estimates_table, "manager"),
    "staff": (staff_table, "manager"),
    "mediation": (mediation_table, "manager"),
    "heatmap": (heatmap_table, "manager"),
    "staffing": (staffing_table, "manager"),
    "national": (national_table, "admin"),
}


def _register(name: str, build: Callable[[], dict[str, Any]], role: str) -> None:
    def as_json() -> Any:
        return jsonify(build())

    def as_csv() -> Any:
        body = to_csv(csv_rows(name, build()), EMPTY_HEADERS.get(name, ()))
        return Response(
            body,
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="onestop-{name}.csv"'},
        )

    as_json.__name__, as_csv.__name__ = name, f"{name}_csv"
    bp.add_url_rule(f"/{name}", view_func=staff_required(role)(as_json))
    bp.add_url_rule(f"/{name}.csv", view_func=staff_required(role)(as_csv))


for _name, (_build, _role) in TABLES.items():
    _register(_name, _build, _role)


@bp.get("/floor")
@staff_required("manager")
def floor() -> Any:
    """The floor now (the live page reads it on every change)."""
    centre = onestop().centre
    with read_store() as store:
        snapshot = floor_snapshot(store, centre, centre.clock.now())
    return jsonify(snapshot)
