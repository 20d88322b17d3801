"""Every failure under /api answers JSON `{"error": {"code", "message"}}`, never a traceback;
pages elsewhere get Werkzeug's plain HTML error pages."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from routing.states import DomainError

log = logging.getLogger(__name__)

#: the HTTP status of each domain refusal
STATUS = {
    "invalid": 422,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "rate_limited": 429,
    "closed": 409,
    "service_closed": 409,
    "cutoff": 409,
    "daily_cap": 409,
    "counter_taken": 409,
    "counter_busy": 409,
    "counter_closed": 409,
    "no_ticket": 409,
    "invalid_state": 409,
    "already_requested": 409,
    "request_taken": 409,
}

#: stable codes for the HTTP errors Flask and Werkzeug raise themselves
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def error_response(status: int, code: str, message: str) -> tuple[Response, int]:
    return jsonify(error={"code": code, "message": message}), status


def _is_api() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> tuple[Response, int]:
        return error_response(STATUS.get(error.code, 409), error.code, error.message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        if not _is_api():
            return error
        status = error.code or 500
        body, _ = error_response(status, HTTP_CODES.get(status, "error"), error.description or "")
        # Keep what the error says besides its page: `Allow` on a 405, `Retry-After`, ...
        headers = [(name, value) for name, value in error.get_headers() if name != "Content-Type"]
        return body, status, headers

    @app.errorhandler(OperationalError)
    def database_down(error: OperationalError) -> tuple[Response, int] | HTTPException:
        log.warning("database unavailable: %s", error.orig)
        if not _is_api():
            return ServiceUnavailable()
        return error_response(503, "unavailable", "the database is unavailable; try again")

    @app.errorhandler(Exception)
    def internal_error(error: Exception) -> tuple[Response, int] | HTTPException:
        log.exception("unhandled error on %s %s", request.method, request.path)
        if not _is_api():
            return InternalServerError()
        return error_response(500, "internal", "something went wrong; it has been logged")
