"""The display's captions come from the gettext catalogues, translated in every kiosk language."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import force_locale, gettext

from display.captions import FIXED, WORDS, captions, rotating_languages
from routing.config import Language, load_config
from tests.factories.configs import REFERENCE_CONFIG

CONFIG = load_config(REFERENCE_CONFIG)
KIOSK_LANGUAGES = [language.code for language in CONFIG.kiosk_languages]

#: the English the page shows under each key the page and its script read
ENGLISH = {
    "ticket": "Ticket",
    "counter": "Counter",
    "last_calls": "Last calls",
    "service": "Service",
    "waiting": "Waiting",
    "estimate": "Estimated wait",
    "minutes": "min",
    "open": "Open",
    "closing_soon": "Closing soon",
    "closed": "Closed",
    "until": "until",
    "opens": "Opens",
    "recall": "Called again",
    "reconnecting": "Reconnecting…",
}

CLOSING_SOON = {
    "pt": "Fecha em breve",
    "en": "Closing soon",
    "fr": "Ferme bientôt",
    "es": "Cierra pronto",
    "ar": "يغلق قريبًا",
    "uk": "Незабаром зачиняється",
    "ru": "Скоро закрывается",
    "ro": "Se închide curând",
    "zh": "即将停止营业",
    "hi": "जल्द बंद होगा",
    "ur": "جلد بند ہوگا",
    "bn": "শীঘ্রই বন্ধ হবে",
}

#: captions a language rightly writes as English does
SAME_AS_ENGLISH = {
    ("pt", "minutes"),
    ("fr", "ticket"),
    ("fr", "service"),
    ("fr", "minutes"),
    ("es", "minutes"),
    ("ro", "minutes"),
}


def test_every_kiosk_language_is_pinned_here() -> None:
    assert set(CLOSING_SOON) == set(KIOSK_LANGUAGES)


@pytest.mark.parametrize("language", sorted(CLOSING_SOON))
def test_a_caption_comes_out_in_its_language(app: Flask, language: str) -> None:
    with app.app_context():
        assert captions(language)["closing_soon"] == CLOSING_SOON[language]


def test_english_captions_are_their_msgids(app: Flask) -> None:
    with app.app_context():
        assert captions("en") == ENGLISH


@pytest.mark.parametrize("language", [code for code in KIOSK_LANGUAGES if code != "en"])
def test_every_caption_is_translated(app: Flask, language: str) -> None:
    with app.app_context():
        translated = captions(language)
    assert set(translated) == set(WORDS)
    untranslated = {
        key
        for key in WORDS
        if translated[key] == ENGLISH[key] and (language, key) not in SAME_AS_ENGLISH
    }
    assert not untranslated, f"{language}: {sorted(untranslated)} read as in English"


def test_the_display_words_differ_from_the_staff_pages_where_they_should(app: Flask) -> None:
    """The context keeps a Spanish screen's "Número" apart from the kiosk's "Turno"."""
    with app.app_context():
        assert captions("es")["ticket"] == "Número"
        assert captions("pt")["waiting"] == "Em espera"
        with force_locale("es"):
            assert gettext("Ticket") == "Turno"
        with force_locale("pt"):
            assert gettext("Waiting") == "À espera"


def test_captions_rotate_through_the_kiosk_languages_with_a_catalogue() -> None:
    assert rotating_languages(CONFIG) == [code for code in KIOSK_LANGUAGES if code not in FIXED]
    assert len(rotating_languages(CONFIG)) == 10


def test_a_kiosk_language_without_a_catalogue_does_not_rotate() -> None:
    """Its captions would be English, already on screen."""
    extra = Language(code="de", name="Deutsch", kiosk=True)
    config = CONFIG.model_copy(update={"languages": [*CONFIG.languages, extra]})
    assert "de" not in rotating_languages(config)
    assert rotating_languages(config) == rotating_languages(CONFIG)
