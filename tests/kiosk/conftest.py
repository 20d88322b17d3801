"""Kiosk fixtures: the reference centre with one kiosk and the printer a test gives it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from onestop.app import create_app
from onestop.settings import Settings
from tests.factories.configs import reference_data, write_config
from tests.factories.people import add_kiosk

KIOSK = "kiosk-1"

MakeApp = Callable[[dict[str, Any]], tuple[Flask, str]]


@pytest.fixture
def kiosk_app(tmp_path: Path, sqlite_url: str, open_day: None) -> Iterator[MakeApp]:
    """Build the reference centre whose kiosk `kiosk-1` prints on the printer given."""
    apps: list[Flask] = []

    def make(printer: dict[str, Any]) -> tuple[Flask, str]:
        data = reference_data()
        data["kiosks"] = [{"name": KIOSK, "printer": printer}]
        config = write_config(tmp_path, data)
        app = create_app(Settings(config=config, database_url=sqlite_url, kiosk_rate=0))
        apps.append(app)
        return app, add_kiosk(app, KIOSK)

    yield make
    for app in apps:
        app.extensions["onestop"].db.dispose()


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def issue(client: FlaskClient, key: str, **body: Any) -> dict[str, Any]:
    """Issue a ticket as the kiosk does; fails the test unless it is issued."""
    payload = {"service": "residence-first", "language": "pt", **body}
    response = client.post("/api/tickets", json=payload, headers=bearer(key))
    assert response.status_code == 201, response.get_json()
    return response.get_json()
