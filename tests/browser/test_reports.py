"""The reports page in Debian's Chromium against a real `onestop run`: its charts drawn from a
simulated history, its tables filled, and the live floor moving when a kiosk issues a ticket.

The history is written straight into the server's database by `onestop.history` (as
`onestop demo --history-days` does) with the demo staff; a screenshot goes to artifacts/reports/.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from onestop.db import Database
from onestop.demo import DEMO_PASSWORD, seed_demo
from onestop.history import fill_history
from routing.calendar import Calendar
from routing.config import load_config
from tests.factories.configs import ROOT, always_open
from tests.factories.processes import Server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = ROOT / "artifacts" / "reports"
LIVE_MS = 15_000
CHARTS = ("chart-services", "chart-hours", "chart-weekdays", "chart-staffing", "chart-mediation")


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose database holds two simulated days before today, and the demo staff."""
    config_path = always_open(tmp_path_factory.mktemp("reports"))
    with Server.on_sqlite(config_path) as server:
        config = load_config(config_path)
        today = Calendar(config.centre).local_day(dt.datetime.now(dt.UTC))
        database = Database(server.database_url)
        try:
            with database.session(write=True) as session:
                seed_demo(session, config)
            with database.session(write=True) as session:
                fill_history(session, config, 2, today)
        finally:
            database.dispose()
        yield server


def test_charts_tables_and_the_live_floor(centre: Server, page: Page) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(f"{centre.url}/reports")
    expect(page.locator("input[name=username]")).to_be_visible()  # sent to sign in first
    page.fill("input[name=username]", "manager")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form button[type=submit]").first.click()
    expect(page).to_have_url(f"{centre.url}/reports")  # and back again once signed in
    yesterday = (dt.date.today() - dt.timedelta(days=2)).isoformat()
    page.goto(f"{centre.url}/reports?from={yesterday}&to={dt.date.today().isoformat()}")
    expect(page.locator("#reports")).to_have_attribute("data-loaded", "true", timeout=LIVE_MS)
    for chart in CHARTS:
        expect(page.locator(f"#{chart}")).to_have_attribute("data-drawn", "true")
        box = page.locator(f"#{chart}").bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 100, chart
    assert page.locator("#table-service tbody tr").count() >= 10
    assert page.locator("#table-staff tbody tr").count() >= 10
    assert page.locator("#table-heatmap tbody tr").count() == 7
    total = page.locator("#table-service tbody tr").last.locator("td").nth(1).inner_text()
    assert int(total.replace(",", "")) > 500
    csv = page.locator("a[data-csv=staffing]").get_attribute("href")
    assert csv is not None and csv.startswith("/api/reports/staffing.csv?from=")

    expect(page.locator("#reports")).to_have_attribute("data-connected", "true", timeout=LIVE_MS)
    waiting = page.locator('[data-field="waiting-total"] strong')
    expect(waiting).to_have_text("0")
    key = centre.add_kiosk("reports-kiosk")
    answer = requests.post(
        f"{centre.url}/api/tickets",
        json={"service": "tax-number", "language": "pt"},
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    expect(waiting).to_have_text("1", timeout=LIVE_MS)
    expect(page.locator('[data-field="longest"] strong')).to_contain_text("Tax number")
    expect(page.locator("#floor-services tbody tr")).to_have_count(1)

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "reports.png"), full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=str(SHOTS / "reports-print.png"), full_page=True)
    assert errors == []


def test_the_page_in_arabic_reads_right_to_left(centre: Server, page: Page) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{centre.url}/reports?lang=ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")  # the sign-in page, in Arabic
    page.fill("input[name=username]", "manager")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form button[type=submit]").first.click()
    expect(page).to_have_url(f"{centre.url}/reports?lang=ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("h1")).to_contain_text("التقارير")
    expect(page.locator("#reports")).to_have_attribute("data-loaded", "true", timeout=LIVE_MS)
    expect(page.locator("#table-service thead th").first).to_have_text("الخدمة")
    expect(page.locator("#table-service tbody tr").last.locator("td").first).to_have_text(
        "الإجمالي"
    )
    expect(page.locator("#table-heatmap tbody th").first).not_to_have_text("Mon")
    expect(page.locator("#reports")).to_have_attribute("data-connected", "true", timeout=LIVE_MS)
    expect(page.locator("#floor-counters thead th").first).to_have_text("الشباك")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "reports-ar.png"), full_page=True)
    assert errors == []


def test_screenshot_folder_is_ignored_by_git() -> None:
    assert "artifacts" in Path(ROOT / ".gitignore").read_text(encoding="utf-8")
