"""The counter staff's API: one endpoint per action, each one transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, jsonify

from counters.queries import counter_queue, person_day
from onestop.auth import INHERITS, current_staff, staff_required
from onestop.context import onestop, read_store, transaction
from onestop.http import Body, json_body
from onestop.payloads import counter_json, counter_name, ticket_json
from routing import counters, mediation, tickets
from routing.centre import Centre
from routing.forecast import service_calls, wait_min
from routing.states import DomainError
from routing.store.models import MediationRequest, Staff, Ticket
from routing.store.sql import SqlStore

bp = Blueprint("counters_api", __name__, url_prefix="/api")

SEATED = ("agent", "mediator")


def _staff() -> Staff:
    staff = current_staff()
    assert staff is not None, "guarded by staff_required"
    return staff


def _ticket_action(
    action: Callable[[SqlStore, Centre, int, Staff], Ticket | None], counter_id: int
) -> Any:
    centre = onestop().centre
    with transaction() as store:
        ticket = action(store, centre, counter_id, _staff())
        payload = ticket_json(store, centre, ticket) if ticket is not None else None
    if payload is None:
        return "", 204
    return jsonify(payload)


def _counter_action(counter_id: int, action: Callable[..., Any], *args: Any) -> Any:
    centre = onestop().centre
    staff = _staff()
    with transaction() as store:
        counter = action(store, centre, counter_id, staff, *args)
        payload = counter_json(centre, counter, store.held_by(counter_id), staff.username)
    return jsonify(payload)


@bp.post("/counters/<int:counter_id>/open")
@staff_required(*SEATED)
def open_counter(counter_id: int) -> Any:
    json_body(Body)
    return _counter_action(counter_id, counters.open_counter)


class PauseRequest(Body):
    reason: str | None = None


@bp.post("/counters/<int:counter_id>/pause")
@staff_required(*SEATED)
def pause(counter_id: int) -> Any:
    body = json_body(PauseRequest)
    return _counter_action(counter_id, counters.pause, body.reason)


@bp.post("/counters/<int:counter_id>/resume")
@staff_required(*SEATED)
def resume(counter_id: int) -> Any:
    json_body(Body)
    return _counter_action(counter_id, counters.resume)


@bp.post("/counters/<int:counter_id>/close")
@staff_required(*SEATED)
def close(counter_id: int) -> Any:
    json_body(Body)
    return _counter_action(counter_id, counters.close)


@bp.post("/counters/<int:counter_id>/next")
@staff_required(*SEATED)
def call_next(counter_id: int) -> Any:
    json_body(Body)
    return _ticket_action(tickets.call_next, counter_id)


@bp.post("/counters/<int:counter_id>/recall")
@staff_required(*SEATED)
def recall(counter_id: int) -> Any:
    json_body(Body)
    return _ticket_action(tickets.recall, counter_id)


@bp.post("/counters/<int:counter_id>/start")
@staff_required(*SEATED)
def start(counter_id: int) -> Any:
    json_body(Body)
    return _ticket_action(tickets.start, counter_id)


@bp.post("/counters/<int:counter_id>/finish")
@staff_required(*SEATED)
def finish(counter_id: int) -> Any:
    json_body(Body)
    return _ticket_action(tickets.finish, counter_id)


@bp.post("/counters/<int:counter_id>/no-show")
@staff_required(*SEATED)
def no_show(counter_id: int) -> Any:
    json_body(Body)
    return _ticket_action(tickets.no_show, counter_id)


class TransferRequest(Body):
    service: str | None = None
    counter: int | None = None
    note: str | None = None


@bp.post("/counters/<int:counter_id>/transfer")
@staff_required(*SEATED)
def transfer(counter_id: int) -> Any:
    body = json_body(TransferRequest)

    def action(store: SqlStore, centre: Centre, counter_id: int, staff: Staff) -> Ticket:
        return tickets.transfer(
            store,
            centre,
            counter_id,
            staff,
            service=body.service,
            to_counter=body.counter,
            note=body.note,
        )

    return _ticket_action(action, counter_id)


@bp.get("/counters")
@staff_required()
def list_counters() -> Any:
    centre = onestop().centre
    with read_store() as store:
        live = {row.id: row for row in store.counters()}
        held = {t.counter_id: t for t in store.active_tickets()}
        names = store.staff_names()
        rows = []
        for config in centre.config.counters:
            row = live.get(config.id) or store.closed_counter(config.id)
            staff = names.get(row.staff_id) if row.staff_id else None
            rows.append(counter_json(centre, row, held.get(config.id), staff))
    return jsonify(rows)


@bp.get("/queue")
@staff_required()
def queue() -> Any:
    centre = onestop().centre
    now = centre.clock.now()
    with read_store() as store:
        counts = store.waiting_counts()
        expected = service_calls(store, centre, centre.config.services, now)
    services = []
    for service in centre.config.services:
        waiting, oldest = counts.get(service.code, (0, None))
        services.append(
            {
                "code": service.code,
                "waiting": waiting,
                "oldest_wait_min": round((now - oldest).total_seconds() / 60, 1) if oldest else 0,
                "estimated_wait_min": wait_min(centre, expected[service.code], now),
            }
        )
    return jsonify(services=services)


class MediatorRequest(Body):
    language: str
    note: str | None = None


def _request_json(request: MediationRequest) -> dict[str, Any]:
    centre = onestop().centre
    return {
        "id": request.id,
        "language": request.language,
        "state": request.state,
        "counter": counter_name(centre, request.counter_id),
        "counter_id": request.counter_id,
        "mediator_counter": counter_name(centre, request.mediator_counter_id),
        "requested_at": request.requested_at.isoformat(),
        "note": request.note,
    }


@bp.post("/counters/<int:counter_id>/mediator")
@staff_required(*SEATED)
def ask_for_mediator(counter_id: int) -> Any:
    """The counter needs a mediator in a language: free mediators who speak it are told."""
    body = json_body(MediatorRequest)
    with transaction() as store:
        request = mediation.request_mediator(
            store, onestop().centre, counter_id, _staff(), body.language, body.note
        )
        payload = _request_json(request)
    return jsonify(payload), 201


@bp.get("/mediation")
@staff_required()
def mediation_requests() -> Any:
    """Open requests: those a mediator could take, or the asking counter's own."""
    staff = _staff()
    with read_store() as store:
        requests = store.mediation_requests((mediation.WAITING, mediation.ACCEPTED))
    if staff.role == "mediator":
        visible = [
            r
            for r in requests
            if (r.state == mediation.WAITING and r.language in staff.languages)
            or r.mediator_id == staff.id
        ]
    elif staff.role == "agent":
        visible = [r for r in requests if r.staff_id == staff.id]
    else:
        visible = requests
    return jsonify(requests=[_request_json(r) for r in visible])


def _mediation_action(action: Callable[..., MediationRequest], request_id: int) -> Any:
    json_body(Body)
    with transaction() as store:
        request = action(store, onestop().centre, request_id, _staff())
        payload = _request_json(request)
    return jsonify(payload)


@bp.post("/mediation/<int:request_id>/accept")
@staff_required("mediator")
def accept_mediation(request_id: int) -> Any:
    return _mediation_action(mediation.accept, request_id)


@bp.post("/mediation/<int:request_id>/done")
@staff_required("mediator")
def finish_mediation(request_id: int) -> Any:
    return _mediation_action(mediation.finish, request_id)


@bp.post("/mediation/<int:request_id>/cancel")
@staff_required(*SEATED)
def cancel_mediation(request_id: int) -> Any:
    return _mediation_action(mediation.cancel, request_id)


def watches_floor(staff: Staff) -> bool:
    """Managers and admins may look at any counter."""
    return "manager" in INHERITS.get(staff.role, {staff.role})


@bp.get("/counters/<int:counter_id>")
@staff_required()
def counter_snapshot(counter_id: int) -> Any:
    """One counter as its console shows it: its state, its ticket and its queue (counts only).

    Its holder, managers and admins; read on every (re)connect of the console.
    """
    centre = onestop().centre
    staff = _staff()
    config = counters.counter_config(centre, counter_id)
    with read_store() as store:
        row = next((c for c in store.counters() if c.id == counter_id), None)
        row = row or store.closed_counter(counter_id)
        if row.staff_id != staff.id and not watches_floor(staff):
            raise DomainError("forbidden", "this is not your counter")
        holder = store.staff(row.staff_id) if row.staff_id else None
        held = store.held_by(counter_id)
        payload = {
            "counter": counter_json(centre, row, held, holder.username if holder else None),
            "ticket": ticket_json(store, centre, held) if held else None,
            "queue": counter_queue(store, centre, config, holder, centre.clock.now()),
            "no_show_after_recalls": centre.config.router.recalls_before_no_show,
        }
    return jsonify(payload)


@bp.get("/me/day")
@staff_required()
def my_day() -> Any:
    """The signed-in person's day so far: served, no-shows, mean service time, breaks."""
    centre = onestop().centre
    with read_store() as store:
        figures = person_day(store, centre, _staff().id, centre.clock.now())
    return jsonify(figures)
