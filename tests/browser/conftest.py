"""Browser tests: Debian's Chromium, driven by Playwright, against a real `onestop run` server.

Outside CI a machine without /usr/bin/chromium skips these tests; in CI (CI=true) it fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.conftest import IN_CI
from tests.factories.configs import ROOT, always_open
from tests.factories.processes import Server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: screenshots and logs a person can look at after a run (gitignored)
ARTIFACTS = ROOT / "artifacts"


def launch(playwright: Playwright, *extra_args: str) -> Browser:
    """Debian's Chromium with the suite's flags and `extra_args`."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *extra_args]
    )


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`onestop run` on a free port: the always-open centre, a fresh SQLite."""
    with Server.on_sqlite(always_open(tmp_path_factory.mktemp("server"))) as running:
        yield running


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before any fixture starts a server: no Chromium skips outside CI and fails in CI."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (install Debian's chromium: `make browser`)"
        if IN_CI:
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = launch(playwright)
    yield chromium
    chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
