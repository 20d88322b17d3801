"""Logs a machine can read: one JSON object a line (`ONESTOP_LOG_FORMAT=json`), or plain text.

Every HTTP request the app answers is one line on the `onestop.request` logger at INFO, with
its request id (nginx's `X-Request-Id` when it sends one, else a fresh one, echoed in the
answer), method, path, status and duration, so a slow or failing request can be found in the
logs of whichever process served it. Socket.IO's long-lived connections are not requests here.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import secrets
import sys
import time
from typing import Any

from flask import Flask, Response, current_app, g, request

FORMATS = ("json", "text")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
REQUEST_ID_HEADER = "X-Request-Id"
#: a request id passed in by the proxy is kept only if it looks like one
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
#: attributes every `LogRecord` has; anything else on a record was passed in `extra`
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}

request_log = logging.getLogger("onestop.request")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, then the record's extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "pid": record.process,
        }
        entry.update((k, v) for k, v in vars(record).items() if k not in _STANDARD)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def formatter(kind: str | None = None) -> logging.Formatter:
    """The formatter `ONESTOP_LOG_FORMAT` asks for (text unless it says json)."""
    kind = kind or os.environ.get("ONESTOP_LOG_FORMAT", "text")
    return JsonFormatter() if kind.lower() == "json" else logging.Formatter(TEXT_FORMAT)


def configure() -> None:
    """Route every logger of the process to standard error, in the configured format and level
    (`ONESTOP_LOG_LEVEL`, default INFO)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(os.environ.get("ONESTOP_LOG_LEVEL", "INFO").upper())


def init_app(app: Flask) -> None:
    """Give every request an id and log it once answered."""
    app.before_request(_start)
    app.after_request(_finish)


def _start() -> None:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if _REQUEST_ID.match(given) else secrets.token_hex(8)
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id is None:
        return response
    response.headers[REQUEST_ID_HEADER] = request_id
    if request_log.isEnabledFor(logging.INFO):
        duration_ms = round((time.perf_counter() - g.request_started) * 1000, 2)
        request_log.info(
            "%s %s %d %.1f ms",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "remote": request.headers.get("X-Real-IP") or request.remote_addr,
                "centre": current_app.extensions["onestop"].centre.code,
            },
        )
    return response
