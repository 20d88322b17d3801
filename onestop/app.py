"""The application factory: the one place that knows every room and wires them."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from typing import Any

from flask import Flask
from sqlalchemy import select
from werkzeug.middleware.proxy_fix import ProxyFix

import counters.api
import counters.views
import display.views
import kiosk.api
import kiosk.devices
import kiosk.views
import reports.views
from onestop import auth, errors, health, i18n, logs, openapi, pages, realtime, security
from onestop.context import NOTICES, PUBLISHER, OneStop, onestop, read_store
from onestop.db import Database
from onestop.extensions import socketio
from onestop.http import BoundedInt
from onestop.notices import QueueNotices
from onestop.publisher import Publisher
from onestop.settings import Settings
from routing.centre import Centre
from routing.clock import Clock, SystemClock
from routing.config import load_config
from routing.store.models import Secret

#: request bodies are small JSON documents; anything larger is refused with 413
MAX_BODY_BYTES = 64 * 1024


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> Flask:
    """Build the app for one centre; raises `ConfigError` rather than start on a broken config.

    The database is created or upgraded to the newest schema first.
    """
    settings = settings or Settings()
    config = load_config(settings.config)
    db = Database(settings.database(config.database))
    db.upgrade()
    centre = Centre(config, clock or SystemClock())
    rate = settings.kiosk_rate
    state = OneStop(
        settings=settings,
        centre=centre,
        db=db,
        kiosk_rate=config.kiosk.rate_per_minute if rate is None else rate,
    )

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key or _stored_secret(db),
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.centre.https,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=14),
    )
    app.extensions["onestop"] = state
    logs.init_app(app)
    app.url_map.converters["int"] = BoundedInt
    errors.init_app(app)
    security.init_app(app, https=config.centre.https)
    i18n.init_app(app)
    for blueprint in (
        auth.bp,
        kiosk.api.bp,
        kiosk.devices.bp,
        kiosk.views.bp,
        counters.api.bp,
        counters.views.bp,
        display.views.bp,
        reports.views.bp,
        openapi.bp,
        pages.bp,
    ):
        app.register_blueprint(blueprint)
    if settings.proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.proxies, x_proto=settings.proxies
        )
    redis_url = settings.redis_url or config.redis_url
    health.init_app(app, redis_url, kiosk.devices.printer_health)
    queue: dict[str, Any] = {"message_queue": redis_url}
    if not redis_url:
        # Flask-SocketIO keeps the Redis manager of an earlier app built in this process
        # unless told there is none.
        queue["client_manager"] = None
    socketio.init_app(
        app,
        async_mode="threading",
        channel=settings.redis_channel or f"onestop:{config.centre.code}",
        cors_allowed_origins=[],
        **queue,
    )
    notices = QueueNotices(functools.partial(realtime.tell_zone, socketio.server))
    app.extensions[NOTICES] = notices
    if redis_url:
        app.extensions[PUBLISHER] = Publisher(functools.partial(realtime.publish, centre, notices))
    socketio.on_event("connect", _connect)
    return app


def _connect(auth_payload: Any = None) -> None:
    staff = auth.current_staff()

    def holds(counter_id: int) -> bool:
        with read_store() as store:
            return staff is not None and store.counter_holder(counter_id) == staff.id

    realtime.join(auth_payload, onestop().centre, staff.role if staff else None, holds)


def _stored_secret(db: Database) -> str:
    """The session key kept in the database, made on first start: shared by every process
    and surviving restarts, so staff stay signed in."""
    with db.session(write=True) as session:
        secret = session.execute(
            select(Secret.value).where(Secret.name == "session")
        ).scalar_one_or_none()
        if secret is None:
            secret = secrets.token_hex(32)
            session.add(Secret(name="session", value=secret))
    return secret
