"""Who may read the reports: managers and admins; the national view, admins only. Signed-out
callers get JSON 401 under /api and the sign-in page for /reports, which comes back to it."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask

from onestop.openapi import OPERATIONS
from tests.factories.people import add_person, signed_in

REPORTS = sorted(path for method, path in OPERATIONS if path.startswith("/api/reports/"))


def test_every_report_route_is_described() -> None:
    assert "/api/reports/summary.csv" in REPORTS and "/api/reports/national.csv" in REPORTS
    assert len(REPORTS) == 17


@pytest.mark.parametrize("path", REPORTS)
def test_roles(app: Flask, path: str) -> None:
    for role in ("agent", "mediator", "manager", "admin"):
        add_person(app, role, role)
    assert app.test_client().get(path).status_code == 401
    assert app.test_client().get(path).get_json()["error"]["code"] == "unauthorized"
    for role in ("agent", "mediator"):
        response = signed_in(app, role).get(path)
        assert (response.status_code, response.get_json()["error"]["code"]) == (403, "forbidden")
    national = path.startswith("/api/reports/national")
    assert signed_in(app, "manager").get(path).status_code == (403 if national else 200)
    assert signed_in(app, "admin").get(path).status_code == 200


def test_page_for_managers_sign_in_for_others(app: Flask) -> None:
    add_person(app, "agent", "agent")
    add_person(app, "boss", "manager")
    add_person(app, "chief", "admin")
    response = app.test_client().get("/reports")
    assert response.status_code == 302 and response.location.endswith("/counter?next=/reports")
    assert signed_in(app, "agent").get("/reports").status_code == 403
    page = signed_in(app, "boss").get("/reports").get_data(as_text=True)
    assert 'id="chart-hours"' in page and 'id="table-national"' not in page
    setup = re.search(r'<script type="application/json" id="reports-setup">(.*?)</script>', page)
    assert setup is not None
    assert json.loads(setup[1])["from"] == "2026-11-01"
    # no inline code, handlers or styles: the page keeps to a strict Content-Security-Policy
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs, _ in scripts)
    assert not re.search(r"\son[a-z]+=|\sstyle=", page)
    admin_page = signed_in(app, "chief").get("/reports").get_data(as_text=True)
    assert 'id="table-national"' in admin_page


def test_chart_library_is_served_from_node_modules(app: Flask) -> None:
    response = app.test_client().get("/vendor/chart.umd.min.js")
    assert response.status_code == 200
    assert b"Chart" in response.get_data()[:2000]
    response.close()
