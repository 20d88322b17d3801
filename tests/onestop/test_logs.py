"""Structured logs: one JSON line per request, with the id that ties it to the proxy's log."""

from __future__ import annotations

import json
import logging
import sys

import pytest
from flask import Flask

from onestop.logs import JsonFormatter


@pytest.fixture
def json_lines(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="onestop.request")
    caplog.handler.setFormatter(JsonFormatter())
    return caplog


def _lines(caplog: pytest.LogCaptureFixture) -> list[dict]:
    return [json.loads(caplog.handler.format(r)) for r in caplog.records]


def test_every_request_is_one_json_line(app: Flask, json_lines: pytest.LogCaptureFixture) -> None:
    answer = app.test_client().get("/api/services")
    (line,) = [x for x in _lines(json_lines) if x["logger"] == "onestop.request"]
    assert line["method"] == "GET" and line["path"] == "/api/services"
    assert line["status"] == 200 and line["centre"] == "lisboa"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["level"] == "INFO" and line["ts"].endswith("+00:00")
    assert line["request_id"] == answer.headers["X-Request-Id"]


def test_the_proxys_request_id_is_kept_and_a_forged_one_is_not(
    app: Flask, json_lines: pytest.LogCaptureFixture
) -> None:
    client = app.test_client()
    kept = client.get("/healthz", headers={"X-Request-Id": "3f2a9c-nginx"})
    forged = client.get("/healthz", headers={"X-Request-Id": 'x y" INFO {fake}'})
    assert kept.headers["X-Request-Id"] == "3f2a9c-nginx"
    assert forged.headers["X-Request-Id"] != 'x y" INFO {fake}'
    ids = [x["request_id"] for x in _lines(json_lines)]
    assert ids == [kept.headers["X-Request-Id"], forged.headers["X-Request-Id"]]


def test_failures_are_logged_with_their_status(
    app: Flask, json_lines: pytest.LogCaptureFixture
) -> None:
    app.test_client().post("/api/tickets", json={})
    (line,) = _lines(json_lines)
    assert (line["path"], line["status"]) == ("/api/tickets", 401)


def test_an_exception_goes_into_the_json_line() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.makeLogRecord(
            {"name": "x", "levelno": logging.ERROR, "levelname": "ERROR", "msg": "failed %s",
             "args": ("here",), "exc_info": sys.exc_info(), "ticket": "A001"}
        )  # fmt: skip
    line = json.loads(JsonFormatter().format(record))
    assert (line["msg"], line["level"], line["ticket"]) == ("failed here", "ERROR", "A001")
    assert "ValueError: boom" in line["exc"]
