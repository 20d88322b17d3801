"""Printer states live in the database: every process of the centre reports the same ones."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from escpos.printer import Dummy
from flask import Flask
from sqlalchemy import func, select

from kiosk.printing import PRINTER_STATES, PrinterFault, PrintService, Receipt
from onestop.app import create_app
from onestop.db import Database
from onestop.settings import Settings
from routing.clock import VirtualClock
from routing.config import CentreConfig, Printer, load_config
from tests.factories.configs import reference_data, write_config
from tests.factories.people import add_kiosk, add_person, signed_in
from tests.kiosk.conftest import KIOSK, bearer, issue
from tests.kiosk.fake_printer import refused_port

RECEIPT = Receipt("A001", "Centro", ("Autorização de residência",), (), (), "http://x/t/a", "")
MORNING = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)


def _config(tmp_path: Path, printer: dict[str, Any]) -> Path:
    data = reference_data()
    data["kiosks"] = [{"name": KIOSK, "printer": printer}, {"name": "tablet"}]
    return write_config(tmp_path, data)


@pytest.fixture
def two_processes(tmp_path: Path, database_url: str, open_day: None) -> Iterator[list[Flask]]:
    """Two apps on one database, as two `onestop run` behind nginx; kiosk-1's printer is not
    there."""
    config = _config(tmp_path, {"kind": "network", "host": "127.0.0.1", "port": refused_port()})
    apps = [
        create_app(Settings(config=config, database_url=database_url, kiosk_rate=0))
        for _ in range(2)
    ]
    yield apps
    for app in apps:
        app.extensions["onestop"].db.dispose()


def test_a_fault_in_one_process_is_what_another_reports(two_processes: list[Flask]) -> None:
    printing, asked = two_processes
    key = add_kiosk(printing, KIOSK)
    add_person(printing, "boss", role="manager")
    manager = signed_in(asked, "boss")
    before = manager.get("/api/printers").get_json()
    assert [(p["kiosk"], p["state"]) for p in before] == [(KIOSK, "unknown"), ("tablet", "none")]

    client = printing.test_client()
    ticket = issue(client, key)
    body = {"token": ticket["token"], "language": "pt"}
    answer = client.post("/api/kiosk/receipts", json=body, headers=bearer(key)).get_json()
    assert answer == {"result": "fault", "code": "unreachable"}

    (printer, tablet) = manager.get("/api/printers").get_json()
    assert (printer["kiosk"], printer["kind"], printer["state"]) == (KIOSK, "network", "fault")
    assert (printer["code"], printer["printed"], printer["failed"]) == ("unreachable", 0, 1)
    assert "cannot reach the printer" in printer["error"]
    assert printer["since"] is not None and printer["last_printed_at"] is None
    assert tablet == {
        "kiosk": "tablet",
        "kind": "none",
        "state": "none",
        "code": None,
        "error": None,
        "since": None,
        "last_printed_at": None,
        "printed": 0,
        "failed": 0,
    }
    health = asked.test_client().get("/healthz").get_json()
    assert health["status"] == "degraded"
    assert health["printers"][0] == {
        "kiosk": KIOSK,
        "kind": "network",
        "state": "fault",
        "code": "unreachable",
    }


def _service(
    config: CentreConfig, db: Database, clock: VirtualClock, opener: Any = None
) -> PrintService:
    return PrintService(config, clock, db, opener=opener or (lambda _: Dummy()), max_pending=50)


@pytest.fixture
def file_kiosk(tmp_path: Path) -> CentreConfig:
    """kiosk-1 on a file printer (no status questions): the tests hand it `Dummy` printers."""
    return load_config(_config(tmp_path, {"kind": "file", "path": str(tmp_path / "lp0")}))


def test_counts_from_two_processes_add_up(
    file_kiosk: CentreConfig, database: Database, database_url: str
) -> None:
    clock = VirtualClock(MORNING)

    def jammed(_: Printer) -> Dummy:
        raise PrinterFault("paper_out", "the printer is out of paper")

    other = Database(database_url)
    services = [_service(file_kiosk, database, clock), _service(file_kiosk, other, clock)]
    jobs = []
    start = threading.Barrier(2)

    def submit_many(service: PrintService) -> None:
        start.wait()
        jobs.extend(service.submit(KIOSK, RECEIPT) for _ in range(10))

    threads = [threading.Thread(target=submit_many, args=(s,)) for s in services]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(job.done.wait(10) for job in jobs)
    failing = _service(file_kiosk, database, clock, jammed)
    faults = [failing.submit(KIOSK, RECEIPT) for _ in range(3)]
    assert all(job.done.wait(10) for job in faults)
    assert {job.result for job in jobs} == {"printed"}

    for service in (*services, failing):
        state = service.state(KIOSK)
        assert (state.printed, state.failed) == (20, 3)
        assert (state.state, state.code, state.last_printed_at) == ("fault", "paper_out", MORNING)
    other.dispose()


def test_since_moves_only_when_the_state_changes(
    file_kiosk: CentreConfig, database: Database
) -> None:
    clock = VirtualClock(MORNING)
    faults = iter(["paper_out", "paper_out", "cover_open"])

    def failing(_: Printer) -> Dummy:
        raise PrinterFault(next(faults), "the printer cannot print")

    def at(minutes: int, service: PrintService) -> tuple[str, str | None, dt.datetime | None]:
        clock.advance_to(MORNING + dt.timedelta(minutes=minutes))
        assert service.submit(KIOSK, RECEIPT).done.wait(10)
        state = service.state(KIOSK)
        return state.state, state.code, state.since

    printing = _service(file_kiosk, database, clock)
    jammed = _service(file_kiosk, database, clock, failing)
    assert at(0, printing) == ("ok", None, MORNING)
    assert at(1, printing)[2] == MORNING
    assert at(2, jammed) == ("fault", "paper_out", MORNING + dt.timedelta(minutes=2))
    assert at(3, jammed)[2] == MORNING + dt.timedelta(minutes=2)
    assert at(4, jammed) == ("fault", "cover_open", MORNING + dt.timedelta(minutes=4))
    state = printing.state(KIOSK)
    assert (state.printed, state.failed, state.error) == (2, 3, "the printer cannot print")
    assert at(5, printing) == ("ok", None, MORNING + dt.timedelta(minutes=5))
    assert printing.state(KIOSK).error is None


def test_refused_jobs_count_and_kiosks_without_a_printer_have_no_row(
    file_kiosk: CentreConfig, database: Database
) -> None:
    service = PrintService(file_kiosk, VirtualClock(MORNING), database, max_pending=0)
    assert service.submit(KIOSK, RECEIPT).code == "busy"
    assert service.submit("tablet", RECEIPT).result == "none"
    state = service.state(KIOSK)
    assert (state.state, state.code, state.failed) == ("fault", "busy", 1)
    with database.autocommit() as connection:
        assert connection.execute(select(func.count()).select_from(PRINTER_STATES)).scalar() == 1


def test_a_database_failing_to_record_still_prints_the_receipt(
    tmp_path: Path, sqlite_url: str, open_day: None, caplog: pytest.LogCaptureFixture
) -> None:
    paper = tmp_path / "lp0"
    config = _config(tmp_path, {"kind": "file", "path": str(paper)})
    app = create_app(Settings(config=config, database_url=sqlite_url, kiosk_rate=0))
    try:
        key = add_kiosk(app, KIOSK)
        with app.extensions["onestop"].db.session(write=True) as session:
            session.connection().exec_driver_sql("DROP TABLE printer_states")
        client = app.test_client()
        ticket = issue(client, key)
        body = {"token": ticket["token"], "language": "pt"}
        answer = client.post("/api/kiosk/receipts", json=body, headers=bearer(key)).get_json()
        assert answer == {"result": "printed", "code": None}
        assert ticket["number"].encode() in paper.read_bytes()
        assert "cannot record the printer's state" in caplog.text
        # Issuing goes on, and the probe still answers, not knowing the printer's state.
        assert issue(client, key)["number"] == "A002"
        health = client.get("/healthz")
        assert health.status_code == 200
        assert health.get_json()["printers"][0]["state"] == "unknown"
    finally:
        app.extensions["onestop"].db.dispose()
