"""`onestop simulate` and `onestop staffing` on the reference config (no app; a database only
for `staffing --from-db`)."""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner
from freezegun import freeze_time

from onestop.cli import main
from onestop.db import Database
from routing.centre import Centre
from routing.config import load_config
from routing.store.sql import SqlStore
from routing.tickets import issue
from tests.factories.configs import REFERENCE_CONFIG

API_KEYS = {
    "name",
    "mean_wait_min",
    "p95_wait_min",
    "max_wait_min",
    "within_target_pct",
    "priority_mean_wait_min",
    "mediated_mean_wait_min",
}


def test_simulate_prints_api_json() -> None:
    args = ["--config", str(REFERENCE_CONFIG), "simulate", "--days", "1", "--seed", "3"]
    result = CliRunner().invoke(main, [*args, "--visitors", "200", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert [p["name"] for p in report["policies"]] == [
        "lwwt",
        "fifo",
        "strict_priority",
        "own_service_first",
    ]
    assert all(p.keys() >= API_KEYS for p in report["policies"])
    assert set(report["pooled_bound"]) >= {"mean_wait_min", "p95_wait_min", "max_wait_min"}


def test_simulate_prints_a_table() -> None:
    args = ["--config", str(REFERENCE_CONFIG), "simulate", "--days", "1", "--visitors", "100"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].split()[:4] == ["policy", "mean", "p95", "max"]
    assert any(line.startswith("pooled bound") for line in lines)
    assert any(line.startswith("reception-triage") for line in lines)


def test_staffing_prints_every_hour_of_the_reference_day() -> None:
    result = CliRunner().invoke(main, ["--config", str(REFERENCE_CONFIG), "staffing"])
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if line[2:3] == ":"]
    assert rows[0].startswith("08:30-09:30") and rows[-1].startswith("19:30-20:00")
    assert len(rows) == 12


def test_a_bad_config_is_reported() -> None:
    result = CliRunner().invoke(main, ["--config", "/nonexistent.yaml", "simulate"])
    assert result.exit_code == 1


def test_staffing_from_the_database_plans_each_weekday_from_its_tickets(
    sqlite_url: str, tmp_path
) -> None:
    database = Database(sqlite_url)
    database.upgrade()
    centre = Centre(load_config(REFERENCE_CONFIG))
    with database.session(write=True) as session:
        store = SqlStore(session, centre.code)
        for minute in range(0, 120, 2):  # 60 tickets on Monday 4 January 2027, 08:30-10:30
            moment = dt.datetime(2027, 1, 4, 8, 30, tzinfo=dt.UTC) + dt.timedelta(minutes=minute)
            with freeze_time(moment):
                issue(store, centre, service="tax-number", language="pt")
    database.dispose()
    env = {"DATABASE_URL": sqlite_url, "ONESTOP_DATABASE_URL": None, "ONESTOP_CONFIG": None}
    args = ["--config", str(REFERENCE_CONFIG), "staffing", "--from-db"]
    result = CliRunner().invoke(
        main, [*args, "--from", "2027-01-04", "--to", "2027-01-09"], env=env
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("60 tickets issued 2027-01-04 to 2027-01-09")
    monday = lines.index("mon")
    assert lines[monday + 2].split()[:2] == ["08:30-09:30", "30.0"]
    assert lines[monday + 3].split()[:2] == ["09:30-10:30", "30.0"]
    assert lines[monday + 4].split()[:2] == ["10:30-11:30", "0.0"]
    assert "sat" in lines and "sun" not in lines
    backwards = CliRunner().invoke(
        main, [*args, "--from", "2027-01-09", "--to", "2027-01-04"], env=env
    )
    assert backwards.exit_code == 2 and "--from must not come after --to" in backwards.output
