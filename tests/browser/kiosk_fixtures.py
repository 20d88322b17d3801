"""Pages for the kiosk and phone browser tests: sized screens, pairing, pictures, audits.

Kept apart from tests/browser/conftest.py: test modules import what they use from here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.factories.configs import ROOT
from tests.factories.processes import Server

ARTIFACTS = ROOT / "artifacts" / "browser"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: a portrait kiosk screen, and a small phone
KIOSK_SCREEN = {"width": 1080, "height": 1700}
PHONE_SCREEN = {"width": 390, "height": 780}


def kiosk_page(browser: Browser, server: Server, kiosk_name: str) -> Page:
    """A kiosk-sized page, paired once through /kiosk/pair with a fresh kiosk key."""
    key = server.add_kiosk(kiosk_name)
    context = browser.new_context(
        base_url=server.url, viewport=KIOSK_SCREEN, has_touch=True, locale="pt-PT"
    )
    page = context.new_page()
    page.goto("/kiosk")
    page.wait_for_url("**/kiosk/pair")
    page.fill("#kiosk-key", key)
    page.click("#pair-form button[type=submit]")
    page.wait_for_url(f"{server.url}/kiosk", timeout=10_000)
    return page


def phone_page(browser: Browser, server: Server, path: str) -> Page:
    """A small touch phone that records the vibrations the page asks for."""
    context = browser.new_context(
        base_url=server.url, viewport=PHONE_SCREEN, has_touch=True, is_mobile=True
    )
    context.add_init_script(
        "window.vibrations = [];"
        "navigator.vibrate = (pattern) => { window.vibrations.push(pattern); return true; };"
    )
    page = context.new_page()
    page.goto(path)
    return page


def screenshot(page: Page, name: str) -> Path:
    """Keep a picture of the screen in artifacts/browser/ to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def audit(page: Page, name: str) -> None:
    """axe-core on what the screen shows now: no WCAG 2.1 A or AA violation."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm ci`")
    # Evaluated through the browser's debugging protocol, as a tool and not as the page's
    # own script: the page's Content-Security-Policy (no inline script) still holds for it.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA
    )
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
    ]
    assert violations == [], f"{name}: " + "; ".join(violations)
