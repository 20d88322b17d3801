"""The index page in a real browser, from a real server: what a person opening it first sees."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, Response

from tests.factories.configs import reference_data
from tests.factories.processes import Server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_index_links_every_room(page: Page, server: Server, artifacts: Path) -> None:
    problems: list[str] = []

    def answered(response: Response) -> None:
        if response.status >= 400:
            problems.append(f"{response.status} {response.url}")

    page.on("response", answered)
    page.on("requestfailed", lambda request: problems.append(f"failed {request.url}"))
    page.on("pageerror", lambda error: problems.append(f"script error {error}"))

    response: Response | None = page.goto(f"{server.url}/")
    assert response is not None and response.status == 200
    # The language and direction are in the HTML the server sends, not added by a script.
    opening = re.search(r"<html\b[^>]*>", response.text())
    assert opening and 'lang="pt"' in opening[0] and 'dir="ltr"' in opening[0]
    assert page.locator("html").get_attribute("lang") == "pt"
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.locator("h1").inner_text() == reference_data()["centre"]["name"]

    links = {link.get_attribute("href") for link in page.locator("a[href]").all()}
    zones = [zone["code"] for zone in reference_data()["zones"]]
    rooms = {"/kiosk", "/counter", "/reports", *(f"/display/{zone}" for zone in zones)}
    assert rooms <= links, rooms - links
    assert "/api/openapi.json" in links
    assert page.request.get(f"{server.url}/api/openapi.json").json()["info"]["title"] == "OneStop"
    page.screenshot(path=artifacts / "index.png", full_page=True)
    assert problems == []


def test_the_socket_io_client_is_served_by_the_app(page: Page, server: Server) -> None:
    script = page.request.get(f"{server.url}/vendor/socket.io.min.js")
    assert script.ok and "javascript" in script.headers["content-type"]
    page.goto(f"{server.url}/")
    page.add_script_tag(url=f"{server.url}/vendor/socket.io.min.js")
    assert page.evaluate("typeof io") == "function"
    assert page.request.get(f"{server.url}/vendor/not-a-library.js").status == 404
