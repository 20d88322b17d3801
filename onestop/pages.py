"""Shell pages: the index of the rooms, and the npm-installed browser libraries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, abort, render_template, send_from_directory

from onestop.context import onestop

bp = Blueprint("pages", __name__)

NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"
#: the browser files served from node_modules, by public name (nothing else is reachable)
VENDOR = {
    "socket.io.min.js": "socket.io-client/dist/socket.io.min.js",
    "chart.umd.min.js": "chart.js/dist/chart.umd.min.js",
}


@bp.get("/")
def index() -> Any:
    config = onestop().centre.config
    return render_template("index.html", config=config)


@bp.get("/vendor/<name>")
def vendor(name: str) -> Any:
    if name not in VENDOR:
        abort(404)
    path = NODE_MODULES / VENDOR[name]
    return send_from_directory(path.parent, path.name, max_age=86400)
