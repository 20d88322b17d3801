"""The `onestop` command: check-config, init, user add, device add, and refusing broken configs.

Commands run in-process through click's `CliRunner` with `DATABASE_URL` in their environment;
what they create is then used through an app built by `create_app` on the same database.
Two tests run the installed `onestop` script as a real process.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from sqlalchemy import create_engine, inspect, select
from sqlalchemy.orm import Session

from onestop.app import create_app
from onestop.cli import main
from onestop.settings import Settings
from routing.store.models import Staff
from tests.factories.configs import REFERENCE_CONFIG
from tests.factories.processes import free_port
from tests.routing.configs import BROKEN, CONFIGS, expected_places

SEVERAL = CONFIGS / "several.yaml"
ONESTOP = Path(sys.executable).with_name("onestop")


def onestop(
    *args: str, database_url: str | None = None, stdin: str | None = None, **env: str | None
) -> Result:
    """`onestop ARGS` in-process; `DATABASE_URL` set, or unset so the config decides."""
    environment = {"DATABASE_URL": database_url, "ONESTOP_DATABASE_URL": None, **env}
    environment.setdefault("ONESTOP_CONFIG", None)
    return CliRunner().invoke(main, list(args), input=stdin, env=environment)


def add_user(database_url: str, name: str, *options: str, password: str = "s3cret-pass") -> Result:
    return onestop(
        "--config",
        str(REFERENCE_CONFIG),
        "user",
        "add",
        name,
        *options,
        "--password-stdin",
        database_url=database_url,
        stdin=f"{password}\n",
    )


@pytest.fixture
def app_on(database_url: str, open_day: None) -> Iterator[Flask]:
    """The reference centre's app on the database the commands write to, on an open morning."""
    application = create_app(
        Settings(config=REFERENCE_CONFIG, database_url=database_url, kiosk_rate=0)
    )
    yield application
    application.extensions["onestop"].db.dispose()


def login(app: Flask, username: str, password: str) -> tuple[int, dict]:
    response = app.test_client().post(
        "/api/login", json={"username": username, "password": password}
    )
    return response.status_code, response.get_json()


# check-config


def test_check_config_accepts_the_reference_config() -> None:
    result = onestop("check-config", str(REFERENCE_CONFIG))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{REFERENCE_CONFIG}: ok — 35 services, 30 counters, 24 languages\n"


@pytest.mark.parametrize("path", BROKEN, ids=lambda path: path.stem)
def test_check_config_prints_every_problem_with_its_place(path: Path) -> None:
    result = onestop("check-config", str(path))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    places = expected_places(path)
    assert len(lines) == len(places)
    for line, place in zip(lines, places, strict=True):
        assert line.startswith(f"{place}: ")
    assert result.stderr == f"{len(places)} problem(s) in {path}\n"


def test_check_config_reads_the_config_option_and_the_environment() -> None:
    by_option = onestop("--config", str(SEVERAL), "check-config")
    by_environment = onestop("check-config", ONESTOP_CONFIG=str(SEVERAL))
    assert by_option.exit_code == by_environment.exit_code == 1
    assert by_option.stdout == by_environment.stdout
    assert len(by_option.stdout.splitlines()) == len(expected_places(SEVERAL)) == 10
    assert onestop("check-config", ONESTOP_CONFIG=str(REFERENCE_CONFIG)).exit_code == 0
    after_the_command = onestop("check-config", "--config", str(SEVERAL))
    assert after_the_command.stdout == by_option.stdout


def test_check_config_on_a_missing_file(tmp_path: Path) -> None:
    result = onestop("check-config", str(tmp_path / "nowhere.yaml"))
    assert result.exit_code == 1
    assert result.stdout == f"{tmp_path / 'nowhere.yaml'}: No such file or directory\n"


# init


def test_init_creates_then_upgrades_the_database(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    url = f"sqlite:///{path}"
    first = onestop("--config", str(REFERENCE_CONFIG), "init", database_url=url)
    assert first.exit_code == 0, first.output
    assert first.stdout == f"database ready: {url}\n"
    engine = create_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"tickets", "events", "staff", "devices", "alembic_version"} <= tables
    again = onestop("init", "--config", str(REFERENCE_CONFIG), database_url=url)
    assert again.exit_code == 0, again.output


def test_init_without_database_url_puts_sqlite_beside_the_config(tmp_path: Path) -> None:
    config = tmp_path / "centre.yaml"
    shutil.copy(REFERENCE_CONFIG, config)
    result = onestop("--config", str(config), "init", database_url=None)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "onestop.db").is_file()


@pytest.mark.postgres
def test_init_on_postgres(postgres_url: str) -> None:
    result = onestop("--config", str(REFERENCE_CONFIG), "init", database_url=postgres_url)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("database ready: postgresql+psycopg://")


# user add


def test_user_add_creates_an_account_that_logs_in(database_url: str, app_on: Flask) -> None:
    result = add_user(
        database_url,
        "ana",
        "--role",
        "agent",
        "--services",
        "residence-first, tax-number",
        "--languages",
        "pt,en",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "added agent ana\n"
    assert login(app_on, "ana", "s3cret-pass") == (200, {"username": "ana", "role": "agent"})
    assert login(app_on, "ana", "s3cret-pass\n")[0] == 401
    with Session(app_on.extensions["onestop"].db.engine) as session:
        staff = session.execute(select(Staff).where(Staff.username == "ana")).scalar_one()
    assert (staff.services, staff.languages) == (["residence-first", "tax-number"], ["pt", "en"])


def test_user_add_strips_a_windows_line_ending(sqlite_url: str, open_day: None) -> None:
    result = onestop(
        "--config",
        str(REFERENCE_CONFIG),
        "user",
        "add",
        "rui",
        "--role",
        "manager",
        "--password-stdin",
        database_url=sqlite_url,
        stdin="an0ther-pass\r\n",
    )
    assert result.exit_code == 0, result.output
    app = create_app(Settings(config=REFERENCE_CONFIG, database_url=sqlite_url))
    try:
        assert login(app, "rui", "an0ther-pass") == (200, {"username": "rui", "role": "manager"})
    finally:
        app.extensions["onestop"].db.dispose()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param(
            ("--role", "agent", "--services", "residence-first,passports"),
            "unknown service or language code: passports",
            id="unknown-service",
        ),
        pytest.param(
            ("--role", "mediator", "--languages", "pt,xx"),
            "unknown service or language code: xx",
            id="unknown-language",
        ),
        pytest.param(
            ("--role", "boss"),
            "Invalid value for '--role': 'boss' is not one of 'agent', 'mediator', 'manager', "
            "'admin'",
            id="unknown-role",
        ),
        pytest.param(("--services", "tax-number"), "Missing option '--role'", id="no-role"),
    ],
)
def test_user_add_refuses_unknown_codes_and_roles(
    sqlite_url: str, app: Flask, options: tuple[str, ...], message: str
) -> None:
    result = add_user(sqlite_url, "ana", *options)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert login(app, "ana", "s3cret-pass")[0] == 401


def test_user_add_refuses_a_short_password(sqlite_url: str, app: Flask) -> None:
    result = add_user(sqlite_url, "ana", "--role", "agent", password="abc")
    assert result.exit_code == 2
    assert "a password has at least 4 characters" in result.stderr


def test_a_duplicate_user_is_a_clear_error(database_url: str, app_on: Flask) -> None:
    assert add_user(database_url, "ana", "--role", "agent").exit_code == 0
    again = add_user(database_url, "ana", "--role", "admin", password="other-pass")
    assert again.exit_code == 2
    assert "a user named 'ana' exists already" in again.stderr
    assert "Traceback" not in again.output and again.stdout == ""
    assert login(app_on, "ana", "s3cret-pass") == (200, {"username": "ana", "role": "agent"})
    assert login(app_on, "ana", "other-pass")[0] == 401


# device add


def test_device_add_prints_a_key_that_issues_tickets(database_url: str, app_on: Flask) -> None:
    result = onestop(
        "--config",
        str(REFERENCE_CONFIG),
        "device",
        "add",
        "kiosk-1",
        "--kind",
        "kiosk",
        database_url=database_url,
    )
    assert result.exit_code == 0, result.output
    key = result.stdout.splitlines()[-1]
    assert len(key) >= 32 and " " not in key
    client = app_on.test_client()
    body = {"service": "residence-first", "language": "en", "priority": None, "mediator": False}
    issued = client.post("/api/tickets", json=body, headers={"Authorization": f"Bearer {key}"})
    assert issued.status_code == 201, issued.get_json()
    assert issued.get_json()["number"] == "A001"
    forged = client.post("/api/tickets", json=body, headers={"Authorization": f"Bearer {key}x"})
    assert forged.status_code == 401

    again = onestop(
        "--config",
        str(REFERENCE_CONFIG),
        "device",
        "add",
        "kiosk-1",
        "--kind",
        "kiosk",
        database_url=database_url,
    )
    assert again.exit_code == 2
    assert "a device named 'kiosk-1' exists already" in again.stderr


def test_device_add_knows_only_kiosks(sqlite_url: str) -> None:
    result = onestop(
        "--config",
        str(REFERENCE_CONFIG),
        "device",
        "add",
        "tv",
        "--kind",
        "display",
        database_url=sqlite_url,
    )
    assert result.exit_code == 2
    assert "Invalid value for '--kind'" in result.stderr


# a broken config never starts anything


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(("init",), id="init"),
        pytest.param(("user", "add", "ana", "--role", "agent", "--password-stdin"), id="user"),
        pytest.param(("device", "add", "kiosk-1", "--kind", "kiosk"), id="device"),
        pytest.param(("run", "--port", "1"), id="run"),
        pytest.param(("demo", "--port", "1"), id="demo"),
    ],
)
def test_a_broken_config_stops_every_command(tmp_path: Path, command: tuple[str, ...]) -> None:
    database = tmp_path / "never.db"
    result = onestop(
        "--config", str(SEVERAL), *command, database_url=f"sqlite:///{database}", stdin="pass\n"
    )
    assert result.exit_code == 1
    for place in expected_places(SEVERAL):
        assert f"{place}: " in result.stderr
    assert result.stderr.startswith(f"{SEVERAL}: 10 problem(s)\n")
    assert not database.exists()


@pytest.mark.slow
def test_the_installed_command_refuses_to_serve_a_broken_config(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.run(
        [str(ONESTOP), "--config", str(SEVERAL), "run", "--port", str(port)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'never.db'}"},
    )
    assert process.returncode == 1, process.stderr
    for place in expected_places(SEVERAL):
        assert f"{place}: " in process.stderr
    assert not (tmp_path / "never.db").exists()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "code"), [(REFERENCE_CONFIG, 0), (SEVERAL, 1)], ids=["reference", "several"]
)
def test_the_installed_check_config_exit_code(tmp_path: Path, path: Path, code: int) -> None:
    process = subprocess.run(
        [str(ONESTOP), "check-config", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert process.returncode == code, process.stderr
    assert len(process.stdout.splitlines()) == (1 if code == 0 else 10)
