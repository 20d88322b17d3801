"""Every endpoint against every kind of caller: the statuses API.md and the roles imply.

One world per caller: counter 3 held by its owner (an agent) with a called ticket and a
request for a Wolof mediator; counter 4 held by another agent; mediator counter M1 held by a
mediator who speaks Wolof; a manager; an admin; a kiosk with its key; a display (a browser
with no credentials at all). Each caller then walks the same steps in order, so a step that
succeeds (the owner's start, the mediator's accept) sets up the next one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from flask import Flask
from flask.testing import FlaskClient

from onestop.openapi import OPERATIONS
from tests.factories.people import add_kiosk, add_person, signed_in

CALLERS = ("nobody", "kiosk", "display", "other_agent", "mediator", "manager", "admin", "owner")
#: callers without a staff session
UNSIGNED = ("nobody", "kiosk", "display")


@dataclass(frozen=True)
class Step:
    """One call, and what each signed-in caller gets; without a session it is always 401.

    An admin may do what a manager may (`admin` defaults to the manager's status)."""

    method: str
    path: str
    other_agent: int
    mediator: int
    manager: int
    owner: int
    body: dict = field(default_factory=dict)
    admin: int | None = None

    def expected(self, caller: str) -> int:
        if caller in UNSIGNED:
            return 401
        if caller == "admin":
            return self.manager if self.admin is None else self.admin
        return getattr(self, caller)


READ = 200
STEPS = (
    Step("GET", "/api/me", READ, READ, READ, READ),
    Step("GET", "/api/me/day", READ, READ, READ, READ),
    Step("GET", "/api/counters", READ, READ, READ, READ),
    Step("GET", "/api/queue", READ, READ, READ, READ),
    # Someone else's counter: its holder and managers only.
    Step("GET", "/api/counters/{counter_id}", 403, 403, READ, READ),
    Step("GET", "/api/mediation", READ, READ, READ, READ),
    Step("GET", "/api/printers", 403, 403, READ, 403),
    # Reports: managers and admins; the national view across centres, admins only.
    Step("GET", "/api/reports/floor", 403, 403, READ, 403),
    *(
        Step("GET", f"/api/reports/{name}{suffix}", 403, 403, READ, 403)
        for name in ("summary", "breakdown", "estimates", "staff", "mediation", "heatmap")
        for suffix in ("", ".csv")
    ),
    Step("GET", "/api/reports/staffing", 403, 403, READ, 403),
    Step("GET", "/api/reports/staffing.csv", 403, 403, READ, 403),
    Step("GET", "/api/reports/national", 403, 403, 403, 403, admin=READ),
    Step("GET", "/api/reports/national.csv", 403, 403, 403, 403, admin=READ),
    Step("GET", "/api/audit", 403, 403, READ, 403),
    Step("GET", "/api/audit.csv", 403, 403, READ, 403),
    # Another agent finds the counter taken; a mediator may not sit at a plain counter.
    Step("POST", "/api/counters/{counter_id}/open", 409, 403, 403, 200),
    Step("POST", "/api/counters/{counter_id}/next", 403, 403, 403, 409),
    Step("POST", "/api/counters/{counter_id}/recall", 403, 403, 403, 200),
    Step("POST", "/api/counters/{counter_id}/start", 403, 403, 403, 200),
    Step(
        "POST",
        "/api/counters/{counter_id}/transfer",
        403,
        403,
        403,
        200,
        {"service": "residence-renewal", "note": "renewal, not first"},
    ),
    # The ticket went to a service the owner does not serve: nobody left for them.
    Step("POST", "/api/counters/{counter_id}/next", 403, 403, 403, 204),
    Step("POST", "/api/counters/{counter_id}/no-show", 403, 403, 403, 409),
    Step("POST", "/api/counters/{counter_id}/finish", 403, 403, 403, 409),
    Step("POST", "/api/counters/{counter_id}/mediator", 403, 403, 403, 409, {"language": "wo"}),
    Step("POST", "/api/mediation/{request_id}/accept", 403, 200, 403, 403),
    Step("POST", "/api/mediation/{request_id}/done", 403, 200, 403, 403),
    Step("POST", "/api/mediation/{request_id}/cancel", 403, 403, 403, 200),
    Step("POST", "/api/counters/{counter_id}/pause", 403, 403, 403, 200, {"reason": "lunch"}),
    Step("POST", "/api/counters/{counter_id}/resume", 403, 403, 403, 200),
    Step("POST", "/api/counters/{counter_id}/close", 403, 403, 403, 200),
)

#: the error code API.md names for each refusal in the table
CODES = {401: "unauthorized", 403: "forbidden"}


def _staff_endpoints(app: Flask) -> set[tuple[str, str]]:
    """Every routed (method, path) that OPERATIONS says needs a staff session."""
    routed = set()
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:<>]+:)?(\w+)>", r"{\1}", rule.rule)
        routed |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return {key for key, op in OPERATIONS.items() if op.auth == "staff" and key in routed}


def test_the_table_covers_every_staff_endpoint(app: Flask) -> None:
    assert {(step.method, step.path) for step in STEPS} == _staff_endpoints(app)


def _world(app: Flask) -> tuple[dict[str, FlaskClient], str, int]:
    """The callers' clients, a kiosk key, and the open mediation request."""
    key = add_kiosk(app)
    issued = app.test_client().post(
        "/api/tickets",
        json={"service": "residence-first", "language": "pt"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert issued.status_code == 201
    add_person(app, "owner", services=("residence-first",))
    add_person(app, "other", services=("residence-first",))
    add_person(app, "mia", role="mediator", languages=("pt", "wo"))
    add_person(app, "boss", role="manager")
    add_person(app, "root", role="admin")
    display = app.test_client()
    assert display.get("/display/ground").status_code == 200
    clients = {
        "nobody": app.test_client(),
        "kiosk": app.test_client(),
        "display": display,
        "owner": signed_in(app, "owner"),
        "other_agent": signed_in(app, "other"),
        "mediator": signed_in(app, "mia"),
        "manager": signed_in(app, "boss"),
        "admin": signed_in(app, "root"),
    }
    for name, counter in (("owner", 3), ("other_agent", 4), ("mediator", 25)):
        assert clients[name].post(f"/api/counters/{counter}/open", json={}).status_code == 200
    assert clients["owner"].post("/api/counters/3/next", json={}).status_code == 200
    asked = clients["owner"].post("/api/counters/3/mediator", json={"language": "wo"})
    assert asked.status_code == 201
    return clients, key, asked.get_json()["id"]


@pytest.mark.parametrize("caller", CALLERS)
def test_each_caller_gets_what_its_role_allows(app: Flask, caller: str) -> None:
    clients, key, request_id = _world(app)
    client = clients[caller]
    headers = {"Authorization": f"Bearer {key}"} if caller == "kiosk" else {}
    got, wanted = [], []
    for step in STEPS:
        path = step.path.format(counter_id=3, request_id=request_id)
        if step.method == "GET":
            response = client.get(path, headers=headers)
        else:
            response = client.post(path, json=step.body, headers=headers)
        expected = step.expected(caller)
        got.append((step.method, step.path, response.status_code))
        wanted.append((step.method, step.path, expected))
        if response.status_code in CODES:
            assert response.get_json()["error"]["code"] == CODES[response.status_code]
        if response.status_code >= 400:
            assert response.is_json, (path, response.get_data(as_text=True))
    assert got == wanted


@dataclass(frozen=True)
class OpenStep:
    """A call that needs no staff session: what everyone gets, and what a kiosk's key gets."""

    method: str
    path: str
    everyone: int
    kiosk: int | None = None
    body: dict = field(default_factory=dict)


OPEN_STEPS = (
    OpenStep("GET", "/api/openapi.json", READ),
    OpenStep("GET", "/api/languages", READ),
    OpenStep("GET", "/api/services", READ),
    OpenStep("GET", "/api/display/{zone}", READ),
    OpenStep("GET", "/api/tickets/{token}", READ),
    OpenStep("POST", "/api/tickets", 401, 201, {"service": "tax-number", "language": "pt"}),
    OpenStep("GET", "/api/kiosk/device", 401, READ),
    OpenStep("POST", "/api/kiosk/receipts", 401, READ, {"token": "{token}", "language": "pt"}),
    # The ticket's token is its holder's credential: whoever has it may give the place up.
    OpenStep("POST", "/api/tickets/{token}/cancel", READ),
    OpenStep("POST", "/api/login", 401, 401, {"username": "owner", "password": "not it"}),
    OpenStep("POST", "/api/logout", READ),
)


def test_the_tables_cover_every_api_endpoint(app: Flask) -> None:
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:[^:<>]+:)?(\w+)>", r"{\1}", rule.rule)
            routed |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    tabled = {(s.method, s.path) for s in STEPS} | {(s.method, s.path) for s in OPEN_STEPS}
    assert tabled == routed


@pytest.mark.parametrize("caller", CALLERS)
def test_open_endpoints_for_each_caller(app: Flask, caller: str) -> None:
    clients, key, _ = _world(app)
    client = clients[caller]
    headers = {"Authorization": f"Bearer {key}"} if caller == "kiosk" else {}
    issued = app.test_client().post(
        "/api/tickets",
        json={"service": "tax-number", "language": "pt"},
        headers={"Authorization": f"Bearer {key}"},
    )
    token = issued.get_json()["token"]
    got, wanted = [], []
    for step in OPEN_STEPS:
        path = step.path.format(zone="ground", token=token)
        body = {name: value.format(token=token) for name, value in step.body.items()}
        if step.method == "GET":
            response = client.get(path, headers=headers)
        else:
            response = client.post(path, json=body, headers=headers)
        expected = step.kiosk if caller == "kiosk" and step.kiosk is not None else step.everyone
        got.append((step.method, step.path, response.status_code))
        wanted.append((step.method, step.path, expected))
        if response.status_code in CODES:
            assert response.get_json()["error"]["code"] == CODES[response.status_code]
    assert got == wanted
    # Signed out at the end: the session no longer opens staff endpoints.
    assert client.get("/api/me").status_code == 401
