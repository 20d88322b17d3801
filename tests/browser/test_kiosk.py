"""Visitors at the kiosk, driven through Debian's Chromium against a real server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.browser.kiosk_fixtures import audit, kiosk_page, screenshot
from tests.factories.configs import always_open, closed_now, reference_data
from tests.factories.processes import Server
from tests.kiosk.fake_printer import FakePrinter, refused_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NAMES = {service["code"]: service["names"] for service in reference_data()["services"]}


@pytest.fixture(scope="module")
def printer() -> Iterator[FakePrinter]:
    fake = FakePrinter("ok").start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, printer: FakePrinter) -> Iterator[Server]:
    config = always_open(
        tmp_path_factory.mktemp("kiosk-open"),
        [
            {"name": "kiosk-pt", "printer": {"kind": "network", "host": "127.0.0.1",
                                             "port": printer.port}},
            {"name": "kiosk-ar", "printer": {"kind": "network", "host": "127.0.0.1",
                                             "port": refused_port()}},
        ],
    )  # fmt: skip
    with Server.on_sqlite(config) as running:
        yield running


@pytest.fixture(scope="module")
def closed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with Server.on_sqlite(closed_now(tmp_path_factory.mktemp("kiosk-closed"))) as running:
        yield running


def _visible(page: Page, screen: str) -> None:
    expect(page.locator(f"#screen-{screen}")).to_be_visible()


def _choose_language(page: Page, code: str) -> None:
    page.click(f'a[data-language="{code}"]')
    page.wait_for_url(re.compile(rf"/kiosk/{code}(\?|$)"))


def _ticket(page: Page, server: Server) -> dict[str, Any]:
    """The ticket on screen, as the API knows it (its token is in the QR code's address)."""
    _visible(page, "ticket")
    qr = page.locator('[data-field="qr"]')
    expect(qr).to_have_attribute("src", re.compile(r"^/t/[\w-]+/qr\.svg"))
    page.wait_for_function("() => document.querySelector('[data-field=qr]').naturalWidth > 0")
    token = qr.get_attribute("src").split("/")[2]  # type: ignore[union-attr]
    status = requests.get(f"{server.url}/api/tickets/{token}", timeout=10).json()
    expect(page.locator('[data-field="number"]')).to_have_text(status["number"])
    return {**status, "token": token}


def test_a_visitor_takes_a_ticket_in_portuguese(
    browser: Browser, server: Server, printer: FakePrinter
) -> None:
    page = kiosk_page(browser, server, "kiosk-pt")
    expect(page.locator("a[data-language]")).to_have_count(12)
    screenshot(page, "kiosk-01-languages")
    audit(page, "languages")

    _choose_language(page, "pt")
    _visible(page, "bodies")
    assert page.locator("html").get_attribute("lang") == "pt"
    screenshot(page, "kiosk-02-bodies-pt")
    audit(page, "bodies")

    page.click('[data-body="immigration"]')
    _visible(page, "body-immigration")
    screenshot(page, "kiosk-03-services-pt")
    audit(page, "services")
    page.click('#screen-body-immigration [data-service="residence-first"]')
    _visible(page, "priority")
    screenshot(page, "kiosk-04-priority-pt")
    audit(page, "priority")
    page.click('[data-priority=""]')
    _visible(page, "mediator")
    screenshot(page, "kiosk-05-mediator-pt")
    audit(page, "mediator")
    page.click('button[data-mediator=""]')

    ticket = _ticket(page, server)
    assert re.fullmatch(r"A\d{3,}", ticket["number"])
    assert (ticket["service"], ticket["state"]) == ("residence-first", "waiting")
    expect(page.locator('[data-field="service"]')).to_have_text(NAMES["residence-first"]["pt"])
    expect(page.locator('[data-field="printer"]')).to_have_text("Retire a sua senha da impressora.")
    expect(page.locator('[data-field="priority"]')).to_be_hidden()
    expect(page.locator('[data-field="mediator"]')).to_be_hidden()
    assert any(ticket["number"].encode() in job for job in printer.jobs)
    screenshot(page, "kiosk-06-ticket-pt")
    audit(page, "ticket")

    page.click('#screen-ticket [data-action="restart"]')
    page.wait_for_url(f"{server.url}/kiosk")


def test_a_visitor_takes_a_ticket_in_arabic_right_to_left(browser: Browser, server: Server) -> None:
    sent = requests.get(f"{server.url}/kiosk/ar", timeout=10).text
    assert '<html lang="ar" dir="rtl">' in sent
    page = kiosk_page(browser, server, "kiosk-ar")
    _choose_language(page, "ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    tile = page.locator('[data-body="health"]')
    assert tile.evaluate("e => getComputedStyle(e).direction") == "rtl"
    expect(tile).to_contain_text("الصحة")
    screenshot(page, "kiosk-10-bodies-ar")
    tile.click()  # one service in this body: straight to the priority question
    _visible(page, "priority")
    expect(page.locator("#h-priority")).to_have_text("هل لديك أولوية؟")
    page.click('[data-priority=""]')
    page.click('button[data-mediator=""]')
    ticket = _ticket(page, server)
    assert ticket["number"].startswith("U") and ticket["service"] == "health-user-number"
    # This kiosk's printer refuses connections: the screen says so, the ticket stands.
    expect(page.locator('[data-field="printer"]')).to_have_text(
        "الطابعة لا تعمل. التقط صورة لهذه الشاشة أو امسح الرمز."
    )
    screenshot(page, "kiosk-11-ticket-ar-printer-fault")
    audit(page, "ticket in Arabic")


def test_a_visitor_with_legal_priority(browser: Browser, server: Server) -> None:
    page = kiosk_page(browser, server, "kiosk-priority")
    _choose_language(page, "en")
    # A registry is exempt from priority (DL 58/2016): the question is skipped.
    page.click('[data-body="registries"]')
    page.click('#screen-body-registries [data-service="nationality"]')
    _visible(page, "mediator")
    page.click('[data-action="back"]')
    _visible(page, "body-registries")
    page.click('[data-action="back"]')
    _visible(page, "bodies")

    page.click('[data-body="immigration"]')
    page.click('#screen-body-immigration [data-service="residence-renewal"]')
    _visible(page, "priority")
    expect(page.locator('[data-priority="pregnant"]')).to_have_text("I am pregnant")
    page.click('[data-priority="pregnant"]')
    page.click('button[data-mediator=""]')
    ticket = _ticket(page, server)
    assert ticket["service"] == "residence-renewal"
    expect(page.locator('[data-field="priority"]')).to_be_visible()
    expect(page.locator('[data-field="priority"]')).to_have_text("Priority")
    screenshot(page, "kiosk-20-ticket-priority-en")
    audit(page, "ticket with priority")


def test_a_visitor_asks_for_a_mediator_in_wolof(browser: Browser, server: Server) -> None:
    page = kiosk_page(browser, server, "kiosk-mediator")
    _choose_language(page, "fr")
    page.click('[data-body="immigration"]')
    page.click('#screen-body-immigration [data-service="immigration-info"]')
    page.click('[data-priority=""]')
    _visible(page, "mediator")
    expect(page.locator('button[data-mediator="wo"]')).to_have_text("Wolof")
    screenshot(page, "kiosk-30-mediator-fr")
    page.click('button[data-mediator="wo"]')
    ticket = _ticket(page, server)
    expect(page.locator('[data-field="mediator"]')).to_have_text("Médiateur : Wolof")
    # No printer for this kiosk: the screen says to photograph it.
    expect(page.locator('[data-field="printer"]')).to_contain_text("Prenez cet écran en photo")
    api = requests.get(f"{server.url}/api/tickets/{ticket['token']}", timeout=10).json()
    assert api["service"] == "immigration-info"
    screenshot(page, "kiosk-31-ticket-wolof-mediator")
    audit(page, "ticket with a mediator")


def test_a_visitor_meets_the_closed_screen(browser: Browser, closed_server: Server) -> None:
    page = kiosk_page(browser, closed_server, "kiosk-closed")
    _choose_language(page, "pt")
    _visible(page, "closed")
    expect(page.locator("#h-closed")).to_have_text("O centro está fechado neste momento.")
    expect(page.locator('[data-field="closed-when"]')).to_have_text(
        re.compile(r"^Por favor, volte \w+-feira|^Por favor, volte (sábado|domingo)")
    )
    expect(page.locator('[data-field="closed-when"]')).to_contain_text("às 08:30")
    expect(page.locator('[data-action="restart"]').first).to_be_visible()
    screenshot(page, "kiosk-40-closed-pt")
    audit(page, "closed")


def test_an_idle_kiosk_goes_back_to_the_start(browser: Browser, server: Server) -> None:
    page = kiosk_page(browser, server, "kiosk-idle")
    page.goto("/kiosk?idle=2")
    _choose_language(page, "es")
    page.click('[data-body="tax"]')
    _visible(page, "body-tax")
    screenshot(page, "kiosk-50-before-idle-es")
    page.wait_for_url(f"{server.url}/kiosk?idle=2", timeout=15_000)
    expect(page.locator("a[data-language]")).to_have_count(12)
    screenshot(page, "kiosk-51-after-idle")
