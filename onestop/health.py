"""`GET /healthz`: is this process able to serve? For nginx, systemd and a monitoring probe.

No login and cheap: one `SELECT 1`, one Redis PING when a Redis is configured, and the
printers' states as any process last recorded them (one more query). 200 while the database
(and a configured Redis) answer, 503 when either does not; a printer fault is reported
(`degraded`) but keeps 200, because tickets still show on the kiosk's screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import redis
from flask import Blueprint, Flask, current_app, jsonify

from onestop.context import onestop

bp = Blueprint("health", __name__)

EXTENSION = "onestop.health"
#: a probe that waits longer than this for Redis calls it down
REDIS_TIMEOUT_S = 1.0

#: the printers' states, as `[{"kiosk", "state", ...}]` (the kiosk room provides it)
Printers = Callable[[], list[dict[str, Any]]]

log = logging.getLogger(__name__)


class Health:
    """What the probe checks besides the database: the Redis client and the printers."""

    def __init__(self, redis_url: str | None, printers: Printers) -> None:
        self.redis = (
            redis.Redis.from_url(
                redis_url, socket_connect_timeout=REDIS_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S
            )
            if redis_url
            else None
        )
        self.printers = printers


def init_app(app: Flask, redis_url: str | None, printers: Printers) -> None:
    app.extensions[EXTENSION] = Health(redis_url, printers)
    app.register_blueprint(bp)


@bp.get("/healthz")
def healthz() -> Any:
    health: Health = current_app.extensions[EXTENSION]
    database = _database()
    redis_state = _redis(health.redis)
    printers = health.printers()
    if "down" in (database, redis_state):
        status, code = "down", 503
    elif any(printer["state"] == "fault" for printer in printers):
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    body = {
        "status": status,
        "centre": onestop().centre.code,
        "database": database,
        "redis": redis_state,
        "printers": printers,
    }
    return jsonify(body), code, {"Cache-Control": "no-store"}


def _database() -> str:
    try:
        with onestop().db.autocommit() as connection:
            connection.exec_driver_sql("SELECT 1")
    except Exception as error:
        log.warning("health: database down: %s", error)
        return "down"
    return "ok"


def _redis(client: redis.Redis | None) -> str:
    if client is None:
        return "off"
    try:
        client.ping()
    except redis.RedisError as error:
        log.warning("health: Redis down: %s", error)
        return "down"
    return "ok"
