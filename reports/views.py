"""The managers' page at /reports: the floor live, and a range of days in charts and tables.

Signed-out visitors go to the staff sign-in at /counter, which brings them back here; staff
who are neither managers nor admins get 403. The page speaks the staff member's language
(as the counter console does): its script reads the JSON API, whose keys stay as they are,
and shows them with the words it is handed here. Socket.IO tells it when the floor moves.
"""

from __future__ import annotations

from typing import Any

from babel.dates import get_day_names
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext

from onestop.auth import INHERITS, current_staff
from onestop.context import onestop
from onestop.i18n import intl_tag, staff_language
from reports import api
from reports.periods import parse_period
from routing.config import CentreConfig

bp = Blueprint(
    "reports",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/reports/static",
)
bp.register_blueprint(api.bp)


@bp.get("/reports")
def page() -> Any:
    language = staff_language()
    staff = current_staff()
    if staff is None:
        return redirect(url_for("counters.home", next=request.full_path.rstrip("?")))
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
        "services": _service_names(config, language.code),
        "languages": {language.code: language.name for language in config.languages},
        "weekdays": weekday_names(language.code),
        "intl": intl_tag(language.code),
        "strings": _strings(),
    }
    return render_template("reports/reports.html", staff=staff, centre=config.centre, setup=setup)


def weekday_names(code: str) -> list[str]:
    """Monday first, abbreviated, in the page's language (CLDR's names, no catalogue needed)."""
    names = get_day_names("abbreviated", locale=code.replace("-", "_"))
    return [names[day] for day in range(7)]


def _service_names(config: CentreConfig, code: str) -> dict[str, str]:
    return {s.code: s.names.get(code) or s.names["pt"] for s in config.services}


def _strings() -> dict[str, Any]:
    """The words the page's script shows, translated here, placeholders left for it."""
    return {
        "loading": gettext("Loading…"),
        "floor_failed": gettext("Could not read the floor: %(error)s"),
        "report_failed": gettext("Could not read a report: %(error)s"),
        "longest": gettext("%(minutes)s min · %(service)s"),
        "state_reason": gettext("%(state)s: %(reason)s"),
        "total": gettext("Total"),
        "minutes": gettext("minutes"),
        "counters": gettext("counters"),
        "headings": _headings(),
        "codes": _codes(),
    }


def _headings() -> dict[str, str]:
    """Table headings, chart series and axis titles, by the key the script asks for."""
    return {
        "kiosk": gettext("Kiosk"),
        "printer": gettext("Printer"),
        "printers": gettext("Printers"),
        "state": gettext("State"),
        "fault": gettext("Fault"),
        "printed": gettext("Printed"),
        "service": gettext("Service"),
        "waiting": gettext("Waiting"),
        "longest_wait": gettext("Longest wait (min)"),
        "target": gettext("Target (min)"),
        "counter": gettext("Counter"),
        "staff": gettext("Staff"),
        "ticket": gettext("Ticket"),
        "language": gettext("Language"),
        "waited": gettext("Waited (min)"),
        "reason": gettext("Reason"),
        "refused": gettext("Refused"),
        "issued": gettext("Issued"),
        "served": gettext("Served"),
        "no_show": gettext("No-show"),
        "cancelled": gettext("Cancelled"),
        "refused_by_reason": gettext("Refused by reason"),
        "wait_mean": gettext("Wait mean"),
        "median": gettext("Median"),
        "p90": gettext("p90"),
        "within_target": gettext("Within target %"),
        "service_mean": gettext("Service mean"),
        "transfers": gettext("Transfers"),
        "wait_p90_min": gettext("Wait p90 (min)"),
        "wait_mean_min": gettext("Wait mean (min)"),
        "hour": gettext("Hour"),
        "weekday": gettext("Weekday"),
        "counters_needed": gettext("Counters needed"),
        "counters_staffed": gettext("Counters staffed (config)"),
        "counters_open": gettext("Counters open (mean)"),
        "arrivals_per_day": gettext("Arrivals per open day"),
        "service_mean_min": gettext("Mean service (min)"),
        "load": gettext("Load (Erlang)"),
        "needed": gettext("Needed"),
        "staffed": gettext("Staffed (config)"),
        "open": gettext("Open (mean)"),
        "tickets": gettext("Tickets"),
        "estimate_mean": gettext("Estimate mean"),
        "error_mean": gettext("Mean error"),
        "bias": gettext("Bias"),
        "within_5": gettext("Within 5 min %"),
        "staff_service_mean": gettext("Service mean (min)"),
        "breaks": gettext("Breaks (min)"),
        "idle": gettext("Idle while tickets waited (min)"),
        "mediator_tickets": gettext("Tickets asking for a mediator"),
        "mediator_requests": gettext("Requests from counters"),
        "requests": gettext("Requests"),
        "accepted": gettext("Accepted"),
        "accepted_after": gettext("Accepted after (min)"),
        "centre": gettext("Centre"),
    }


def _codes() -> dict[str, str]:
    """The states, reasons and faults the API answers with as codes, in words; a code not
    listed here is shown as it is."""
    return {
        "open": gettext("Open"),
        "paused": gettext("Paused"),
        "closed": gettext("Closed"),
        "waiting": gettext("Waiting"),
        "accepted": gettext("Accepted"),
        "break": gettext("Break"),
        "lunch": gettext("Lunch"),
        "training": gettext("Training"),
        "back-office": gettext("Back-office work"),
        "other": gettext("Other"),
        "service_closed": gettext("Service closed"),
        "daily_cap": gettext("Daily limit reached"),
        "cutoff": gettext("Too late to be served today"),
        "ok": gettext("Working"),
        "fault": gettext("Fault"),
        "unknown": gettext("Not yet used"),
        "none": gettext("No printer"),
        "network": gettext("Network"),
        "usb": gettext("USB"),
        "serial": gettext("Serial"),
        "file": gettext("File"),
        "no_printer": gettext("No printer"),
        "unreachable": gettext("Cannot reach the printer"),
        "no_answer": gettext("The printer does not answer"),
        "connection_lost": gettext("Connection lost"),
        "error": gettext("Printing failed"),
        "cover_open": gettext("Cover open"),
        "paper_out": gettext("Out of paper"),
        "printer_error": gettext("The printer reports an error"),
        "offline": gettext("Offline"),
        "busy": gettext("Receipts are piling up"),
        "stale": gettext("Receipt dropped: waited too long"),
    }
