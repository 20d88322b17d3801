"""The kiosk as a device: pairing check, receipts after issuing, printer states for managers."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask.blueprints import BlueprintSetupState

from kiosk.printing import PrintService
from kiosk.receipts import build_receipt
from onestop.auth import current_device, staff_required
from onestop.context import onestop, read_store
from onestop.http import Body, json_body
from onestop.i18n import kiosk_language
from onestop.ratelimit import check_rate
from routing.states import DomainError
from routing.tickets import position

bp = Blueprint("kiosk_devices", __name__, url_prefix="/api")

EXTENSION = "kiosk.printing"
#: how long a receipt request waits to tell the screen whether the paper came out
RECEIPT_WAIT_S = 2.0


@bp.record_once
def _start_printing(state: BlueprintSetupState) -> None:
    onestop_state = state.app.extensions["onestop"]
    centre = onestop_state.centre
    state.app.extensions[EXTENSION] = PrintService(centre.config, centre.clock, onestop_state.db)


def print_service() -> PrintService:
    return current_app.extensions[EXTENSION]


def printer_health() -> list[dict[str, Any]]:
    """Each kiosk printer's state as last recorded by any process, for the health probe."""
    return [
        {"kiosk": printer.kiosk, "kind": printer.kind, "state": printer.state, "code": printer.code}
        for printer in print_service().states()
    ]


@bp.get("/kiosk/device")
def device() -> Any:
    """Who this kiosk key belongs to: the pairing page checks a key with it."""
    kiosk = current_device(request.headers.get("Authorization"))
    if kiosk.kind != "kiosk":
        raise DomainError("forbidden", "this key is not a kiosk's")
    return jsonify(name=kiosk.name, printer=print_service().state(kiosk.name).json())


class ReceiptRequest(Body):
    token: str
    language: str


@bp.post("/kiosk/receipts")
def receipt() -> Any:
    """Print the receipt of a ticket this kiosk has just issued.

    Answers within `RECEIPT_WAIT_S` whatever the printer does: `printed`, `fault`, `none`
    (no printer) or `pending` (still going; the screen already shows the ticket).
    """
    kiosk = current_device(request.headers.get("Authorization"))
    body = json_body(ReceiptRequest)
    state = onestop()
    check_rate(f"receipt:{kiosk.id}", state.kiosk_rate)
    config = state.centre.config
    language = (kiosk_language(body.language) or kiosk_language("pt")).code  # type: ignore[union-attr]
    with read_store() as store:
        ticket = store.ticket_by_token(body.token)
        if ticket is None or ticket.device_id != kiosk.id:
            raise DomainError("not_found", "this kiosk issued no such ticket")
        url = phone_url(ticket.token, language)
        paper = build_receipt(config, ticket, position(store, ticket), language, url)
    job = print_service().submit(kiosk.name, paper)
    job.done.wait(RECEIPT_WAIT_S)
    return jsonify(result=job.result, code=job.code)


@bp.get("/printers")
@staff_required("manager")
def printers() -> Any:
    """Every configured kiosk printer, with its last fault, whichever process printed (managers)."""
    return jsonify([printer.json() for printer in print_service().states()])


def phone_url(token: str, language: str) -> str:
    """The absolute address of a ticket's phone page, as its QR code carries it."""
    base = onestop().centre.config.kiosk.public_url or request.host_url
    return f"{base.rstrip('/')}/t/{token}?lang={language}"
