"""What a display says when it calls a ticket, in each spoken language that has a voice.

The phrases are written for espeak-ng's voices as Debian ships them: numbers are given as
digits, so each voice reads them in its own language; Mandarin is written in pinyin for the
pinyin voice, because the Chinese-character dictionary is not part of Debian's package.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: the language spoken first, to everyone
FIRST = "pt"
#: spoken instead for a visitor language that has no voice of its own
DEFAULT_FALLBACK = "en"
#: Portuguese-based creoles: their speakers hear the Portuguese call, nothing else is needed;
#: Belarusian has no full dictionary in Debian's espeak-ng, and Russian is widely understood
FALLBACKS = {"kea": FIRST, "pov": FIRST, "be": "ru", "ro-MD": "ro"}


@dataclass(frozen=True)
class Phrase:
    """A call in one language: the espeak-ng voice and the sentence with two blanks."""

    voice: str
    template: str


PHRASES: dict[str, Phrase] = {
    "pt": Phrase("pt", "Senha {number}, balcão {counter}."),
    "en": Phrase("en", "Ticket {number}, counter {counter}."),
    "fr": Phrase("fr", "Ticket {number}, guichet {counter}."),
    "es": Phrase("es", "Número {number}, ventanilla {counter}."),
    "de": Phrase("de", "Nummer {number}, Schalter {counter}."),
    "it": Phrase("it", "Numero {number}, sportello {counter}."),
    "ro": Phrase("ro", "Bonul {number}, ghișeul {counter}."),
    "pl": Phrase("pl", "Numer {number}, stanowisko {counter}."),
    "ru": Phrase("ru", "Талон {number}, окно {counter}."),
    "uk": Phrase("uk", "Талон {number}, вікно {counter}."),
    "ar": Phrase("ar", "الرقم {number}، الشباك {counter}."),
    "zh": Phrase("cmn-latn-pinyin", "qing3 {number} hao4 dao4 {counter} hao4 chuang1 kou3."),
    "hi": Phrase("hi", "टिकट {number}, काउंटर {counter}."),
    "bn": Phrase("bn", "টিকিট {number}, কাউন্টার {counter}."),
    "ur": Phrase("ur", "ٹکٹ {number}، کاؤنٹر {counter}."),
    "gu": Phrase("gu", "ટિકિટ {number}, કાઉન્ટર {counter}."),
    "ta": Phrase("ta", "டிக்கெட் {number}, கவுண்டர் {counter}."),
}


@dataclass(frozen=True)
class Spoken:
    """A sentence ready for a voice."""

    voice: str
    text: str


#: a ticket number as printed: a one- or two-letter prefix and at least three digits
NUMBER = re.compile(r"^([A-Z]{1,2})(\d{3,6})$")
_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def spoken_language(language: str) -> str:
    """The phrase language used for a visitor speaking `language`."""
    if language in PHRASES:
        return language
    return FALLBACKS.get(language, DEFAULT_FALLBACK)


def announcement_languages(language: str) -> list[str]:
    """Portuguese first, then the visitor's own (or its fallback) when it differs."""
    spoken = spoken_language(language)
    return [FIRST] if spoken == FIRST else [FIRST, spoken]


def say_number(number: str) -> str:
    """'A042' as a voice should read it: letters one by one, then the number ('A 42')."""
    match = NUMBER.match(number)
    if match is None:
        raise ValueError(f"not a ticket number: {number!r}")
    letters, digits = match.groups()
    return f"{' '.join(letters)} {int(digits)}"


def say_counter(name: str) -> str:
    """A counter's name with letters and digits apart ('M1' -> 'M 1'), so voices read both."""
    return _LETTER_DIGIT.sub(" ", name)


def call_text(language: str, number: str, counter: str) -> Spoken:
    """The voice and sentence calling `number` to `counter`; `KeyError` for an unknown phrase."""
    phrase = PHRASES[language]
    text = phrase.template.format(number=say_number(number), counter=say_counter(counter))
    return Spoken(phrase.voice, text)
