"""The waiting-room display in Debian's Chromium against a real `onestop run`: calls show at
once, survive a server restart without a reload, queue for announcement and play in full."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect

from tests.browser.conftest import ARTIFACTS, launch
from tests.factories.configs import always_open
from tests.factories.floor import Floor, staff_floor
from tests.factories.processes import Server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: a call must be on screen this soon after the API has answered
SHOWN_WITHIN_MS = 1000
RECONNECT_MS = 20_000
#: three clips a call (chime, Portuguese, the visitor's language), with room to spare
ANNOUNCED_MS = 60_000


@pytest.fixture(scope="module")
def display_browser(playwright: Playwright) -> Iterator[Browser]:
    """Chromium allowed to play sound unprompted, as on the waiting-room TV."""
    browser = launch(playwright, "--autoplay-policy=no-user-gesture-required")
    yield browser
    browser.close()


@pytest.fixture
def display_page(display_browser: Browser) -> Iterator[Page]:
    context = display_browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[Server, Floor]]:
    """`onestop run` on the always-open centre, and a kiosk and agents to drive it."""
    server = Server.on_sqlite(
        always_open(tmp_path), extra_env={"XDG_CACHE_HOME": str(tmp_path / "cache")}
    )
    key = staff_floor(server)
    with server:
        floor = Floor(server, key)
        try:
            yield server, floor
        finally:
            floor.close()


def _screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def _open(page: Page, server: Server, zone: str = "ground") -> None:
    page.goto(f"{server.url}/display/{zone}")
    expect(page.locator("#display")).to_have_attribute("data-connected", "true", timeout=10_000)


def test_a_call_shows_at_once_and_after_a_restart_without_a_reload(
    running: tuple[Server, Floor], display_page: Page
) -> None:
    server, floor = running
    page = display_page
    _open(page, server)
    floor.seat("ana")
    floor.issue("uk")
    called = floor.act("ana", "next")
    expect(page.locator("#latest-number")).to_have_text(called["number"], timeout=SHOWN_WITHIN_MS)
    expect(page.locator("#latest-counter")).to_have_text("3")
    _screenshot(page, "display-call.png")
    page.evaluate("window.loadedOnce = true")

    server.stop()
    expect(page.locator("#display")).to_have_attribute("data-connected", "false", timeout=10_000)
    mark = page.locator("#reconnecting")
    assert page.evaluate("document.getElementById('reconnecting').hidden"), "not before 5 s"
    expect(mark).to_be_visible(timeout=10_000)
    _screenshot(page, "display-reconnecting.png")

    server.start()
    connected = page.locator("#display")
    expect(connected).to_have_attribute("data-connected", "true", timeout=RECONNECT_MS)
    expect(mark).to_be_hidden()
    floor.act("ana", "finish")
    floor.issue("ar")
    after = floor.act("ana", "next")
    expect(page.locator("#latest-number")).to_have_text(after["number"], timeout=SHOWN_WITHIN_MS)
    assert page.evaluate("window.loadedOnce") is True, "the page was reloaded"
    expect(page.locator("#calls li .num")).to_have_text([after["number"], called["number"]])


def test_two_quick_calls_both_show_and_are_announced_in_full_then_a_recall(
    running: tuple[Server, Floor], display_page: Page
) -> None:
    server, floor = running
    page = display_page
    _open(page, server)
    floor.seat("ana")
    floor.seat("rui")
    floor.issue("uk")
    floor.issue("pt")
    first = floor.act("ana", "next")
    second = floor.act("rui", "next")
    numbers = [second["number"], first["number"]]
    expect(page.locator("#calls li .num")).to_have_text(numbers, timeout=SHOWN_WITHIN_MS)
    expect(page.locator("#latest-number")).to_have_text(second["number"])
    queued = page.evaluate("window.onestopDisplay.announcements()")
    assert [(a["number"], a["counter"], a["parts"]) for a in queued] == [
        (first["number"], "3", ["chime", "pt", "uk"]),
        (second["number"], "4", ["chime", "pt"]),
    ]
    _screenshot(page, "display-two-calls.png")

    page.wait_for_function(
        "() => window.onestopDisplay.announcements().every((a) => a.status === 'done')",
        timeout=ANNOUNCED_MS,
    )
    for announcement in page.evaluate("window.onestopDisplay.announcements()"):
        assert announcement["played"] == [
            {"label": label, "ok": True} for label in announcement["parts"]
        ], announcement

    floor.act("ana", "recall")
    expect(page.locator("#latest-number")).to_have_text(first["number"], timeout=SHOWN_WITHIN_MS)
    expect(page.locator("#latest-recall")).to_be_visible()
    expect(page.locator("#calls li.recall .num")).to_have_text([first["number"]])
    last = page.evaluate("window.onestopDisplay.announcements()")[-1]
    assert (last["number"], last["recall"], last["parts"]) == (
        first["number"],
        True,
        ["chime", "pt", "uk"],
    )
    _screenshot(page, "display-recall.png")


def test_captions_turn_through_the_visitor_languages_with_their_direction(
    running: tuple[Server, Floor], display_page: Page
) -> None:
    server, _ = running
    page = display_page
    _open(page, server)
    caption = page.locator(".label-number [data-caption]")
    expect(caption).to_have_attribute("lang", "ar")
    expect(caption).to_have_attribute("dir", "rtl")
    expect(caption).to_have_text("الرقم")
    expect(caption).not_to_have_attribute("lang", "ar", timeout=10_000)
    expect(caption).to_have_attribute("dir", "ltr")
    expect(page.locator("#centre-state .cap-pt")).to_contain_text("Aberto")
    expect(page.locator("#services tr")).to_have_count(5)
    expect(page.locator("#services-page")).to_have_text("1/5")


def test_memory_stays_bounded_however_many_calls_arrive(
    running: tuple[Server, Floor], display_page: Page
) -> None:
    server, _ = running
    page = display_page
    _open(page, server)
    sizes = page.evaluate(
        """() => {
          const start = Date.now();
          for (let i = 0; i < 2000; i++) {
            window.onestopDisplay.receive({
              id: 1e9 + i, number: "Z-" + i, counter: "1", counter_id: 1,
              service: "reception-triage", language: "uk", recall: false,
              at: new Date(start + i).toISOString(),
            });
          }
          return window.onestopDisplay.sizes();
        }"""
    )
    assert sizes["calls"] == 8 and sizes["seen"] <= 256 and sizes["pending"] <= 50
    assert sizes["history"] <= 20
    expect(page.locator("#calls li")).to_have_count(8)
    expect(page.locator("#latest-number")).to_have_text("Z-1999")


def test_a_call_missed_while_away_is_shown_and_announced_on_reconnecting(
    running: tuple[Server, Floor], display_page: Page, tmp_path: Path
) -> None:
    server, floor = running
    page = display_page
    # A second process on the same database but with no message queue between them: its
    # calls reach this display only through the snapshot read on reconnecting.
    other = Server(
        server.config, server.database_url, tmp_path / "other.log", extra_env=server.extra_env
    )
    other.start()
    elsewhere = Floor(other, floor.kiosk_key)
    try:
        _open(page, server)
        elsewhere.seat("ana")
        elsewhere.issue("fr")
        missed = elsewhere.act("ana", "next")
        assert page.evaluate("window.onestopDisplay.calls()") == []

        server.stop()
        server.start()
        latest = page.locator("#latest-number")
        expect(latest).to_have_text(missed["number"], timeout=RECONNECT_MS)
        announced = page.evaluate("window.onestopDisplay.announcements()")
        assert [(a["number"], a["parts"]) for a in announced] == [
            (missed["number"], ["chime", "pt", "fr"])
        ]
    finally:
        elsewhere.close()
        other.stop()
