"""What a ticket's receipt says: built in the request, in the visitor's language where it prints."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask_babel import force_locale, gettext

from kiosk.printing import Receipt, printable
from routing.config import CentreConfig
from routing.store.models import Ticket

#: the language of the receipt's labels when the visitor's cannot be printed
PAPER_DEFAULT = "pt"


def wait_text(minutes: float | None) -> str:
    """An estimate as the kiosk and the receipt say it (the page script rounds the same way)."""
    if minutes is None:
        return "-"
    return gettext("About %(minutes)s min", minutes=max(1, round(minutes)))


def build_receipt(
    config: CentreConfig, ticket: Ticket, position: int | None, language: str, url: str
) -> Receipt:
    """The receipt of `ticket` for a visitor who used the kiosk in `language`."""
    lines, footer = _labels(config, ticket, position, language)
    if any(
        printable(text) is None for text in (footer, *(part for line in lines for part in line))
    ):
        lines, footer = _labels(config, ticket, position, PAPER_DEFAULT)
    service = config.service(ticket.service)
    names = [service.names["pt"]]
    visitor_name = service.names.get(language)
    if visitor_name and visitor_name not in names and printable(visitor_name):
        names.append(visitor_name)
    marks = []
    if ticket.priority:
        marks.append("PRIORIDADE")
    if ticket.mediator:
        spoken = next((lang for lang in config.languages if lang.code == ticket.language), None)
        name = spoken.name if spoken else ticket.language
        marks.append(f"MEDIADOR: {printable(name) or ticket.language.upper()}")
    return Receipt(
        number=ticket.number,
        heading=config.centre.name,
        services=tuple(names),
        lines=lines,
        marks=tuple(marks),
        url=url,
        footer=footer,
    )


def _labels(
    config: CentreConfig, ticket: Ticket, position: int | None, language: str
) -> tuple[tuple[tuple[str, str], ...], str]:
    issued = ticket.issued_at.astimezone(ZoneInfo(config.centre.timezone))
    with force_locale(language):
        lines = (
            (gettext("Position in queue"), str(position) if position else "-"),
            (gettext("Estimated wait"), wait_text(ticket.estimated_wait_min)),
            (gettext("Issued at"), issued.strftime("%d/%m/%Y %H:%M")),
        )
        return lines, gettext("Scan to follow your turn on your phone")
