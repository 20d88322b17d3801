"""The audit trail: who did what to which ticket and when, read from the event log.

Every change appends one event (ticket, kind, at, counter, staff, data), staff accounts and
devices included, so the trail is the log itself: managers and admins read it here, as JSON,
as CSV, or on the page `/counter/audit`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request
from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from counters.guards import page_for
from onestop.auth import staff_required
from onestop.context import onestop, read_store
from onestop.payloads import counter_name
from routing.states import DomainError
from routing.store.models import Device, Event, Staff, Ticket

bp = Blueprint("audit", __name__)

#: rows the JSON answer and the page show at most; the CSV has them all
PAGE_ROWS = 5000
#: the longest span one request may read
MAX_DAYS = 366
#: who may read the trail
READERS = ("manager", "admin")
COLUMNS = ("at", "kind", "ticket", "service", "counter", "staff", "device", "data")


@dataclass(frozen=True)
class Query:
    """Local days `first`..`last` (inclusive), optionally one ticket number."""

    first: dt.date
    last: dt.date
    ticket: str | None


def parse_query(args: Any) -> Query:
    """`?from=YYYY-MM-DD&to=YYYY-MM-DD&ticket=A001`; both days default to today.

    Raises `DomainError('invalid')` for a malformed day, a reversed or an overlong span.
    """
    centre = onestop().centre
    today = centre.calendar.local_day(centre.clock.now())
    days = []
    for name in ("from", "to"):
        text = args.get(name) or ""
        try:
            days.append(dt.date.fromisoformat(text) if text else today)
        except ValueError:
            raise DomainError("invalid", f"{name}: a day is YYYY-MM-DD") from None
    first, last = days
    if last < first:
        raise DomainError("invalid", "to: the last day comes before the first")
    if (last - first).days >= MAX_DAYS:
        raise DomainError("invalid", f"to: at most {MAX_DAYS} days at once")
    ticket = (args.get("ticket") or "").strip().upper() or None
    if ticket is not None and (len(ticket) > 12 or not ticket.isalnum()):
        raise DomainError("invalid", "ticket: a ticket number such as A001")
    return Query(first, last, ticket)


def trail(query: Query, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """The events of the query's days, oldest first, each with names instead of ids."""
    centre = onestop().centre
    calendar = centre.calendar
    start = calendar.at(query.first, dt.time())
    end = calendar.at(query.last + dt.timedelta(days=1), dt.time())
    actor = aliased(Staff)
    statement = (
        select(Event, Ticket.number, Ticket.service, actor.username, Device.name)
        .outerjoin(Ticket, Event.ticket_id == Ticket.id)
        .outerjoin(actor, Event.staff_id == actor.id)
        .outerjoin(Device, and_(Ticket.device_id == Device.id, Event.kind == "issued"))
        .where(Event.centre == centre.code, Event.at >= start, Event.at < end)
        .order_by(Event.at, Event.id)
    )
    if query.ticket is not None:
        statement = statement.where(Ticket.number == query.ticket)
    if limit is not None:
        statement = statement.limit(limit)
    with read_store() as store:
        for event, number, service, staff, device in store.session.execute(statement):
            yield {
                "at": event.at.isoformat(),
                "kind": event.kind,
                "ticket": number,
                "service": service,
                "counter": _counter(event.counter_id),
                "staff": staff,
                "device": device,
                "data": event.data,
            }


def _counter(counter_id: int | None) -> str | None:
    try:
        return counter_name(onestop().centre, counter_id)
    except KeyError:
        return str(counter_id)


@bp.get("/api/audit")
@staff_required(*READERS)
def audit_json() -> Any:
    query = parse_query(request.args)
    rows = list(trail(query, PAGE_ROWS + 1))
    return jsonify(events=rows[:PAGE_ROWS], truncated=len(rows) > PAGE_ROWS)


@bp.get("/api/audit.csv")
@staff_required(*READERS)
def audit_csv() -> Any:
    query = parse_query(request.args)
    rows = list(trail(query))
    name = f"audit-{query.first}-{query.last}.csv"
    return Response(
        _csv(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        values = {**row, "data": json.dumps(row["data"], ensure_ascii=False, sort_keys=True)}
        writer.writerow([_cell(values[column]) for column in COLUMNS])
    return out.getvalue()


def _cell(value: Any) -> str:
    """A CSV cell a spreadsheet shows as text: no formula from a note a person typed."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.get("/counter/audit")
@page_for(*READERS)
def audit_page() -> Any:
    try:
        query = parse_query(request.args)
    except DomainError as error:
        page = render_template(
            "counters/audit.html", query=None, rows=[], truncated=False, error=error.message
        )
        return page, 422
    rows = list(trail(query, PAGE_ROWS + 1))
    return render_template(
        "counters/audit.html",
        query=query,
        rows=rows[:PAGE_ROWS],
        truncated=len(rows) > PAGE_ROWS,
        error=None,
    )
