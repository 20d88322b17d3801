"""The displays' JSON: a zone's snapshot (public data only, no login)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from display.snapshot import find_zone, snapshot
from onestop.context import onestop, read_store
from routing.states import DomainError

bp = Blueprint("display_api", __name__, url_prefix="/api/display")


@bp.get("/<zone>")
def zone_snapshot(zone: str) -> Any:
    centre = onestop().centre
    found = find_zone(centre.config, zone)
    if found is None:
        raise DomainError("not_found", f"no zone {zone!r}")
    with read_store() as store:
        payload = snapshot(store, centre, found)
    response = jsonify(payload)
    response.cache_control.no_store = True
    return response
