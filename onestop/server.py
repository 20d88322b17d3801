"""Serving the app: gunicorn's threaded worker in this process (Flask-SocketIO threading mode)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def serve(app: Flask, host: str, port: int, threads: int) -> None:
    """Serve until stopped: one worker process, `threads` threads, WebSockets included."""
    # Connections opened while the app was built must not cross gunicorn's fork.
    app.extensions["onestop"].db.dispose()
    _Gunicorn(
        app,
        {
            "bind": f"{host}:{port}",
            "workers": 1,
            "worker_class": "gthread",
            "threads": threads,
            "timeout": 60,
            "graceful_timeout": 5,
            "keepalive": 5,
            "accesslog": None,
            "preload_app": True,
            "control_socket_disable": True,
        },
    ).run()
