"""Every kiosk string is translated into every kiosk language, and the template is current."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from onestop.i18n import TRANSLATIONS
from routing.config import load_config
from tests.factories.configs import REFERENCE_CONFIG, ROOT

KIOSK_LANGUAGES = [language.code for language in load_config(REFERENCE_CONFIG).kiosk_languages]
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def _read(path: Path) -> Catalog:
    with path.open("rb") as po_file:
        return read_po(po_file)


def _ids(catalogue: Catalog) -> set[tuple[str | None, str]]:
    """Each message as (msgctxt, msgid): the display's "Open" is not the reports' "Open"."""
    return {(message.context, message.id) for message in catalogue if message.id}


def test_the_twelve_kiosk_languages_each_have_a_catalogue() -> None:
    assert len(KIOSK_LANGUAGES) == 12
    found = {path.parent.parent.name for path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")}
    assert found == set(KIOSK_LANGUAGES)


def test_the_template_holds_every_string_the_code_marks() -> None:
    """Fails when someone marks a string for translation without extracting it again."""
    method_map, options_map = parse_mapping_cfg((ROOT / "babel.cfg").open(encoding="utf-8"))
    # as `make translations` extracts
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "lazy_pgettext": ((1, "c"), 2)}
    extracted = {
        (context, message)
        for _, _, message, _, context in extract_from_dir(ROOT, method_map, options_map, keywords)
        if isinstance(message, str)
    }
    assert extracted, "nothing extracted: babel.cfg no longer matches the sources"
    assert extracted == _ids(_read(TRANSLATIONS / "messages.pot"))


@pytest.mark.parametrize("language", KIOSK_LANGUAGES)
def test_catalogue_is_complete(language: str) -> None:
    template = _ids(_read(TRANSLATIONS / "messages.pot"))
    catalogue = _read(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po")
    assert str(catalogue.locale) == language
    assert _ids(catalogue) == template, "run `make translations`, then translate"
    for message in catalogue:
        if not message.id:
            continue
        assert message.string and message.string.strip(), f"{language}: {message.id!r} is empty"
        assert not message.fuzzy, f"{language}: {message.id!r} is fuzzy"
        assert sorted(PLACEHOLDER.findall(message.id)) == sorted(
            PLACEHOLDER.findall(message.string)
        ), f"{language}: {message.id!r} has other placeholders"
    assert not catalogue.obsolete, f"{language}: obsolete entries are left"
