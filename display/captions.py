"""The words on a display, in Portuguese, English and the kiosk languages shown in turn.

They come from the gettext catalogues under the context "display": a waiting-room screen
words some things otherwise than the staff pages sharing their English (a Spanish screen
says "Número" for a ticket, the kiosk "Turno"), and each side must change without the other.
"""

from __future__ import annotations

from flask_babel import force_locale, lazy_pgettext
from flask_babel.speaklater import LazyString

from onestop.i18n import has_catalogue
from routing.config import CentreConfig

#: always on screen, in this order
FIXED = ("pt", "en")

#: caption key (as the page and its script read it) -> its English msgid
WORDS: dict[str, LazyString] = {
    "ticket": lazy_pgettext("display", "Ticket"),
    "counter": lazy_pgettext("display", "Counter"),
    "last_calls": lazy_pgettext("display", "Last calls"),
    "service": lazy_pgettext("display", "Service"),
    "waiting": lazy_pgettext("display", "Waiting"),
    "estimate": lazy_pgettext("display", "Estimated wait"),
    "minutes": lazy_pgettext("display", "min"),
    "open": lazy_pgettext("display", "Open"),
    "closing_soon": lazy_pgettext("display", "Closing soon"),
    "closed": lazy_pgettext("display", "Closed"),
    "until": lazy_pgettext("display", "until"),
    "opens": lazy_pgettext("display", "Opens"),
    "recall": lazy_pgettext("display", "Called again"),
    "reconnecting": lazy_pgettext("display", "Reconnecting…"),
}


def captions(code: str) -> dict[str, str]:
    """Every caption in language `code`, read from its catalogue; needs an app context."""
    with force_locale(code):
        return {key: str(text) for key, text in WORDS.items()}


def rotating_languages(config: CentreConfig) -> list[str]:
    """The kiosk languages besides Portuguese and English that have a catalogue, in config order."""
    return [
        language.code
        for language in config.kiosk_languages
        if has_catalogue(language.code) and language.code not in FIXED
    ]
