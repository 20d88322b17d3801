"""A visitor's phone follows the ticket live and is told when it is their turn."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import Browser, expect

from tests.browser.kiosk_fixtures import audit, phone_page, screenshot
from tests.factories.processes import Server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _issue(server: Server, key: str, language: str, service: str = "residence-first") -> dict:
    answer = requests.post(
        f"{server.url}/api/tickets",
        json={"service": service, "language": language},
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_the_phone_page_turns_to_your_turn_when_a_counter_calls(
    browser: Browser, server: Server
) -> None:
    key = server.add_kiosk("kiosk-phone")
    ticket = _issue(server, key, "uk")
    page = phone_page(browser, server, ticket["status_url"])
    assert page.locator("html").get_attribute("lang") == "uk"
    expect(page.locator('[data-field="number"]')).to_have_text(ticket["number"])
    expect(page.locator('[data-field="position"]')).to_have_text("Ви наступні")
    expect(page.locator('[data-field="call"]')).to_be_hidden()
    # In its Socket.IO room before the call is made, so the call arrives as an event.
    expect(page.locator("#phone")).to_have_attribute("data-connected", "true")
    screenshot(page, "phone-01-waiting-uk")
    audit(page, "phone waiting")

    server.add_staff("ana", services=("residence-first",))
    agent = server.signed_in("ana")
    assert agent.post(f"{server.url}/api/counters/3/open", json={}, timeout=10).ok
    called = agent.post(f"{server.url}/api/counters/3/next", json={}, timeout=10).json()
    assert called["number"] == ticket["number"]

    call = page.locator('[data-field="call"]')
    expect(call).to_be_visible(timeout=10_000)
    expect(call).to_have_text("Ваша черга — підійдіть до віконця 3")
    expect(page.locator('[data-field="facts"]')).to_be_hidden()
    assert page.evaluate("window.vibrations.length") >= 1
    screenshot(page, "phone-02-your-turn-uk")
    audit(page, "phone called")

    # A recall buzzes again; serving and finishing change the words.
    assert agent.post(f"{server.url}/api/counters/3/recall", json={}, timeout=10).ok
    page.wait_for_function("() => window.vibrations.length >= 2", timeout=10_000)
    assert agent.post(f"{server.url}/api/counters/3/start", json={}, timeout=10).ok
    expect(page.locator('[data-field="message"]')).to_have_text(
        "Вас обслуговують біля віконця 3.",  # noqa: RUF001 (Ukrainian)
        timeout=10_000,
    )
    assert agent.post(f"{server.url}/api/counters/3/finish", json={}, timeout=10).ok
    expect(page.locator('[data-field="message"]')).to_have_text(
        "Ваше обслуговування завершено. Дякуємо.", timeout=10_000
    )


def test_the_position_moves_up_live_when_someone_ahead_is_called(
    browser: Browser, server: Server
) -> None:
    key = server.add_kiosk("kiosk-queue")
    ahead = _issue(server, key, "en", service="tax-number")
    mine = _issue(server, key, "en", service="tax-number")
    page = phone_page(browser, server, mine["status_url"] + "?lang=en")
    expect(page.locator('[data-field="position"]')).to_have_text("2")
    expect(page.locator("#phone")).to_have_attribute("data-connected", "true")

    server.add_staff("rui", services=("tax-number",))
    agent = server.signed_in("rui")
    assert agent.post(f"{server.url}/api/counters/10/open", json={}, timeout=10).ok
    called = agent.post(f"{server.url}/api/counters/10/next", json={}, timeout=10).json()
    assert called["number"] == ahead["number"]
    # No event names this ticket: the queue's own room tells the phone to look again.
    expect(page.locator('[data-field="position"]')).not_to_have_text("2", timeout=5_000)
    assert page.locator("#phone").get_attribute("data-state") == "waiting"


def test_an_unknown_ticket_is_a_not_found_page(browser: Browser, server: Server) -> None:
    page = phone_page(browser, server, "/t/not-a-ticket?lang=bn")
    assert page.locator("html").get_attribute("lang") == "bn"
    expect(page.locator("h1")).to_have_text("টোকেন পাওয়া যায়নি")
    response = requests.get(f"{server.url}/t/not-a-ticket", timeout=10)
    assert response.status_code == 404
    screenshot(page, "phone-03-not-found-bn")
    audit(page, "phone not found")
