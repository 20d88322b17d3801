"""Fuzzing every /api endpoint from the server's own OpenAPI description (schemathesis).

Requests that fit the description and requests that break it (wrong types, missing fields,
odd unicode, huge numbers) go to every operation, signed in as an agent holding a counter
or as an admin, with a kiosk key. Every answer must be below 500, match the description
(status, content type, body schema), carry no traceback, be the JSON error envelope when it
refuses, and a refused request must leave the database exactly as it was.

Seeded (`derandomize`) and bounded, so CI runs the same cases each time in well under a minute.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from onestop.app import create_app
from onestop.settings import Settings
from tests.factories.configs import REFERENCE_CONFIG
from tests.factories.people import add_kiosk, add_person, signed_in

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 20
#: tables a refused request may still write: the sign-in throttle counts failures, and a
#: kiosk's refused ticket is recorded as refused demand (DESIGN.md)
MAY_CHANGE_ON_REFUSAL = {"login_failures", "refusals"}
LEAKS = ("Traceback", 'File "', "<html", "<!doctype", "sqlalchemy", "sqlite3.")


def _snapshot(path: Path) -> dict[str, list[tuple]]:
    with closing(sqlite3.connect(path)) as db:
        tables = [
            name
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if name not in MAY_CHANGE_ON_REFUSAL
        ]
        return {
            name: db.execute(f'SELECT * FROM "{name}" ORDER BY 1').fetchall() for name in tables
        }


@pytest.fixture
def fuzzed(tmp_path: Path, open_day: None) -> Iterator[tuple[Flask, Path]]:
    path = tmp_path / "onestop.db"
    app = create_app(
        Settings(config=REFERENCE_CONFIG, database_url=f"sqlite:///{path}", kiosk_rate=0)
    )
    yield app, path
    app.extensions["onestop"].db.dispose()


def _identity(app: Flask, role: str) -> tuple[dict[str, str], dict[str, str]]:
    """A kiosk's header and the cookie of a signed-in `role`; an agent holds counter 3 with a
    called ticket."""
    key = add_kiosk(app)
    issued = app.test_client().post(
        "/api/tickets",
        json={"service": "residence-first", "language": "pt"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert issued.status_code == 201
    add_person(app, "fuzz", role=role, services=("residence-first",))
    client = signed_in(app, "fuzz")
    if role == "agent":
        assert client.post("/api/counters/3/open", json={}).status_code == 200
        assert client.post("/api/counters/3/next", json={}).status_code == 200
    cookie = client.get_cookie("session")
    assert cookie is not None
    return {"Authorization": f"Bearer {key}"}, {"session": cookie.value}


@pytest.mark.parametrize(
    ("role", "mode"),
    [
        ("agent", GenerationMode.POSITIVE),
        ("agent", GenerationMode.NEGATIVE),
        ("admin", GenerationMode.POSITIVE),
    ],
)
def test_fuzzing_every_endpoint_finds_no_fault(
    fuzzed: tuple[Flask, Path], role: str, mode: GenerationMode
) -> None:
    app, path = fuzzed
    headers, cookies = _identity(app, role)
    schema = schemathesis.openapi.from_dict(_described(app))
    ran = 0
    answered: dict[str, set[int]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case: Case) -> None:
            nonlocal ran
            before = _snapshot(path)
            response = case.call(app=app, headers=headers, cookies=cookies)
            answered.setdefault(case.operation.label, set()).add(response.status_code)
            case.validate_response(response, checks=CHECKS)
            text = response.text
            assert not any(leak.lower() in text.lower() for leak in LEAKS), text[:500]
            if response.status_code >= 400:
                error = response.json()["error"]
                assert set(error) == {"code", "message"} and error["code"], text
                assert _snapshot(path) == before, f"{case.method} {case.path} changed state"
            ran += 1

        try:
            call()
        except Unsatisfiable:
            # Nothing in the description to break (no parameters, no body): nothing to send.
            assert mode is GenerationMode.NEGATIVE
    assert ran > 300
    # The credentials were carried: only a wrong password is turned away at the door.
    assert {label for label, statuses in answered.items() if 401 in statuses} <= {"POST /api/login"}


def _described(app: Flask) -> dict:
    """The app's own description, without its security schemes: the fuzzer would otherwise
    make up credentials of its own instead of carrying the real ones."""
    described = app.test_client().get("/api/openapi.json").get_json()
    described["components"].pop("securitySchemes")
    for operations in described["paths"].values():
        for operation in operations.values():
            operation.pop("security", None)
    return described
