"""Staff, kiosks and signed-in test clients."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from onestop.accounts import add_device, add_staff

PASSWORD = "secret-pass"


def add_person(
    app: Flask,
    username: str,
    role: str = "agent",
    services: tuple[str, ...] = (),
    languages: tuple[str, ...] = ("pt",),
) -> int:
    state = app.extensions["onestop"]
    with state.db.session(write=True) as session:
        staff = add_staff(
            session, state.centre.config, username, PASSWORD, role, services, languages
        )
        return staff.id


def add_kiosk(app: Flask, name: str = "kiosk-1") -> str:
    state = app.extensions["onestop"]
    with state.db.session(write=True) as session:
        return add_device(session, state.centre.config, name, "kiosk")


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    response = client.post("/api/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return client
