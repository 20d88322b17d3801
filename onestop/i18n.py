"""Page languages for every room: Flask-Babel over the centre's kiosk languages.

A view names the language its page is shown in with `use_language`; the locale of the
gettext catalogues follows it, and so do the `lang` and `dir` of the page's `<html>`, which
`base.html` reads from the template context. Catalogues live in `translations/`; their
compiled `.mo` files are built at set-up (`make setup`) and rebuilt here when stale, so a
fresh checkout never serves untranslated pages.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, g, request, session
from flask_babel import Babel, refresh

from onestop.context import onestop
from routing.config import Language

log = logging.getLogger(__name__)

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
DOMAIN = "messages"
#: the language a page falls back to: the centre's own
DEFAULT = "pt"
#: the BCP 47 tag browsers format dates and numbers with, where it differs from the code
INTL_TAGS = {"pt": "pt-PT", "zh": "zh-Hans"}

babel = Babel()
_compile_lock = threading.Lock()


def init_app(app: Flask) -> None:
    compile_catalogues(TRANSLATIONS)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    babel.init_app(app, locale_selector=_locale)
    app.context_processor(_page_language)


def kiosk_language(code: str | None) -> Language | None:
    """The centre's kiosk language `code` (one with screen translations), or None."""
    for language in onestop().centre.config.kiosk_languages:
        if language.code == code:
            return language
    return None


def use_language(code: str | None) -> Language:
    """Show this request's page in `code`; the centre's default when it has no translations."""
    language = kiosk_language(code) or kiosk_language(DEFAULT)
    assert language is not None, "the default language must be a kiosk language"
    g.page_language = language
    refresh()
    return language


def preferred_language(*candidates: str | None) -> Language:
    """The first candidate with translations, else the browser's best match, else the default."""
    for code in candidates:
        if kiosk_language(code) is not None:
            return use_language(code)
    offered = [language.code for language in onestop().centre.config.kiosk_languages]
    return use_language(request.accept_languages.best_match(offered))


def staff_language() -> Language:
    """Staff pages in the language asked for with `?lang=` (remembered), else the browser's."""
    asked = request.args.get("lang")
    if kiosk_language(asked) is not None:
        session["lang"] = asked
    return preferred_language(asked, session.get("lang"))


def page_language() -> Language:
    """The language of the page being rendered (the default until a view chose one)."""
    language = g.get("page_language")
    return language if language is not None else use_language(None)


def has_catalogue(code: str) -> bool:
    """Whether `code` has its own catalogue; without one gettext would answer in English."""
    return (TRANSLATIONS / code / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()


def intl_tag(code: str) -> str:
    return INTL_TAGS.get(code, code)


def _locale() -> str:
    language = g.get("page_language")
    return language.code if language is not None else DEFAULT


def _page_language() -> dict[str, Any]:
    language = g.get("page_language")
    if language is None:
        return {}
    return {"lang": language.code, "dir": language.dir}


def compile_catalogues(directory: Path) -> None:
    """Build each `.mo` whose `.po` is newer; atomic, so processes may race harmlessly."""
    with _compile_lock:
        for po_path in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            with po_path.open("rb") as po_file:
                catalogue = read_po(po_file, locale=po_path.parent.parent.name)
            handle, temporary = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
            with os.fdopen(handle, "wb") as mo_file:
                write_mo(mo_file, catalogue)
            os.replace(temporary, mo_path)
            log.info("compiled %s", mo_path)
