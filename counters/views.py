"""The staff pages at /counter: sign-in, the choice of counter, and the console itself.

The forms here (sign-in, sign-out, open a counter) post to page routes with a CSRF token;
the console's buttons call the JSON API and its live feed comes over Socket.IO.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext

from counters import admin, audit, csrf
from counters.api import SEATED
from onestop.auth import authenticate, current_staff, start_session
from onestop.context import onestop, read_store, transaction
from onestop.i18n import intl_tag, page_language, staff_language
from routing import counters
from routing.config import CentreConfig
from routing.config import Counter as CounterConfig
from routing.states import CounterState, DomainError, Priority
from routing.store.models import Staff

bp = Blueprint(
    "counters",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/counter/static",
)
bp.register_blueprint(admin.bp)
bp.register_blueprint(audit.bp)


@bp.context_processor
def _forms() -> dict[str, Any]:
    return {"csrf_token": csrf.token, "csrf_field": csrf.FIELD}


@bp.get("/counter")
def home() -> Any:
    """Sign in; then the counter this person holds, or the counters they may open."""
    staff_language()
    staff = current_staff()
    if staff is None:
        return _sign_in_page(error=None, back=safe_next(request.args.get("next")))
    held = _held_by(staff)
    if held is not None:
        return redirect(url_for("counters.console", counter_id=held))
    return _choice(staff, error=None)


@bp.post("/counter/login")
def sign_in() -> Any:
    staff_language()
    back = safe_next(request.form.get("next"))
    if not csrf.valid():
        error = gettext("The form had expired. Please try again.")
        return _sign_in_page(error, back), 400
    try:
        staff = authenticate(request.form.get("username", ""), request.form.get("password", ""))
    except DomainError as refused:
        if refused.code == "rate_limited":
            error = gettext("Too many failed attempts. Please wait a few minutes.")
            return render_template("counters/sign_in.html", error=error), 429
        error = gettext("Wrong username or password.")
        return _sign_in_page(error, back), 401
    language = session.get("lang")
    start_session(staff)
    if language:
        session["lang"] = language
    return redirect(back or url_for("counters.home"))


def safe_next(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None: never send anyone to another host
    (`//host`, `/\\host` and `https:` all leave it)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 32 for char in target):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def _sign_in_page(error: str | None, back: str | None) -> str:
    return render_template("counters/sign_in.html", error=error, back=back)


@bp.post("/counter/logout")
def sign_out() -> Any:
    if not csrf.valid():
        abort(400)
    session.clear()
    return redirect(url_for("counters.home"))


@bp.post("/counter/<int:counter_id>/open")
def open_counter(counter_id: int) -> Any:
    """Take a counter from the choice page, then go to its console."""
    staff_language()
    staff = current_staff()
    if staff is None:
        return redirect(url_for("counters.home"))
    if not csrf.valid():
        abort(400)
    if counter_id not in {c.id for c in may_open(onestop().centre.config, staff)}:
        abort(403)
    try:
        with transaction() as store:
            counters.open_counter(store, onestop().centre, counter_id, staff)
    except DomainError as error:
        status = 403 if error.code in ("forbidden", "not_found") else 409
        return _choice(staff, error=error.message), status
    return redirect(url_for("counters.console", counter_id=counter_id))


@bp.get("/counter/<int:counter_id>")
def console(counter_id: int) -> Any:
    """The console of a counter this person holds; anyone else goes back to the choice."""
    staff_language()
    staff = current_staff()
    if staff is None or _held_by(staff) != counter_id:
        return redirect(url_for("counters.home"))
    config = onestop().centre.config
    language = page_language()
    return render_template(
        "counters/console.html",
        staff=staff,
        counter=config.counter(counter_id),
        setup=_setup(config, config.counter(counter_id), staff, language.code),
        reasons=list(_reasons().items()),
        intl=intl_tag(language.code),
    )


def _held_by(staff: Staff) -> int | None:
    """The counter `staff` holds open or paused, if any."""
    with read_store() as store:
        for row in store.counters():
            if row.staff_id == staff.id and row.state != CounterState.CLOSED:
                return row.id
    return None


def may_open(config: CentreConfig, staff: Staff) -> list[CounterConfig]:
    """Agents: counters sharing a service with them (all, when none are listed); mediators:
    the mediator counters. Others open none."""
    if staff.role == "mediator":
        return [c for c in config.counters if c.kind == "mediator"]
    if staff.role != "agent":
        return []
    skills = set(staff.services)
    return [
        c
        for c in config.counters
        if c.kind == "counter" and (not skills or skills.intersection(c.services))
    ]


def _choice(staff: Staff, error: str | None) -> Any:
    config = onestop().centre.config
    with read_store() as store:
        live = {row.id: row for row in store.counters()}
        names = store.staff_names()
    choices = []
    for counter in may_open(config, staff):
        row = live.get(counter.id)
        holder = names.get(row.staff_id) if row and row.staff_id else None
        taken = row is not None and row.state != CounterState.CLOSED
        choices.append((counter, holder if taken else None))
    return render_template(
        "counters/choose.html",
        staff=staff,
        seated=staff.role in SEATED,
        choices=choices,
        names=_service_names(config),
        error=error,
    )


def _service_names(config: CentreConfig) -> dict[str, str]:
    code = page_language().code
    return {s.code: s.names.get(code) or s.names["pt"] for s in config.services}


def _setup(
    config: CentreConfig, counter: CounterConfig, staff: Staff, language: str
) -> dict[str, Any]:
    """Everything the console's script needs besides the live data."""
    return {
        "counter": counter.id,
        "kind": counter.kind,
        "zone": counter.zone,
        "role": staff.role,
        "username": staff.username,
        "languages": [
            {"code": language.code, "name": language.name} for language in config.languages
        ],
        "speaks": staff.languages,
        "services": _service_names(config),
        "counters": [
            {"id": c.id, "name": c.name, "kind": c.kind}
            for c in config.counters
            if c.id != counter.id
        ],
        "no_show_after_recalls": config.router.recalls_before_no_show,
        "strings": _strings(),
        "lang": language,
    }


def _reasons() -> dict[str, str]:
    """Pause reasons: stored as these codes (the reports count them), shown in words."""
    return {
        "break": gettext("Break"),
        "lunch": gettext("Lunch"),
        "training": gettext("Training"),
        "back-office": gettext("Back-office work"),
        "other": gettext("Other"),
    }


def _strings() -> dict[str, Any]:
    """The words the console's script says, translated here, placeholders left for it."""
    return {
        "called": gettext("Called"),
        "serving": gettext("Serving"),
        "waited": gettext("Waited %(minutes)s min"),
        "recalls": gettext("Recalls: %(count)s"),
        "mediator": gettext("Needs a mediator"),
        "no_ticket": gettext("No ticket called"),
        "nobody": gettext("Nobody you may serve is waiting."),
        "queue_empty": gettext("Nobody is waiting."),
        "paused": gettext("Paused: %(reason)s"),
        "minutes": gettext("%(minutes)s min"),
        "failed": gettext("Something went wrong. Please try again."),
        "reconnecting": gettext("Reconnecting…"),
        "asks": gettext("Counter %(counter)s needs %(language)s"),
        "helping": gettext("You are helping counter %(counter)s (%(language)s)."),
        "waiting_mediator": gettext("Waiting for a mediator who speaks %(language)s…"),
        "mediator_coming": gettext("A mediator from %(counter)s is coming (%(language)s)."),
        "no_requests": gettext("No requests."),
        "accept": gettext("Accept"),
        "done": gettext("Done"),
        "sent_here": gettext("Sent to this counter: %(count)s"),
        "reasons": _reasons(),
        "priority": {
            Priority.DISABILITY.value: gettext("Priority: disability"),
            Priority.ELDERLY.value: gettext("Priority: 65 or older"),
            Priority.PREGNANT.value: gettext("Priority: pregnancy"),
            Priority.INFANT.value: gettext("Priority: child aged 2 or under"),
        },
    }
