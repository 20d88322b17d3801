"""Fixtures for the kiosk and phone browser tests: a real `onestop run` and Debian's Chromium.

Kept apart from tests/browser/conftest.py: test modules import what they use from here.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
import yaml
from playwright.sync_api import Browser, Page

from tests.factories.configs import ROOT, always_open, reference_data, write_config

CHROMIUM = os.environ.get("ONESTOP_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts" / "browser"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: a portrait kiosk screen, and a small phone
KIOSK_SCREEN = {"width": 1080, "height": 1700}
PHONE_SCREEN = {"width": 390, "height": 780}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass
class LiveServer:
    """One `onestop run` process on 127.0.0.1 and the command line that manages it."""

    url: str
    config: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes]

    def cli(self, *args: str, stdin: str | None = None) -> str:
        """Run `onestop --config CONFIG ARGS...` against this server's database."""
        done = subprocess.run(
            [_onestop(), "--config", str(self.config), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=60,
            check=True,
        )
        return done.stdout

    def add_kiosk(self, name: str) -> str:
        """Register a kiosk as an installer would; its key is the last line printed."""
        return self.cli("device", "add", name, "--kind", "kiosk").strip().splitlines()[-1]

    def staff_session(self, username: str, services: str) -> requests.Session:
        """A signed-in agent serving `services`, as the counter console would be."""
        password = "browser-test-pass"
        self.cli(
            "user", "add", username, "--role", "agent", "--services", services,
            "--password-stdin", stdin=password + "\n",
        )  # fmt: skip
        session = requests.Session()
        answer = session.post(
            f"{self.url}/api/login", json={"username": username, "password": password}, timeout=10
        )
        assert answer.status_code == 200, answer.text
        return session


def _onestop() -> str:
    return str(Path(sys.executable).with_name("onestop"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(directory: Path, config: Path) -> Iterator[LiveServer]:
    """Serve `config` on a fresh SQLite database until the generator is closed."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{directory / 'onestop.db'}",
        "ONESTOP_KIOSK_RATE": "0",
    }
    log = (directory / "server.log").open("wb")
    process = subprocess.Popen(
        [_onestop(), "--config", str(config), "run", "--port", str(port), "--threads", "16"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = LiveServer(f"http://127.0.0.1:{port}", config, env, process)
    try:
        for _ in range(300):
            if process.poll() is not None:
                break
            try:
                if requests.get(f"{server.url}/api/languages", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            pytest.fail("the server did not answer")
        if process.poll() is not None:
            pytest.fail(f"the server stopped: {(directory / 'server.log').read_text()[-2000:]}")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        log.close()


def open_config(directory: Path, kiosks: list[dict[str, Any]]) -> Path:
    """The reference centre open around the clock, with these kiosks and printers."""
    data = yaml.safe_load(always_open(directory).read_text(encoding="utf-8"))
    data["kiosks"] = kiosks
    return write_config(directory, data)


def closed_config(directory: Path) -> Path:
    """The reference centre open on one day only, two days from today: closed now."""
    data = reference_data()
    today = dt.datetime.now(ZoneInfo(data["centre"]["timezone"])).weekday()
    data["centre"]["hours"] = {WEEKDAYS[(today + 2) % 7]: "08:30-20:00"}
    data["centre"]["holidays"] = {"country": None, "extra": []}
    for section in ("services", "counters"):
        for item in data[section]:
            item.pop("hours", None)
    return write_config(directory, data)


def kiosk_page(browser: Browser, server: LiveServer, kiosk_name: str) -> Page:
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


def phone_page(browser: Browser, server: LiveServer, path: str) -> Page:
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
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA
    )
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
    ]
    assert violations == [], f"{name}: " + "; ".join(violations)
