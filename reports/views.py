"""The managers' page at /reports: the floor live, and a range of days in charts and tables.

Signed-out visitors go to the staff sign-in at /counter; staff who are neither managers nor
admins get 403. The page's script reads the JSON API; Socket.IO tells it when the floor moves.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, url_for

from onestop.auth import INHERITS, current_staff
from onestop.context import onestop
from reports import api
from reports.periods import parse_period

bp = Blueprint(
    "reports",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/reports/static",
)
bp.register_blueprint(api.bp)

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@bp.get("/reports")
def page() -> Any:
    staff = current_staff()
    if staff is None:
        return redirect(url_for("counters.home"))
    roles = INHERITS.get(staff.role, {staff.role})
    if "manager" not in roles:
        abort(403)
    centre = onestop().centre
    period = parse_period(centre.calendar, centre.clock.now(), None, None)
    config = centre.config
    setup = {
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "admin": "admin" in roles,
        "services": {s.code: s.names.get("en") or s.names["pt"] for s in config.services},
        "languages": {language.code: language.name for language in config.languages},
        "weekdays": WEEKDAY_NAMES,
    }
    return render_template(
        "reports/reports.html", lang="en", staff=staff, centre=config.centre, setup=setup
    )
