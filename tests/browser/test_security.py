"""Every page under the Content-Security-Policy, in Debian's Chromium: nothing blocked (no
inline script, style or handler; the Socket.IO WebSocket allowed by `connect-src 'self'`),
and a page cannot be framed. Also: a display that was offline for an hour comes back right."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.factories.configs import always_open
from tests.factories.floor import Floor, staff_floor
from tests.factories.people import PASSWORD
from tests.factories.processes import Server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: collects what the browser refused, before any page script runs
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""
LIVE_MS = 15_000


@pytest.fixture
def centre(tmp_path: Path) -> Iterator[tuple[Server, Floor]]:
    server = Server.on_sqlite(
        always_open(tmp_path), extra_env={"XDG_CACHE_HOME": str(tmp_path / "cache")}
    )
    key = staff_floor(server)
    server.add_staff("root", role="admin")
    with server:
        floor = Floor(server, key)
        try:
            yield server, floor
        finally:
            floor.close()


def _watched(browser: Browser, server: Server) -> tuple[Page, list[str], list[str]]:
    """A page that records CSP complaints on its console and the WebSockets it opens."""
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 800})
    context.add_init_script(WATCH)
    page = context.new_page()
    complaints: list[str] = []
    sockets: list[str] = []
    page.on(
        "console",
        lambda message: (
            complaints.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("websocket", lambda socket: sockets.append(socket.url))
    return page, complaints, sockets


def _clean(page: Page, complaints: list[str], where: str) -> None:
    assert page.evaluate("window.__violations") == [], where
    assert complaints == [], where


def test_every_page_works_under_the_policy(browser: Browser, centre: tuple[Server, Floor]) -> None:
    server, floor = centre
    ticket = floor.issue("fr")
    page, complaints, sockets = _watched(browser, server)

    for path in ("/", "/kiosk/pair", "/kiosk/fr", f"/t/{ticket['token']}?lang=fr"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        _clean(page, complaints, path)

    page.goto("/display/ground")
    expect(page.locator("#display")).to_have_attribute("data-connected", "true", timeout=LIVE_MS)
    floor.seat("ana")
    floor.act("ana", "next")
    expect(page.locator("#latest-number")).to_have_text(ticket["number"], timeout=LIVE_MS)
    _clean(page, complaints, "display")

    page.goto("/counter?lang=en")
    page.fill("input[name=username]", "rui")
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server.url}/counter")
    page.click("button[data-counter='4']")
    console = page.locator("#console")
    expect(console).to_have_attribute("data-connected", "true", timeout=LIVE_MS)
    _clean(page, complaints, "console")

    page.context.close()
    page, complaints, _ = _watched(browser, server)
    page.goto("/counter?lang=en")
    page.fill("input[name=username]", "root")
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server.url}/counter")
    for path in ("/counter/staff", "/counter/audit"):
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        _clean(page, complaints, path)

    # The live feed ran over WebSockets (connect-src 'self' covers ws: on the same host).
    assert any("/socket.io/" in url and "transport=websocket" in url for url in sockets), sockets


def test_no_page_can_be_framed(browser: Browser, centre: tuple[Server, Floor]) -> None:
    server, _ = centre
    page, _, _ = _watched(browser, server)
    page.goto("/vendor/socket.io.min.js")  # any page of the same origin will do as a host
    with page.expect_console_message(lambda message: "frame-ancestors" in message.text):
        page.set_content(f'<iframe id="framed" src="{server.url}/counter"></iframe>')
    frame = page.frame_locator("#framed")
    expect(frame.locator("input[name=username]")).to_have_count(0)


def test_a_display_offline_for_an_hour_comes_back_right(
    browser: Browser, centre: tuple[Server, Floor]
) -> None:
    server, floor = centre
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.clock.install()
    page.goto("/display/ground")
    display = page.locator("#display")
    expect(display).to_have_attribute("data-connected", "true", timeout=LIVE_MS)
    floor.seat("ana")
    floor.issue()
    first = floor.act("ana", "next")
    expect(page.locator("#latest-number")).to_have_text(first["number"], timeout=LIVE_MS)

    context.set_offline(True)
    called = []
    for _ in range(10):  # more calls than the screen lists (8)
        floor.act("ana", "start")
        floor.act("ana", "finish")
        floor.issue()
        called.append(floor.act("ana", "next")["number"])
    # An hour of the screen's own time passes: reconnection attempts, refreshes, rotations.
    page.clock.run_for("01:00:00")
    expect(page.locator("#reconnecting")).to_be_visible()
    context.set_offline(False)
    page.clock.run_for("00:00:10")

    expect(display).to_have_attribute("data-connected", "true", timeout=LIVE_MS)
    expect(page.locator("#latest-number")).to_have_text(called[-1], timeout=LIVE_MS)
    expect(page.locator("#reconnecting")).to_be_hidden()
    shown = [call["number"] for call in page.evaluate("window.onestopDisplay.calls()")]
    truth = requests.get(f"{server.url}/api/display/ground", timeout=10).json()["calls"]
    assert shown == [call["number"] for call in truth][: len(shown)]
    assert shown[:8] == called[::-1][:8]
    context.close()
