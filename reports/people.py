"""Who served: figures per staff member, and the demand for mediators by language.

Break and idle time come from the event log, read counter by counter in order:
- a break runs from a `paused` event to the counter's next event;
- idle time while tickets waited runs from the moment a counter became free (opened,
  resumed, or its last ticket finished, no-show or transferred) to its next call, counting
  only the part after the ticket it then called was queued: a ticket it could serve was
  waiting all that time.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from reports.metrics import Scope
from reports.periods import seconds_between

FREE_AFTER = ("opened", "resumed", "finished", "no_show", "transferred")
COUNTER_KINDS = (*FREE_AFTER, "paused", "closed", "called")


def _minutes(seconds: Any) -> float:
    return round(float(seconds or 0) / 60, 1)


def _listed(kinds: tuple[str, ...]) -> str:
    return ", ".join(f"'{kind}'" for kind in kinds)


def staff_figures(connection: Connection, scope: Scope) -> list[dict[str, Any]]:
    """Per staff member: served, no-shows, mean service time, break and idle minutes."""
    served_query = f"""
        SELECT staff_id, SUM(CASE WHEN state = 'done' THEN 1 ELSE 0 END),
               SUM(CASE WHEN state = 'no_show' THEN 1 ELSE 0 END), SUM(service_s)
        FROM tickets WHERE {scope.where()} AND staff_id IS NOT NULL GROUP BY staff_id
    """
    people: dict[int, dict[str, Any]] = {}

    def person(staff_id: int) -> dict[str, Any]:
        return people.setdefault(
            staff_id,
            {"served": 0, "no_show": 0, "service_s": 0.0, "break_s": 0.0, "idle_s": 0.0},
        )

    for staff_id, served, no_show, service_s in connection.execute(
        text(served_query), scope.params()
    ):
        row = person(staff_id)
        row.update(served=int(served or 0), no_show=int(no_show or 0))
        row["service_s"] = float(service_s or 0)
    latest = "GREATEST" if scope.dialect == "postgresql" else "MAX"
    idle = seconds_between(f"{latest}(e.prev_at, t.queued_at)", "e.at", scope.dialect)
    order = "PARTITION BY counter_id ORDER BY at, id"
    log_query = f"""
        WITH e AS (
            SELECT staff_id, kind, at, ticket_id,
                   LAG(kind) OVER ({order}) AS prev_kind, LAG(at) OVER ({order}) AS prev_at,
                   LEAD(at) OVER ({order}) AS next_at
            FROM events
            WHERE centre = :centre AND at >= :start AND at < :end
              AND counter_id IS NOT NULL AND kind IN ({_listed(COUNTER_KINDS)})
        )
        SELECT e.staff_id,
               SUM(CASE WHEN e.kind = 'paused' AND e.next_at IS NOT NULL
                        THEN {seconds_between("e.at", "e.next_at", scope.dialect)} END),
               SUM(CASE WHEN e.kind = 'called' AND e.prev_kind IN ({_listed(FREE_AFTER)})
                             AND {idle} > 0 THEN {idle} END)
        FROM e LEFT JOIN tickets t ON t.id = e.ticket_id
        WHERE e.staff_id IS NOT NULL GROUP BY e.staff_id
    """
    for staff_id, break_s, idle_s in connection.execute(text(log_query), scope.params()):
        row = person(staff_id)
        row["break_s"], row["idle_s"] = float(break_s or 0), float(idle_s or 0)
    names = dict(
        connection.execute(
            text("SELECT id, username FROM staff WHERE centre = :centre"), scope.params()
        ).all()
    )
    return [
        {
            "username": names.get(staff_id, str(staff_id)),
            "served": row["served"],
            "no_show": row["no_show"],
            "service_mean_min": _minutes(row["service_s"] / row["served"])
            if row["served"]
            else None,
            "break_min": _minutes(row["break_s"]),
            "idle_while_waiting_min": _minutes(row["idle_s"]),
        }
        for staff_id, row in sorted(people.items(), key=lambda item: names.get(item[0], ""))
    ]


def mediator_demand(connection: Connection, scope: Scope) -> list[dict[str, Any]]:
    """Per language: tickets asking for a mediator (issued, served, mean wait) and the
    mediation requests counters made (requested, accepted, mean minutes to accept)."""
    tickets_query = f"""
        SELECT language, COUNT(*), SUM(CASE WHEN state = 'done' THEN 1 ELSE 0 END),
               COUNT(wait_s), SUM(wait_s)
        FROM tickets WHERE {scope.where()} AND mediator GROUP BY language
    """
    accept = seconds_between("requested_at", "accepted_at", scope.dialect)
    requests_query = f"""
        SELECT language, COUNT(*), COUNT(accepted_at), SUM({accept})
        FROM mediation_requests
        WHERE centre = :centre AND requested_at >= :start AND requested_at < :end
        GROUP BY language
    """
    languages: dict[str, dict[str, Any]] = {}

    def language(code: str) -> dict[str, Any]:
        return languages.setdefault(
            code,
            {
                "language": code,
                "tickets": 0,
                "served": 0,
                "wait_mean_min": None,
                "requests": 0,
                "accepted": 0,
                "accept_mean_min": None,
            },
        )

    for code, issued, served, waited, wait_s in connection.execute(
        text(tickets_query), scope.params()
    ):
        row = language(code)
        row.update(tickets=issued, served=int(served or 0))
        row["wait_mean_min"] = _minutes(float(wait_s) / waited) if waited else None
    for code, requested, accepted, accept_s in connection.execute(
        text(requests_query), scope.params()
    ):
        row = language(code)
        row.update(requests=requested, accepted=accepted)
        row["accept_mean_min"] = _minutes(float(accept_s) / accepted) if accepted else None
    return sorted(languages.values(), key=lambda row: (-row["tickets"], row["language"]))
