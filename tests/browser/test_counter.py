"""The counter console in Debian's Chromium against a real `onestop run`: an agent's day at the
keyboard, two agents pressing "next" at the same moment, and a mediator answering a counter.

Servers come from tests/factories/processes.py; staff are written straight into the server's
database (its `user add` wants a password on standard input, which a subprocess here lacks).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from onestop.accounts import add_staff
from onestop.db import Database
from routing.config import load_config
from tests.browser.kiosk_fixtures import audit
from tests.factories.configs import ROOT, always_open
from tests.factories.processes import Server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = ROOT / "artifacts" / "counter"
PASSWORD = "counter-pass"
LIVE_MS = 10_000


@dataclass
class Centre:
    """A running server and a kiosk key."""

    server: Server
    key: str

    @property
    def url(self) -> str:
        return self.server.url

    def add_staff(
        self,
        username: str,
        role: str = "agent",
        services: tuple[str, ...] = (),
        languages: tuple[str, ...] = ("pt", "en"),
    ) -> None:
        database = Database(self.server.database_url)
        config = load_config(self.server.config)
        try:
            with database.session(write=True) as session:
                add_staff(session, config, username, PASSWORD, role, services, languages)
        finally:
            database.dispose()

    def issue(self, service: str, language: str = "pt", **extra: object) -> dict:
        answer = requests.post(
            f"{self.url}/api/tickets",
            json={"service": service, "language": language, **extra},
            headers={"Authorization": f"Bearer {self.key}"},
            timeout=10,
        )
        assert answer.status_code == 201, answer.text
        return answer.json()

    def status(self, ticket: dict) -> dict:
        return requests.get(f"{self.url}/api/tickets/{ticket['token']}", timeout=10).json()

    def restart(self) -> None:
        """Stop the server and serve the same database from a new process on the same port."""
        self.server.stop()
        self.server.start()


@pytest.fixture
def centre(tmp_path: Path) -> Iterator[Centre]:
    with Server.on_sqlite(always_open(tmp_path)) as server:
        yield Centre(server, server.add_kiosk("kiosk-1"))


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def staff_page(browser: Browser, centre: Centre) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    return context.new_page()


def sign_in(page: Page, centre: Centre, username: str) -> None:
    page.goto(f"{centre.url}/counter?lang=en")
    expect(page.locator("h1")).to_have_text("Counter sign-in")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{centre.url}/counter")


def open_counter(page: Page, centre: Centre, counter: int) -> None:
    page.click(f"button[data-counter='{counter}']")
    page.wait_for_url(f"{centre.url}/counter/{counter}")
    ready(page)


def ready(page: Page) -> None:
    """The console has its first snapshot and is in its Socket.IO room."""
    expect(page.locator("#console")).to_have_attribute("data-ready", "true", timeout=LIVE_MS)
    expect(page.locator("#console")).to_have_attribute("data-connected", "true", timeout=LIVE_MS)


def field(page: Page, name: str):
    return page.locator(f'[data-field="{name}"]')


def test_an_agent_works_from_the_keyboard(browser: Browser, centre: Centre) -> None:
    first = centre.issue("residence-first", priority="pregnant")
    second = centre.issue("residence-first", "uk")
    centre.add_staff("ana", services=("residence-first", "residence-renewal"))
    centre.add_staff("eva", services=("residence-first",))
    page = staff_page(browser, centre)
    sign_in(page, centre, "ana")
    # counters 3-6 serve both; 8 and 11 back up renewals
    expect(page.locator("button[data-counter]")).to_have_count(6)
    shot(page, "01-choose-counter")
    open_counter(page, centre, 3)
    expect(page.locator("h1")).to_have_text("Counter 3")
    expect(field(page, "number")).to_have_text("No ticket called")
    expect(page.locator('tr[data-service="residence-first"] td').nth(1)).to_have_text("2")
    audit(page, "console, no ticket")

    page.keyboard.press("n")
    expect(field(page, "number")).to_have_text(first["number"])
    expect(field(page, "ticket-state")).to_have_text("Called")
    expect(field(page, "priority")).to_have_text("Priority: pregnancy")
    expect(field(page, "service")).to_have_text("First residence permit")
    # The waiting room and the visitor's phone say the same as the console.
    display = requests.get(f"{centre.url}/api/display/ground", timeout=10).json()
    assert (display["calls"][0]["number"], display["calls"][0]["counter"]) == (first["number"], "3")
    assert centre.status(first)["counter"] == "3"
    expect(page.locator('[data-action="no-show"]')).to_be_hidden()
    shot(page, "02-called")

    page.keyboard.press("r")
    expect(field(page, "recalls")).to_have_text("Recalls: 1")
    expect(page.locator('[data-action="no-show"]')).to_be_hidden()
    page.keyboard.press("r")
    expect(field(page, "recalls")).to_have_text("Recalls: 2")
    # Offered after the configured two recalls.
    expect(page.locator('[data-action="no-show"]')).to_be_visible()
    audit(page, "console, called")
    shot(page, "03-recalled-twice")

    page.keyboard.press("s")
    expect(field(page, "ticket-state")).to_have_text("Serving")
    expect(page.locator('[data-action="no-show"]')).to_be_hidden()
    page.keyboard.press("t")
    dialog = page.locator("#transfer-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("input[value=counter]").check()
    dialog.locator("select[name=counter]").select_option("4")
    dialog.locator("input[name=note]").fill("needs the family reunification form")
    shot(page, "04-transfer")
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(field(page, "number")).to_have_text("No ticket called")
    assert centre.status(first)["state"] == "waiting"

    # The transferred ticket waits for counter 4; Ana's next is the one after it.
    page.keyboard.press("n")
    expect(field(page, "number")).to_have_text(second["number"])
    expect(field(page, "language")).to_have_text("Українська")
    page.keyboard.press("f")
    expect(field(page, "number")).to_have_text("No ticket called")
    expect(field(page, "served")).to_have_text("1")
    assert centre.status(second)["state"] == "done"

    page.keyboard.press("p")
    pause = page.locator("#pause-dialog")
    expect(pause).to_be_visible()
    pause.locator("select[name=reason]").select_option("lunch")
    pause.locator("button[type=submit]").focus()
    page.keyboard.press("Enter")
    expect(field(page, "counter-state")).to_have_text("Paused: Lunch")
    expect(page.locator('[data-action="next"]')).to_be_disabled()
    shot(page, "05-paused")
    page.keyboard.press("p")
    expect(field(page, "counter-state")).to_be_hidden()
    expect(page.locator('[data-action="next"]')).to_be_enabled()

    # The session outlives the server: a new process on the same database, no new sign-in.
    centre.restart()
    page.goto(f"{centre.url}/counter")
    page.wait_for_url(f"{centre.url}/counter/3")
    ready(page)
    expect(field(page, "served")).to_have_text("1")
    shot(page, "06-after-restart")


def _press_together(pages: list[Page], key: str) -> None:
    """Each page presses `key` at the same wall-clock moment, a little ahead of now."""
    at = time.time() * 1000 + 400
    for page in pages:
        page.evaluate(
            """([at, key]) => setTimeout(
                () => document.dispatchEvent(new KeyboardEvent("keydown", {key, bubbles: true})),
                Math.max(0, at - Date.now()))""",
            [at, key],
        )


def test_two_agents_pressing_next_together_get_different_tickets(
    browser: Browser, centre: Centre
) -> None:
    issued = [centre.issue("residence-first")["number"] for _ in range(6)]
    centre.add_staff("ana", services=("residence-first",))
    centre.add_staff("eva", services=("residence-first",))
    pages = []
    for name, counter in (("ana", 3), ("eva", 4)):
        page = staff_page(browser, centre)
        sign_in(page, centre, name)
        open_counter(page, centre, counter)
        pages.append(page)

    called = []
    for round_ in range(3):
        _press_together(pages, "n")
        numbers = []
        for page in pages:
            expect(field(page, "ticket-state")).to_have_text("Called", timeout=LIVE_MS)
            numbers.append(field(page, "number").inner_text())
        assert numbers[0] != numbers[1], f"round {round_}: both called {numbers[0]}"
        called += numbers
        if round_ == 0:
            shot(pages[0], "07-together-ana")
            shot(pages[1], "07-together-eva")
        for page in pages:
            page.keyboard.press("f")
            expect(field(page, "number")).to_have_text("No ticket called")
    assert sorted(called) == sorted(issued)


def test_a_mediator_answers_a_counter(browser: Browser, centre: Centre) -> None:
    centre.add_staff("ana", services=("residence-first",), languages=("pt",))
    centre.add_staff("mia", role="mediator", languages=("pt", "wo", "fr"))
    visitor = centre.issue("residence-first", "wo")
    agent, mediator = staff_page(browser, centre), staff_page(browser, centre)
    sign_in(agent, centre, "ana")
    open_counter(agent, centre, 5)
    sign_in(mediator, centre, "mia")
    expect(mediator.locator("button[data-counter]")).to_have_count(6)
    open_counter(mediator, centre, 25)
    expect(mediator.locator("h1")).to_have_text("Mediator counter M1")
    expect(field(mediator, "requests")).to_have_text("No requests.")

    agent.keyboard.press("n")
    expect(field(agent, "number")).to_have_text(visitor["number"])
    agent.keyboard.press("m")
    ask = agent.locator("#ask-dialog")
    expect(ask).to_be_visible()
    ask.locator("select[name=language]").select_option("wo")
    ask.locator("input[name=note]").fill("first visit, residence permit")
    ask.locator("input[name=note]").press("Enter")
    expect(field(agent, "my-request")).to_have_text("Waiting for a mediator who speaks Wolof…")
    shot(agent, "08-agent-asks")

    # Live: the request reaches the free mediator who speaks Wolof without a reload.
    request = mediator.locator(".requests li[data-state=waiting]")
    expect(request).to_contain_text("Counter 5 needs Wolof", timeout=LIVE_MS)
    expect(request).to_contain_text("first visit, residence permit")
    shot(mediator, "09-mediator-sees-request")
    request.locator("button").click()
    expect(field(mediator, "requests")).to_contain_text("You are helping counter 5 (Wolof).")
    expect(mediator.locator('[data-action="next"]')).to_be_disabled()
    audit(mediator, "mediator console")
    shot(mediator, "10-mediator-helping")

    expect(field(agent, "my-request")).to_have_text(
        "A mediator from M1 is coming (Wolof).", timeout=LIVE_MS
    )
    shot(agent, "11-agent-sees-mediator-coming")

    mediator.locator(".requests li[data-state=accepted] button").click()
    expect(field(mediator, "requests")).to_have_text("No requests.")
    expect(field(agent, "my-request")).to_be_hidden(timeout=LIVE_MS)
    expect(agent.locator('[data-action="ask"]')).to_be_visible()

    # Back in the pool: a visitor who asked the kiosk for a Wolof mediator is routed here.
    mediated = centre.issue("residence-first", "wo", mediator=True)
    expect(field(mediator, "mediated")).to_have_text("Wolof: 1", timeout=LIVE_MS)
    mediator.keyboard.press("n")
    expect(field(mediator, "number")).to_have_text(mediated["number"])
    expect(field(mediator, "mediator")).to_have_text("Needs a mediator")
    shot(mediator, "12-mediator-calls-a-mediated-visitor")
