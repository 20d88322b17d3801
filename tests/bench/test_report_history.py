"""The reports bench's generated history, small: SQLite and PostgreSQL give the same figures
(percentiles, targets, local hours) on thousands of random tickets across a summer-time change."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Connection

from bench import report_history
from onestop.db import Database
from reports import demand, metrics
from reports.metrics import Scope
from reports.periods import Period
from routing.calendar import Calendar
from routing.config import load_config
from tests.factories.configs import REFERENCE_CONFIG

FIRST = dt.date(2026, 3, 20)
DAYS = 20


def _figures(url: str) -> dict:
    config = load_config(REFERENCE_CONFIG)
    calendar = Calendar(config.centre)
    db = Database(url)
    try:
        db.upgrade()
        for table, columns, rows in (
            ("tickets", report_history.COLUMNS, report_history.tickets),
            ("refusals", report_history.REFUSAL_COLUMNS, report_history.refusals),
        ):
            report_history.write(
                db.engine, table, columns, rows(config, "lisboa", FIRST, DAYS, 4000, 7)
            )
        period = Period.of(calendar, FIRST, FIRST + dt.timedelta(days=DAYS - 1))
        with db.engine.connect() as connection:
            metrics.tune(connection)
            scope = Scope(config, calendar, period, "lisboa", connection.dialect.name)
            return _read(connection, scope)
    finally:
        db.dispose()


def _read(connection: Connection, scope: Scope) -> dict:
    answer: dict = {}
    for by in metrics.DIMENSIONS:
        rows, total = metrics.breakdown(connection, scope, by)
        answer[by] = ([(row.key, row.json()) for row in rows], total.json())
    answer["heatmap"] = demand.heatmap(connection, scope)
    answer["estimates"] = demand.estimate_accuracy(connection, scope)
    return answer


def test_sqlite_and_postgres_agree(tmp_path: Path, postgres_url: str) -> None:
    on_sqlite = _figures(f"sqlite:///{tmp_path / 'bench.db'}")
    on_postgres = _figures(postgres_url)
    assert on_sqlite["service"][1]["issued"] > 3000
    assert on_sqlite["service"][1]["wait_p90_min"] is not None
    for key in on_sqlite:
        assert on_sqlite[key] == on_postgres[key], key
