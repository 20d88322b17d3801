"""The visitors' pages: the kiosk touchscreen (/kiosk) and a ticket's phone page (/t/<token>)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import qrcode
from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext
from qrcode.image.svg import SvgPathImage

from kiosk.devices import phone_url
from onestop.context import onestop, read_store
from onestop.i18n import intl_tag, kiosk_language, page_language, preferred_language, use_language
from onestop.payloads import ticket_status_json
from routing.config import CentreConfig
from routing.forecast import service_calls
from routing.states import Priority
from routing.tickets import refusal_reason

bp = Blueprint(
    "kiosk",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/kiosk/static",
)

#: bounds on the idle timeout a page may be given with `?idle=` (tests use a short one)
IDLE_RANGE = (1, 600)


@bp.get("/kiosk")
def start() -> Any:
    """Language first: every kiosk language by its own name."""
    use_language("pt")
    config = onestop().centre.config
    headings = []
    for language in config.kiosk_languages:
        use_language(language.code)
        headings.append((language, gettext("Choose your language")))
    use_language("pt")
    return render_template("kiosk/start.html", headings=headings, idle=_idle_seconds(config))


@bp.get("/kiosk/pair")
def pair() -> Any:
    """Staff pair a browser once with the key `onestop device add` printed."""
    preferred_language(request.args.get("lang"))
    return render_template("kiosk/pair.html", strings=_strings())


@bp.get("/kiosk/<lang>")
def flow(lang: str) -> Any:
    """Service, priority, mediator, ticket: the whole visit in one language, screen by screen."""
    if kiosk_language(lang) is None:
        abort(404)
    language = use_language(lang)
    centre = onestop().centre
    config = centre.config
    now = centre.clock.now()
    with read_store() as store:
        expected = service_calls(store, centre, config.services, now)
        refused = {
            s.code: refusal_reason(store, centre, s, now, expected[s.code]) for s in config.services
        }
    bodies = []
    for body in config.bodies:
        services = [s for s in config.services if s.body == body.code]
        if services:
            bodies.append((body, services))
    closed = all(r is not None and r.reason == "closed" for r in refused.values())
    services_json = [
        {
            "code": s.code,
            "body": s.body,
            "name": s.names.get(language.code) or s.names["pt"],
            "priority_exempt": s.priority_exempt,
            "accepting": refused[s.code] is None,
            "reason": refused[s.code].reason if refused[s.code] else None,
            "retry_at": _iso(refused[s.code].retry_at) if refused[s.code] else None,
        }
        for s in config.services
    ]
    return render_template(
        "kiosk/flow.html",
        language=language,
        config=config,
        bodies=bodies,
        refused=refused,
        closed=closed,
        services_json=services_json,
        priorities=_priorities(),
        strings=_strings(),
        idle=_idle_seconds(config),
        intl=intl_tag(language.code),
    )


@bp.get("/t/<token>")
def phone(token: str) -> Any:
    """A visitor's own phone: their number, place and wait, live, then the call."""
    centre = onestop().centre
    with read_store() as store:
        ticket = store.ticket_by_token(token)
        if ticket is None:
            preferred_language(request.args.get("lang"))
            return render_template("kiosk/not_found.html"), 404
        status = ticket_status_json(store, centre, ticket)
        language = preferred_language(request.args.get("lang"), ticket.language)
    names = {s.code: s.names.get(language.code) or s.names["pt"] for s in centre.config.services}
    return render_template(
        "kiosk/phone.html",
        token=token,
        status=status,
        names=names,
        strings=_strings(),
        intl=intl_tag(language.code),
    )


@bp.get("/t/<token>/qr.svg")
def qr_code(token: str) -> Any:
    """The QR code of a ticket's phone page, drawn here (no outside service)."""
    with read_store() as store:
        if store.ticket_by_token(token) is None:
            abort(404)
    language = kiosk_language(request.args.get("lang")) or page_language()
    image = qrcode.make(
        phone_url(token, language.code), image_factory=SvgPathImage, box_size=10, border=2
    )
    return Response(
        image.to_string(encoding="unicode"),
        mimetype="image/svg+xml",
        headers={"Cache-Control": "private, max-age=86400"},
    )


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _idle_seconds(config: CentreConfig) -> int:
    low, high = IDLE_RANGE
    asked = request.args.get("idle", type=int)
    return min(max(asked, low), high) if asked is not None else config.kiosk.idle_seconds


def _priorities() -> list[tuple[str, str]]:
    """The four classes of Decreto-Lei 58/2016, in plain words."""
    words = {
        Priority.DISABILITY: gettext("My disability is rated at least 60%"),
        Priority.ELDERLY: gettext(
            "I am 65 or older and have a visible physical or mental limitation"
        ),
        Priority.PREGNANT: gettext("I am pregnant"),
        Priority.INFANT: gettext("I am carrying a child aged 2 or under"),
    }
    return [(priority.value, words[priority]) for priority in Priority]


def _strings() -> dict[str, str]:
    """The words the page scripts say, translated here, placeholders left for the script."""
    return {
        "closed_now": gettext("Not open now"),
        "full_today": gettext("No tickets left today"),
        "refused_closed": gettext("The centre is closed now."),
        "refused_service_closed": gettext("This service is not open now."),
        "refused_daily_cap": gettext(
            "All of today's tickets for this service have been given out."
        ),
        "refused_cutoff": gettext(
            "This service cannot take anyone else today: the wait would go past closing time."
        ),
        "back_today": gettext("Please come back today at %(time)s."),
        "back_tomorrow": gettext("Please come back tomorrow at %(time)s."),
        "back_on": gettext("Please come back on %(day)s at %(time)s."),
        "back_later": gettext("Please come back another day."),
        "about_min": gettext("About %(minutes)s min"),
        "you_are_next": gettext("You are next"),
        "mediator_in": gettext("Mediator: %(language)s"),
        "printed": gettext("Take your ticket from the printer."),
        "printer_fault": gettext(
            "The printer is not working. Take a photo of this screen or scan the code."
        ),
        "no_printer": gettext(
            "This kiosk does not print tickets. Take a photo of this screen or scan the code."
        ),
        "rate_limited": gettext(
            "Too many tickets in a short time. Please wait a moment and try again."
        ),
        "failed": gettext("Something went wrong. Please ask at reception."),
        "unpaired": gettext("This kiosk is not set up. Please ask a member of staff."),
        "key_refused": gettext("That key was not accepted."),
        "paired_as": gettext("This kiosk is paired as %(name)s."),
        "your_turn": gettext("Your turn — go to counter %(counter)s"),
        "serving": gettext("You are being served at counter %(counter)s."),
        "done": gettext("Your visit is over. Thank you."),
        "no_show": gettext("You missed your turn. Please ask at reception."),
        "cancelled": gettext("This ticket was cancelled."),
        "waiting": gettext("Please wait: this page will tell you when it is your turn."),
        "reconnecting": gettext("Reconnecting…"),
    }
