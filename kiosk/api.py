"""The visitors' API: languages, services and whether they accept, issuing, ticket status."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from onestop.auth import current_device
from onestop.context import onestop, read_store, transaction
from onestop.http import Body, json_body
from onestop.payloads import ticket_json, ticket_status_json
from onestop.ratelimit import check_rate
from routing.forecast import service_calls, wait_min
from routing.states import DomainError, Priority
from routing.tickets import Refused, cancel, issue, prepare_estimate, refusal_reason

bp = Blueprint("kiosk_api", __name__, url_prefix="/api")


@bp.get("/languages")
def languages() -> Any:
    config = onestop().centre.config
    return jsonify(
        [
            {"code": lang.code, "name": lang.name, "dir": lang.dir, "kiosk": lang.kiosk}
            for lang in config.languages
        ]
    )


@bp.get("/services")
def services() -> Any:
    centre = onestop().centre
    lang = request.args.get("lang", "pt")
    now = centre.clock.now()
    with read_store() as store:
        counts = store.waiting_counts()
        expected = service_calls(store, centre, centre.config.services, now)
        rows = []
        for service in centre.config.services:
            waiting = counts.get(service.code, (0, None))[0]
            refused = refusal_reason(store, centre, service, now, expected[service.code])
            rows.append(
                {
                    "code": service.code,
                    "prefix": service.prefix,
                    "body": service.body,
                    "name": service.names.get(lang) or service.names["pt"],
                    "accepting": refused is None,
                    "reason": refused.reason if refused else None,
                    "retry_at": refused.retry_at.isoformat()
                    if refused and refused.retry_at
                    else None,
                    "waiting": waiting,
                    "estimated_wait_min": wait_min(centre, expected[service.code], now),
                    "priority_exempt": service.priority_exempt,
                }
            )
    return jsonify(rows)


class TicketRequest(Body):
    service: str
    language: str
    priority: Priority | None = None
    mediator: bool = False


@bp.post("/tickets")
def issue_ticket() -> Any:
    device = current_device(request.headers.get("Authorization"))
    body = json_body(TicketRequest)
    state = onestop()
    check_rate(f"kiosk:{device.id}", state.kiosk_rate)
    prepare_estimate(read_store, state.centre)
    with transaction() as store:
        result = issue(
            store,
            state.centre,
            service=body.service,
            language=body.language,
            priority=body.priority.value if body.priority else None,
            mediator=body.mediator,
            device_id=device.id,
        )
        payload = None if isinstance(result, Refused) else ticket_json(store, state.centre, result)
    if isinstance(result, Refused):
        raise DomainError(result.reason, result.message)
    return jsonify(payload), 201


@bp.get("/tickets/<token>")
def ticket_status(token: str) -> Any:
    centre = onestop().centre
    with read_store() as store:
        ticket = store.ticket_by_token(token)
        if ticket is None:
            raise DomainError("not_found", "no such ticket")
        return jsonify(ticket_status_json(store, centre, ticket))


@bp.post("/tickets/<token>/cancel")
def cancel_ticket(token: str) -> Any:
    """The visitor leaves: their phone gives the place up."""
    json_body(Body)
    centre = onestop().centre
    with transaction() as store:
        ticket = store.ticket_by_token(token)
        if ticket is None:
            raise DomainError("not_found", "no such ticket")
        cancel(store, centre, ticket, "visitor")
        return jsonify(ticket_status_json(store, centre, ticket))
