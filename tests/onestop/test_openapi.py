"""`GET /api/openapi.json`: valid OpenAPI 3.1, complete, and true to what the API answers."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from openapi_schema_validator import OAS31Validator, oas31_format_checker
from openapi_spec_validator import validate
from werkzeug.test import TestResponse

from counters.api import TransferRequest
from kiosk.api import TicketRequest
from tests.factories.people import add_kiosk, add_person, signed_in


def _api_operations(app: Flask) -> set[tuple[str, str]]:
    """Every (method, OpenAPI path) the app routes under /api, read straight off the url_map."""
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:[^:<>]+:)?(\w+)>", r"{\1}", rule.rule)
            found |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def _described(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in doc["paths"].items() for method in item}


@pytest.fixture
def doc(app: Flask) -> dict[str, Any]:
    response = app.test_client().get("/api/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_it_is_valid_openapi_3_1(doc: dict[str, Any]) -> None:
    assert doc["openapi"].startswith("3.1.")
    validate(doc)


def test_every_api_route_is_described(app: Flask, doc: dict[str, Any]) -> None:
    assert _described(doc) == _api_operations(app)
    assert ("POST", "/api/counters/{counter_id}/next") in _described(doc)


def test_a_route_missing_from_the_table_is_caught(app: Flask) -> None:
    app.add_url_rule("/api/forgotten", "forgotten", lambda: {})
    doc = app.test_client().get("/api/openapi.json").get_json()
    assert _api_operations(app) - _described(doc) == {("GET", "/api/forgotten")}


def _operation(doc: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    return doc["paths"][path][method.lower()]


def _body_schema(doc: dict[str, Any], path: str) -> dict[str, Any]:
    body = _operation(doc, "POST", path)["requestBody"]["content"]["application/json"]
    return doc["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]


def test_request_bodies_are_the_models_that_validate_them(doc: dict[str, Any]) -> None:
    for path, model in (
        ("/api/tickets", TicketRequest),
        ("/api/counters/{counter_id}/transfer", TransferRequest),
    ):
        schema = _body_schema(doc, path)
        assert set(schema["properties"]) == set(model.model_fields)
        assert schema["additionalProperties"] is False
    assert set(_body_schema(doc, "/api/tickets")["required"]) == {"service", "language"}
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if "requestBody" in operation:
                assert {"413", "415", "422"} <= set(operation["responses"]), (method, path)


def test_statuses_and_security_follow_api_md(doc: dict[str, Any]) -> None:
    issue = _operation(doc, "POST", "/api/tickets")
    assert issue["security"] == [{"kiosk": []}]
    assert {"201", "401", "409", "422", "429", "503"} <= set(issue["responses"])
    assert "200" not in issue["responses"]
    assert doc["components"]["securitySchemes"]["kiosk"] == {
        "type": "http",
        "scheme": "bearer",
        "description": doc["components"]["securitySchemes"]["kiosk"]["description"],
    }
    assert doc["components"]["securitySchemes"]["staff"]["in"] == "cookie"
    call = _operation(doc, "POST", "/api/counters/{counter_id}/next")
    assert call["security"] == [{"staff": []}]
    assert {"200", "204", "401", "403", "404", "409"} <= set(call["responses"])
    assert "content" not in call["responses"]["204"]
    assert call["parameters"][0] == {
        "name": "counter_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer"},
    }
    for public in ("/api/languages", "/api/services", "/api/tickets/{token}"):
        assert "security" not in _operation(doc, "GET", public)
    error = {"$ref": "#/components/schemas/Error"}
    for item in doc["paths"].values():
        for operation in item.values():
            for status, answer in operation["responses"].items():
                if int(status) >= 400:
                    assert answer["content"]["application/json"]["schema"] == error


class Contract:
    """Checks real answers against the description of the operation that gave them."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.checked: set[tuple[str, str, int]] = set()

    def __call__(self, method: str, path: str, response: TestResponse) -> Any:
        responses = _operation(self.doc, method, path)["responses"]
        status = str(response.status_code)
        assert status in responses, (method, path, status, response.get_data(as_text=True))
        content = responses[status].get("content", {})
        if not content:
            assert response.get_data() == b""
        else:
            assert response.mimetype in content
            schema = content[response.mimetype]["schema"]
            validator = OAS31Validator(
                {**schema, "components": self.doc["components"]},
                format_checker=oas31_format_checker,
            )
            validator.validate(response.get_json())
        self.checked.add((method, path, response.status_code))
        return response.get_json(silent=True)


def test_real_answers_match_the_description(app: Flask, doc: dict[str, Any]) -> None:
    check = Contract(doc)
    key = add_kiosk(app)
    add_person(app, "ana", services=("residence-first", "residence-renewal"))
    visitor, ana = app.test_client(), signed_in(app, "ana")
    bearer = {"Authorization": f"Bearer {key}"}
    wanted = {"service": "residence-first", "language": "ar", "priority": "elderly"}

    check("GET", "/api/openapi.json", visitor.get("/api/openapi.json"))
    check("GET", "/api/languages", visitor.get("/api/languages"))
    check("GET", "/api/services", visitor.get("/api/services?lang=en"))
    ticket = check(
        "POST", "/api/tickets", visitor.post("/api/tickets", json=wanted, headers=bearer)
    )
    check("POST", "/api/tickets", visitor.post("/api/tickets", json=wanted))
    check("POST", "/api/tickets", visitor.post("/api/tickets", json={}, headers=bearer))
    check("GET", "/api/tickets/{token}", visitor.get(f"/api/tickets/{ticket['token']}"))
    check("GET", "/api/tickets/{token}", visitor.get("/api/tickets/nobody"))
    check("POST", "/api/login", visitor.post("/api/login", json={"username": "x", "password": "y"}))
    check("GET", "/api/me", ana.get("/api/me"))
    check("GET", "/api/me", visitor.get("/api/me"))
    check("GET", "/api/counters", ana.get("/api/counters"))
    check("GET", "/api/queue", ana.get("/api/queue"))

    def act(action: str, body: dict[str, Any] | None = None) -> Any:
        path = f"/api/counters/{{counter_id}}/{action}"
        return check("POST", path, ana.post(f"/api/counters/3/{action}", json=body or {}))

    act("open")
    assert act("next")["number"] == ticket["number"]
    act("next")  # 409: the counter still holds a ticket
    act("recall")
    act("start")
    act("transfer", {"counter": 4})
    act("next")  # 204: nobody waiting that counter 3 may serve
    act("finish")  # 409: nothing held
    act("pause", {"reason": "lunch"})
    act("resume")
    act("close")
    check("POST", "/api/counters/{counter_id}/open", ana.post("/api/counters/999/open", json={}))
    second = check(
        "POST", "/api/tickets", visitor.post("/api/tickets", json=wanted, headers=bearer)
    )
    cancel = visitor.post(f"/api/tickets/{second['token']}/cancel", json={})
    assert check("POST", "/api/tickets/{token}/cancel", cancel)["state"] == "cancelled"
    check("POST", "/api/logout", ana.post("/api/logout", json={}))

    statuses = {status for _, _, status in check.checked}
    assert statuses == {200, 201, 204, 401, 404, 409, 422}
