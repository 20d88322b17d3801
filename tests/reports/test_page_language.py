"""The reports page speaks the staff member's language, as the counter console does: its
headings from the catalogues, its `<html>` lang and dir, and every word its script shows
handed over in the setup block (the API's keys and codes stay as they are)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories.configs import ROOT
from tests.factories.people import add_person, signed_in

SCRIPT = ROOT / "reports" / "static" / "reports" / "reports.js"


@pytest.fixture
def boss(app: Flask) -> FlaskClient:
    add_person(app, "boss", "manager")
    return signed_in(app, "boss")


def _page(client: FlaskClient, path: str, **headers: str) -> tuple[str, dict[str, Any]]:
    html = client.get(path, headers=headers).get_data(as_text=True)
    found = re.search(r'<script type="application/json" id="reports-setup">(.*?)</script>', html)
    assert found is not None
    return html, json.loads(found[1])


def test_arabic_reads_right_to_left_with_its_own_words(boss: FlaskClient) -> None:
    html, setup = _page(boss, "/reports?lang=ar")
    assert '<html lang="ar" dir="rtl">' in html
    assert "<h1>التقارير" in html and "الخدمة" in html
    assert setup["intl"] == "ar"
    assert setup["strings"]["headings"]["service"] == "الخدمة"
    assert setup["strings"]["codes"]["paused"] == "متوقف مؤقتًا"
    assert setup["weekdays"][0] != "Mon" and len(setup["weekdays"]) == 7


@pytest.mark.parametrize(
    ("language", "intl", "heading", "monday"),
    [("pt", "pt-PT", "Por serviço", "seg."), ("zh", "zh-Hans", "按服务", "周一")],
)
def test_other_languages(
    boss: FlaskClient, language: str, intl: str, heading: str, monday: str
) -> None:
    html, setup = _page(boss, f"/reports?lang={language}")
    assert f'<html lang="{language}" dir="ltr">' in html and heading in html
    assert (setup["intl"], setup["weekdays"][0]) == (intl, monday)


def test_the_language_follows_the_browser_then_the_one_chosen(boss: FlaskClient) -> None:
    html, setup = _page(boss, "/reports", **{"Accept-Language": "fr-FR"})
    assert '<html lang="fr" dir="ltr">' in html and "Par membre du personnel" in html
    assert setup["strings"]["codes"]["paper_out"] == "Plus de papier"
    english, _ = _page(boss, "/reports?lang=en")
    assert '<html lang="en" dir="ltr">' in english and "Per staff member" in english
    remembered, _ = _page(boss, "/reports", **{"Accept-Language": "fr-FR"})
    assert '<html lang="en" dir="ltr">' in remembered


def test_the_script_asks_only_for_words_the_page_hands_it(boss: FlaskClient) -> None:
    _, setup = _page(boss, "/reports?lang=uk")
    strings = setup["strings"]
    script = SCRIPT.read_text(encoding="utf-8")
    asked_headings = set(re.findall(r"\bH\.(\w+)", script))
    asked_strings = set(re.findall(r"\bstrings\.(\w+)", script))
    assert asked_headings and asked_headings <= set(strings["headings"])
    assert asked_strings and asked_strings <= set(strings)
    assert all(isinstance(word, str) and word for word in strings["headings"].values())
    # no English words left in the script for a person to read
    assert not re.search(r'\[\s*"[A-Z][a-z]', script)
    assert not re.search(r'label: "[A-Za-z]', script)
