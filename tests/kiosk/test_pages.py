"""The kiosk and phone pages as the server sends them: language, direction, content, refusals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from freezegun import freeze_time

from onestop.app import create_app
from onestop.settings import Settings
from routing.config import ConfigError, load_config
from tests.factories.configs import REFERENCE_CONFIG, reference_data, write_config
from tests.factories.people import add_kiosk
from tests.kiosk.conftest import bearer, issue

KIOSK_LANGUAGES = load_config(REFERENCE_CONFIG).kiosk_languages


def _html_tag(html: str) -> str:
    match = re.search(r"<html[^>]*>", html)
    assert match, "no <html> element"
    return match.group(0)


def test_the_start_page_offers_every_kiosk_language_by_its_own_name(app: Flask) -> None:
    html = app.test_client().get("/kiosk").get_data(as_text=True)
    assert _html_tag(html) == '<html lang="pt" dir="ltr">'
    for language in KIOSK_LANGUAGES:
        assert f'href="/kiosk/{language.code}"' in html
        assert f'lang="{language.code}" dir="{language.dir}"' in html
        assert language.name in html
    assert "اختر لغتك" in html and "Choisissez votre langue" in html


@pytest.mark.parametrize("language", KIOSK_LANGUAGES, ids=lambda language: language.code)
def test_each_language_page_carries_its_lang_and_dir(app: Flask, language) -> None:
    response = app.test_client().get(f"/kiosk/{language.code}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _html_tag(html) == f'<html lang="{language.code}" dir="{language.dir}">'
    config = app.extensions["onestop"].centre.config
    assert config.bodies[1].names[language.code] in html
    assert config.service("tax-number").names[language.code] in html


def test_arabic_and_urdu_are_right_to_left_in_the_visitors_words(app: Flask) -> None:
    client = app.test_client()
    arabic = client.get("/kiosk/ar").get_data(as_text=True)
    assert 'dir="rtl"' in _html_tag(arabic)
    assert "هل تحتاج إلى وسيط؟" in arabic and "Do you need a mediator?" not in arabic
    assert 'dir="rtl"' in _html_tag(client.get("/kiosk/ur").get_data(as_text=True))


def test_the_flow_page_has_every_step(app: Flask) -> None:
    html = app.test_client().get("/kiosk/en").get_data(as_text=True)
    for step in ("bodies", "priority", "mediator", "ticket", "refused", "closed"):
        assert f'id="screen-{step}"' in html
    for priority in ("disability", "elderly", "pregnant", "infant"):
        assert f'data-priority="{priority}"' in html
    # All 24 spoken languages can be asked for, Wolof included.
    assert html.count("data-mediator=") == 25 and 'data-mediator="wo"' in html
    # A body with one service goes straight to it; a body with several opens its own list.
    assert re.search(r'data-body="victim-support"\s+data-service="victim-support"', html)
    assert 'id="screen-body-immigration"' in html
    services = re.search(r'id="kiosk-services">(.*?)</script>', html, re.S)
    assert services and '"priority_exempt": true' in services.group(1).replace('":true', '": true')


def test_unknown_language_is_not_found(app: Flask) -> None:
    assert app.test_client().get("/kiosk/xx").status_code == 404
    assert app.test_client().get("/kiosk/wo").status_code == 404  # spoken, not on screen


def test_the_idle_timeout_comes_from_the_config_or_the_address(app: Flask) -> None:
    client = app.test_client()
    assert 'data-idle-seconds="30"' in client.get("/kiosk/pt").get_data(as_text=True)
    assert 'data-idle-seconds="2"' in client.get("/kiosk/pt?idle=2").get_data(as_text=True)
    assert 'data-idle-seconds="1"' in client.get("/kiosk/pt?idle=0").get_data(as_text=True)


def test_a_closed_day_shows_the_closed_screen(tmp_path: Path, sqlite_url: str) -> None:
    with freeze_time("2026-11-29 11:00:00"):  # a Sunday
        app = create_app(Settings(config=REFERENCE_CONFIG, database_url=sqlite_url))
        html = app.test_client().get("/kiosk/fr").get_data(as_text=True)
        app.extensions["onestop"].db.dispose()
    closed = re.search(r'<section id="screen-closed"[^>]*>', html)
    bodies = re.search(r'<section id="screen-bodies"[^>]*>', html)
    assert closed and bodies and "hidden" not in closed.group(0) and "hidden" in bodies.group(0)
    assert "Le centre est fermé en ce moment." in html
    assert '"reason": "closed"' in html.replace('":"', '": "')
    assert '"retry_at": "2026-11-30T08:30:00+00:00"' in html.replace('":"', '": "')


def test_the_phone_page_speaks_the_visitors_language(app: Flask) -> None:
    key = add_kiosk(app)
    client = app.test_client()
    ticket = issue(client, key, language="ru")
    html = client.get(f"/t/{ticket['token']}").get_data(as_text=True)
    assert _html_tag(html) == '<html lang="ru" dir="ltr">'
    assert ticket["number"] in html and "Место в очереди" in html
    # A mediator language has no screen translation: the QR code names the screen's language.
    wolof = issue(client, key, language="wo", mediator=True)
    html = client.get(f"/t/{wolof['token']}?lang=ar").get_data(as_text=True)
    assert _html_tag(html) == '<html lang="ar" dir="rtl">'
    assert "auth" not in html.split("<script")[0]
    html = client.get(f"/t/{wolof['token']}", headers={"Accept-Language": "uk, en;q=0.5"})
    assert _html_tag(html.get_data(as_text=True)) == '<html lang="uk" dir="ltr">'


def test_unknown_tickets_are_not_found(app: Flask) -> None:
    client = app.test_client()
    response = client.get("/t/no-such-token?lang=es")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert _html_tag(html) == '<html lang="es" dir="ltr">' and "Turno no encontrado" in html
    assert client.get("/t/no-such-token/qr.svg").status_code == 404


def test_the_qr_code_is_drawn_by_the_server(app: Flask) -> None:
    key = add_kiosk(app)
    client = app.test_client()
    ticket = issue(client, key)
    response = client.get(f"/t/{ticket['token']}/qr.svg?lang=hi")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.get_data(as_text=True).startswith("<svg")


def test_pairing_checks_a_key(app: Flask) -> None:
    key = add_kiosk(app, "entrada-1")
    client = app.test_client()
    assert client.get("/kiosk/pair").status_code == 200
    device = client.get("/api/kiosk/device", headers=bearer(key)).get_json()
    assert device["name"] == "entrada-1"
    assert device["printer"]["kind"] == "network"  # entrada-1 prints on the network
    assert client.get("/api/kiosk/device", headers=bearer("nope")).status_code == 401
    assert client.get("/api/kiosk/device").status_code == 401


def test_printer_config_is_checked_with_its_place(tmp_path: Path) -> None:
    data = reference_data()
    data["kiosks"] = [
        {"name": "a", "printer": {"kind": "network"}},
        {"name": "a", "printer": {"kind": "usb", "vendor_id": 1208, "product_id": 3605}},
        {"name": "b", "printer": {"kind": "fax"}},
    ]
    with pytest.raises(ConfigError) as error:
        load_config(write_config(tmp_path, data))
    problems = [str(problem) for problem in error.value.problems]
    assert any("kiosks[0].printer" in p and "needs host" in p for p in problems), problems
    assert any("kiosks[2].printer.kind" in p for p in problems), problems
    data["kiosks"] = data["kiosks"][:2]
    data["kiosks"][0]["printer"]["host"] = "127.0.0.1"
    with pytest.raises(ConfigError) as error:
        load_config(write_config(tmp_path, data))
    assert "duplicate name 'a'" in str(error.value)
