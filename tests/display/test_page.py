"""The display page: server-rendered, its language in the HTML, its setup for the script."""

from __future__ import annotations

import json
import re

from flask import Flask


def _setup(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="display-setup">(.*?)</script>', html)
    assert match, "the page carries its setup"
    return json.loads(match.group(1))


def test_the_page_carries_its_language_zone_and_setup(app: Flask) -> None:
    response = app.test_client().get("/display/ground")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="pt" dir="ltr">' in html
    assert "Piso 0" in html and "Senha" in html and "Ticket" in html
    setup = _setup(html)
    assert setup["zone"] == "ground"
    assert setup["speech"]["uk"] == ["pt", "uk"] and setup["speech"]["pt"] == ["pt"]
    assert {"code": "ar", "dir": "rtl"} in setup["rotating"]
    assert {"pt", "en", "ar", "zh"} <= set(setup["captions"])
    assert "residence-first" in setup["services"] and "nationality" not in setup["services"]
    assert setup["services"]["residence-first"]["names"]["uk"]
    assert setup["initial"]["zone"] == "ground" and setup["initial"]["calls"] == []


def test_the_page_loads_its_scripts_from_the_server_itself(app: Flask) -> None:
    client = app.test_client()
    html = client.get("/display/first").get_data(as_text=True)
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts and all(src.startswith("/") for src in scripts)
    for src in scripts:
        assert client.get(src).status_code == 200, src


def test_an_unknown_zone_is_not_found(app: Flask) -> None:
    assert app.test_client().get("/display/basement").status_code == 404
