"""Receipts as real ESC/POS bytes, and printer faults that never cost a visitor their ticket."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from escpos.printer import Dummy
from flask import Flask

from kiosk.devices import print_service
from kiosk.printing import PrinterState, Receipt, printable, write_receipt
from tests.factories.people import add_kiosk, add_person, signed_in
from tests.kiosk.conftest import KIOSK, MakeApp, bearer, issue
from tests.kiosk.fake_printer import fake_printer, refused_port

ESC_INIT = b"\x1b@"
CP858 = b"\x1bt\x13"  # ESC t 19
QR_PRINT = b"\x1d(k\x03\x001Q0"  # GS ( k: print the stored symbol
CUT = b"\x1dV\x00"  # GS V 0: full cut
STATUS_QUERIES = b"\x10\x04\x01\x10\x04\x04"  # DLE EOT: printer, then paper


def _receipt(**changes: object) -> Receipt:
    fields: dict[str, object] = {
        "number": "A001",
        "heading": "Centro Nacional de Apoio à Integração de Migrantes — Lisboa",
        "services": ("Autorização de residência", "Reînnoirea permisului de ședere"),
        "lines": (("Posição na fila", "3"), ("Taxa", "15 €")),
        "marks": ("PRIORIDADE",),
        "url": "http://127.0.0.1:5000/t/abc?lang=ro",
        "footer": "Leia o código",
    }
    fields.update(changes)
    return Receipt(**fields)  # type: ignore[arg-type]


def test_receipt_bytes_code_page_accents_qr_and_cut() -> None:
    printer = Dummy()
    write_receipt(printer, _receipt())
    out = printer.output
    assert out.startswith(ESC_INIT)
    # CP858 is selected before the first character of text, and only once.
    first_text = out.index(b"Centro")
    assert out.index(CP858) < first_text and out.count(CP858) == 1
    assert b"Apoio \x85 Integra\x87\xc6o de Migrantes - Lisboa" in out  # à ç ã, em dash folded
    assert b"Autoriza\x87\xc6o de resid\x88ncia" in out  # ç ã ê
    assert b"Re\x8cnnoirea permisului de sedere" in out  # î kept, ș folded to s
    assert b"Taxa: 15 \xd5" in out  # the euro sign is 0xD5 in CP858
    # The number in a huge size (GS ! width 5, height 6), then back to normal.
    assert b"\x1d!EA001\n" in out.replace(b"\x1bE\x01\x1ba\x01", b"")
    assert b"\x1dB\x01 PRIORIDADE \n" in out  # inverted mark
    url = b"http://127.0.0.1:5000/t/abc?lang=ro"
    store = b"\x1d(k" + bytes([len(url) + 3, 0]) + b"1P0" + url
    assert store in out and out.index(store) < out.index(QR_PRINT)
    assert b"\x1d(k\x04\x001A2\x00" in out  # QR model 2
    assert out.endswith(b"\x1bd\x06" + CUT)  # feed, then cut


def test_text_the_code_page_cannot_hold_is_folded_or_left_off() -> None:
    assert printable("Autorização de residência") == "Autorização de residência"
    assert printable("Reînnoirea permisului de ședere") == "Reînnoirea permisului de sedere"
    assert printable("Finanças — IRS “certidão”") == 'Finanças - IRS "certidão"'
    other_scripts = ("الهجرة والإقامة", "Охорона здоров\u2019я", "移民与居留", "স্বাস্থ্য", "हिन्दी")
    for other_script in other_scripts:
        assert printable(other_script) is None
    out = Dummy()
    write_receipt(out, _receipt(services=("Saúde (SNS)", "الصحة (SNS)")))
    assert b"Sa\xa3de (SNS)" in out.output and b"?" not in out.output.split(b"http")[0]


def _wait_for_state(app: Flask, wanted: set[str]) -> PrinterState:
    """The kiosk's printer state once a job has ended (bounded wait, no timing asserted)."""
    with app.app_context():
        for _ in range(300):
            state = print_service().state(KIOSK)
            if state.state in wanted:
                return state
            time.sleep(0.05)
        return print_service().state(KIOSK)


def _receipt_for(app: Flask, key: str, screen: str = "pt", **ticket: object) -> tuple[dict, dict]:
    client = app.test_client()
    issued = issue(client, key, **ticket)
    answer = client.post(
        "/api/kiosk/receipts",
        json={"token": issued["token"], "language": screen},
        headers=bearer(key),
    )
    assert answer.status_code == 200, answer.get_json()
    return issued, answer.get_json()


def test_file_printer_gets_the_whole_receipt_in_the_visitors_language(
    kiosk_app: MakeApp, tmp_path: Path
) -> None:
    paper = tmp_path / "printer.bin"
    app, key = kiosk_app({"kind": "file", "path": str(paper)})
    issued, answer = _receipt_for(app, key, "fr", priority="pregnant")
    assert answer == {"result": "printed", "code": None}
    out = paper.read_bytes()
    assert out.startswith(ESC_INIT + CP858)
    assert issued["number"].encode() in out
    assert b"Autoriza\x87\xc6o de resid\x88ncia" in out  # Portuguese name first
    assert "Premier titre de séjour".encode("cp858") in out  # then the visitor's
    assert "Position dans la file: 1".encode("cp858") in out  # labels in French
    assert b"PRIORIDADE" in out and out.endswith(CUT)
    assert f"/t/{issued['token']}?lang=fr".encode() in out


def test_scripts_the_paper_cannot_print_stay_on_screen(kiosk_app: MakeApp, tmp_path: Path) -> None:
    paper = tmp_path / "printer.bin"
    app, key = kiosk_app({"kind": "file", "path": str(paper)})
    _, answer = _receipt_for(app, key, "ar", language="wo", mediator=True)
    assert answer["result"] == "printed"
    out = paper.read_bytes()
    assert b"Posi\x87\xc6o na fila: 1" in out  # labels fall back to Portuguese
    assert b"MEDIADOR: Wolof" in out
    assert b"?" not in out.split(b"http")[0]  # no Arabic turned into question marks


def test_network_printer_receives_a_whole_job(kiosk_app: MakeApp) -> None:
    with fake_printer("ok") as printer:
        app, key = kiosk_app({"kind": "network", "host": "127.0.0.1", "port": printer.port})
        issued, answer = _receipt_for(app, key)
        assert answer == {"result": "printed", "code": None}
        assert printer.finished.wait(5)
    (job,) = printer.jobs
    # Asked for its state first, then the receipt, then asked again to confirm it was taken.
    assert job.startswith(STATUS_QUERIES + ESC_INIT)
    assert issued["number"].encode() in job and QR_PRINT in job
    assert job.endswith(CUT + b"\x10\x04\x01")
    with app.app_context():
        state = print_service().state(KIOSK)
    assert (state.state, state.printed, state.failed) == ("ok", 1, 0)


def _assert_ticket_kept(app: Flask, issued: dict) -> None:
    status = app.test_client().get(f"/api/tickets/{issued['token']}")
    assert status.status_code == 200
    assert status.get_json()["state"] == "waiting"
    assert status.get_json()["number"] == issued["number"]


def test_refused_connection_is_a_fault_not_a_lost_ticket(
    kiosk_app: MakeApp, caplog: pytest.LogCaptureFixture
) -> None:
    app, key = kiosk_app({"kind": "network", "host": "127.0.0.1", "port": refused_port()})
    issued, answer = _receipt_for(app, key)
    assert answer == {"result": "fault", "code": "unreachable"}
    _assert_ticket_kept(app, issued)
    assert f"receipt {issued['number']} not printed" in caplog.text
    # The next visitor is served as well: issuing never waits on the printer.
    assert issue(app.test_client(), key)["number"] == "A002"


def test_printer_that_accepts_and_never_answers_does_not_hold_the_kiosk(
    kiosk_app: MakeApp,
) -> None:
    with fake_printer("silent") as printer:
        app, key = kiosk_app(
            {"kind": "network", "host": "127.0.0.1", "port": printer.port, "timeout_s": 5}
        )
        issued, answer = _receipt_for(app, key)
        # The kiosk got its answer while the printer still held the connection unanswered.
        assert answer == {"result": "pending", "code": None}
        assert printer.connected.is_set() and printer.open_connections == 1
        _assert_ticket_kept(app, issued)
        state = _wait_for_state(app, {"fault", "ok"})
    assert (state.state, state.code) == ("fault", "no_answer")


def test_reset_mid_job_is_not_taken_for_a_printed_receipt(kiosk_app: MakeApp) -> None:
    with fake_printer("reset") as printer:
        app, key = kiosk_app({"kind": "network", "host": "127.0.0.1", "port": printer.port})
        issued, _ = _receipt_for(app, key)
        state = _wait_for_state(app, {"fault", "ok"})
        assert printer.finished.wait(5)
    assert state.state == "fault" and state.code in ("connection_lost", "no_answer")
    (job,) = printer.jobs
    # The bytes went out before the reset; only the answer after the job tells it was lost.
    assert job.startswith(STATUS_QUERIES + ESC_INIT)
    _assert_ticket_kept(app, issued)


@pytest.mark.parametrize("mode", ["paper_out", "cover_open"])
def test_printer_that_cannot_print_is_sent_nothing(kiosk_app: MakeApp, mode: str) -> None:
    with fake_printer(mode) as printer:
        app, key = kiosk_app({"kind": "network", "host": "127.0.0.1", "port": printer.port})
        issued, answer = _receipt_for(app, key)
        assert printer.finished.wait(5)
    assert answer == {"result": "fault", "code": mode}
    # Only questions went to the printer: no receipt waits inside it to come out later.
    (job,) = printer.jobs
    assert ESC_INIT not in job and set(job.split(b"\x10\x04")) <= {b"", b"\x01", b"\x02", b"\x04"}
    _assert_ticket_kept(app, issued)


def test_managers_see_printer_faults(kiosk_app: MakeApp) -> None:
    app, key = kiosk_app({"kind": "network", "host": "127.0.0.1", "port": refused_port()})
    _receipt_for(app, key)
    add_person(app, "boss", role="manager")
    add_person(app, "ana", role="agent", services=("residence-first",))
    assert app.test_client().get("/api/printers").status_code == 401
    assert signed_in(app, "ana").get("/api/printers").status_code == 403
    (printer,) = signed_in(app, "boss").get("/api/printers").get_json()
    assert printer["kiosk"] == KIOSK and printer["kind"] == "network"
    assert (printer["state"], printer["code"], printer["failed"]) == ("fault", "unreachable", 1)
    assert printer["since"] is not None and "cannot reach the printer" in printer["error"]


def test_a_kiosk_prints_only_its_own_tickets(kiosk_app: MakeApp, tmp_path: Path) -> None:
    app, key = kiosk_app({"kind": "file", "path": str(tmp_path / "printer.bin")})
    other = add_kiosk(app, "kiosk-2")
    client = app.test_client()
    ticket = issue(client, other)
    body = {"token": ticket["token"], "language": "pt"}
    assert client.post("/api/kiosk/receipts", json=body, headers=bearer(key)).status_code == 404
    assert client.post("/api/kiosk/receipts", json=body).status_code == 401
    assert not (tmp_path / "printer.bin").exists()
