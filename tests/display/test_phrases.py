"""What a display says: Portuguese first, then the visitor's language or its stand-in."""

from __future__ import annotations

import pytest

from display.phrases import (
    PHRASES,
    announcement_languages,
    call_text,
    say_counter,
    say_number,
)
from routing.config import load_config
from tests.factories.configs import REFERENCE_CONFIG


def test_numbers_are_read_as_letters_then_a_number() -> None:
    assert say_number("A042") == "A 42"
    assert say_number("AT007") == "A T 7"
    assert say_number("B1000") == "B 1000"
    with pytest.raises(ValueError):
        say_number("42")


def test_counter_names_keep_letters_and_digits_apart() -> None:
    assert (say_counter("M1"), say_counter("12"), say_counter("Balcão 7")) == (
        "M 1",
        "12",
        "Balcão 7",
    )


def test_portuguese_comes_first_then_the_visitors_language() -> None:
    assert announcement_languages("pt") == ["pt"]
    assert announcement_languages("uk") == ["pt", "uk"]
    assert announcement_languages("zh") == ["pt", "zh"]
    # Portuguese-based creoles: the Portuguese call is the one they understand.
    assert announcement_languages("kea") == ["pt"]
    # No voice of its own: English stands in.
    assert announcement_languages("wo") == ["pt", "en"]
    assert announcement_languages("ro-MD") == ["pt", "ro"]


def test_every_language_of_the_reference_centre_is_announced_by_a_known_phrase() -> None:
    config = load_config(REFERENCE_CONFIG)
    for language in config.languages:
        languages = announcement_languages(language.code)
        assert languages[0] == "pt"
        assert all(code in PHRASES for code in languages), language.code
    voiced = [code for code in config.language_codes if code in PHRASES]
    assert len(voiced) >= 17


def test_a_call_names_the_number_and_the_counter() -> None:
    spoken = call_text("pt", "A042", "7")
    assert (spoken.voice, spoken.text) == ("pt", "Senha A 42, balcão 7.")
    assert call_text("ar", "A042", "M1").text == "الرقم A 42، الشباك M 1."
    assert call_text("zh", "A042", "7").voice == "cmn-latn-pinyin"
