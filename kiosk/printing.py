"""Receipts on ESC/POS printers (python-escpos 3), printed only after the ticket is committed.

A receipt never stands between a visitor and their ticket: the ticket exists before anything
is sent, each job runs in its own short-lived thread, every step (connect, send, status
answer) has a short timeout, and a fault is logged and kept for managers (`PrinterState`) in the
database, where every process of the centre reads it whichever one printed.

Scripts: the receipt is printed in code page CP858 (forced, so Portuguese accents and the euro
sign come out right on every printer). Text in other Latin scripts is folded to it (Romanian
"ședere" prints "sedere"); text in any other script (Arabic, Cyrillic, Devanagari, Bengali,
Chinese) is left off the paper and shown on the kiosk's screen and the visitor's phone only,
which the QR code opens in their language. See kiosk/README.md.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from escpos.escpos import Escpos
from escpos.printer import File, Network, Serial, Usb
from sqlalchemy import Executable, bindparam, case, func, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import SQLAlchemyError

from onestop.db import Database
from routing.clock import Clock
from routing.config import CentreConfig, KioskDevice, Printer
from routing.store.models import PrinterStatus
from routing.store.sql import upserts

log = logging.getLogger(__name__)

CODE_PAGE = "CP858"
#: DLE EOT n: real-time status of the printer (1), the cause of going offline (2), paper (4)
STATUS_PRINTER = b"\x10\x04\x01"
STATUS_OFFLINE = b"\x10\x04\x02"
STATUS_PAPER = b"\x10\x04\x04"
#: punctuation CP858 lacks, written the nearest way it has
_PUNCTUATION = str.maketrans(
    {
        "\u2014": "-",  # em dash
        "\u2013": "-",  # en dash
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
        "\u00b7": "-",  # middle dot
    }
)


class PrinterFault(Exception):
    """The printer cannot print this receipt now; `code` names why, for managers."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Receipt:
    """What one ticket's paper says, every string already in the language it prints in."""

    number: str
    heading: str
    services: tuple[str, ...]
    lines: tuple[tuple[str, str], ...]
    marks: tuple[str, ...]
    url: str
    footer: str


class ReceiptPrinter(Protocol):
    """The part of python-escpos's `Escpos` a receipt uses (a `Dummy` printer in tests)."""

    def hw(self, hw: str) -> None: ...
    def charcode(self, code: str = "AUTO") -> None: ...
    def set(self, **kwargs: Any) -> None: ...
    def textln(self, txt: str = "") -> None: ...
    def qr(self, content: str, **kwargs: Any) -> None: ...
    def cut(self, mode: str = "FULL", feed: bool = True) -> None: ...
    def close(self) -> None: ...


def printable(text: str) -> str | None:
    """`text` as CP858 can print it, Latin letters folded; None when it is in another script."""
    out = []
    for char in text.translate(_PUNCTUATION):
        if _in_code_page(char):
            out.append(char)
            continue
        folded = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        if folded and all(_in_code_page(c) for c in folded):
            out.append(folded)
        elif unicodedata.category(char).startswith("L"):
            return None
    return "".join(out)


def _in_code_page(char: str) -> bool:
    try:
        char.encode("cp858")
    except UnicodeEncodeError:
        return False
    return True


def write_receipt(printer: ReceiptPrinter, receipt: Receipt) -> None:
    """Send one receipt: centred, the number huge, the QR code native, then a cut."""
    printer.hw("INIT")
    printer.charcode(CODE_PAGE)
    printer.set(align="center", bold=True)
    printer.textln(_fit(receipt.heading))
    printer.set(align="center", custom_size=True, width=5, height=6, bold=True)
    printer.textln(receipt.number)
    printer.set(align="center", normal_textsize=True, bold=True)
    for name in receipt.services:
        printer.textln(_fit(name))
    for mark in receipt.marks:
        printer.set(align="center", normal_textsize=True, bold=True, invert=True)
        printer.textln(f" {_fit(mark)} ")
    printer.set(align="center", normal_textsize=True)
    for label, value in receipt.lines:
        printer.textln(_fit(f"{label}: {value}"))
    printer.textln()
    printer.qr(receipt.url, size=6, native=True)
    printer.textln(_fit(receipt.footer))
    printer.cut()


def _fit(text: str) -> str:
    """Never send what the code page cannot hold: fold it, or drop what is in another script."""
    return printable(text) or ""


def open_printer(config: Printer) -> Escpos:
    """Connect to a kiosk's printer; raises `PrinterFault('unreachable')` when it is not there."""
    profile = config.profile
    try:
        if config.kind == "network":
            printer: Escpos = Network(
                config.host or "", config.port, timeout=config.timeout_s, profile=profile
            )
        elif config.kind == "usb":
            printer = Usb(
                config.vendor_id,
                config.product_id,
                timeout=int(config.timeout_s * 1000),
                profile=profile,
            )
        elif config.kind == "serial":
            printer = Serial(
                config.path or "",
                baudrate=config.baudrate,
                timeout=config.timeout_s,
                profile=profile,
            )
        elif config.kind == "file":
            printer = File(config.path or "", profile=profile)
        else:
            raise PrinterFault("no_printer", "this kiosk has no printer")
        printer.open()
    except PrinterFault:
        raise
    except Exception as error:
        raise PrinterFault("unreachable", f"cannot reach the printer: {error}") from error
    return printer


def print_receipt(printer: Escpos, receipt: Receipt, check_status: bool) -> None:
    """Print on an open printer and close it; raises `PrinterFault` naming what went wrong.

    With `check_status`, the printer is asked for its state first (paper, cover, error), so
    nothing is queued inside a printer that would print it late for someone else, and once
    more after the job, so a printer reset mid-job does not pass for a printed receipt.
    """
    try:
        if check_status:
            check_ready(printer)
        write_receipt(printer, receipt)
        if check_status:
            _status(printer, STATUS_PRINTER)
    except PrinterFault:
        raise
    except TimeoutError as error:
        raise PrinterFault("no_answer", "the printer stopped answering") from error
    except OSError as error:
        raise PrinterFault("connection_lost", f"the printer connection broke: {error}") from error
    except Exception as error:
        raise PrinterFault("error", f"printing failed: {error!r}") from error
    finally:
        _close(printer)


def check_ready(printer: Escpos) -> None:
    """Raise `PrinterFault` unless the printer is online with paper and its cover closed."""
    if _status(printer, STATUS_PRINTER) & 0x08:
        cause = _status(printer, STATUS_OFFLINE)
        if cause & 0x04:
            raise PrinterFault("cover_open", "the printer's cover is open")
        if cause & 0x20:
            raise PrinterFault("paper_out", "the printer is out of paper")
        if cause & 0x40:
            raise PrinterFault("printer_error", "the printer reports an error")
        raise PrinterFault("offline", "the printer is offline")
    if _status(printer, STATUS_PAPER) & 0x60 == 0x60:
        raise PrinterFault("paper_out", "the printer is out of paper")


def _status(printer: Escpos, query: bytes) -> int:
    printer._raw(query)
    try:
        answer = printer._read()
    except TimeoutError as error:
        raise PrinterFault("no_answer", "the printer does not answer") from error
    if not answer:
        raise PrinterFault("no_answer", "the printer does not answer")
    return answer[-1]


def _close(printer: Escpos) -> None:
    try:
        printer.close()
    except Exception:
        log.debug("closing the printer failed", exc_info=True)


@dataclass
class PrinterState:
    """What managers see of one kiosk's printer."""

    kiosk: str
    kind: str
    state: str = "unknown"
    code: str | None = None
    error: str | None = None
    since: dt.datetime | None = None
    last_printed_at: dt.datetime | None = None
    printed: int = 0
    failed: int = 0

    def json(self) -> dict[str, Any]:
        return {
            "kiosk": self.kiosk,
            "kind": self.kind,
            "state": self.state,
            "code": self.code,
            "error": self.error,
            "since": self.since.isoformat() if self.since else None,
            "last_printed_at": self.last_printed_at.isoformat() if self.last_printed_at else None,
            "printed": self.printed,
            "failed": self.failed,
        }


PRINTER_STATES = PrinterStatus.__table__
#: what a row tells of a printer beside its kiosk and kind
RECORDED = ("state", "code", "error", "since", "last_printed_at", "printed", "failed")
#: the longest fault message kept (the column's length)
ERROR_CHARS = 500


def _record(dialect_insert: Any) -> Executable:
    """One job's outcome as one upsert: the counts add up in SQL, so jobs recorded by two
    processes at once both count, and `since` moves only when the state or its code changes."""
    new = dialect_insert(PRINTER_STATES).excluded
    same = (PRINTER_STATES.c.state == new.state) & PRINTER_STATES.c.code.is_not_distinct_from(
        new.code
    )
    return dialect_insert(PRINTER_STATES).on_conflict_do_update(
        index_elements=["centre", "kiosk"],
        set_={
            "kind": new.kind,
            "state": new.state,
            "code": new.code,
            "error": new.error,
            "since": case((same, PRINTER_STATES.c.since), else_=new.since),
            "printed": PRINTER_STATES.c.printed + new.printed,
            "failed": PRINTER_STATES.c.failed + new.failed,
            "last_printed_at": func.coalesce(new.last_printed_at, PRINTER_STATES.c.last_printed_at),
        },
    )


RECORD = upserts(_record)
CENTRE_STATES = select(PRINTER_STATES).where(PRINTER_STATES.c.centre == bindparam("centre"))
KIOSK_STATE = CENTRE_STATES.where(PRINTER_STATES.c.kiosk == bindparam("kiosk"))


@dataclass
class Job:
    """One receipt on its way; `done` is set once it has printed or failed."""

    kiosk: str
    receipt: Receipt
    queued: float
    done: threading.Event = field(default_factory=threading.Event)
    result: str = "pending"
    code: str | None = None


Opener = Callable[[Printer], Escpos]


class PrintService:
    """Receipts for every kiosk of the centre: one job at a time per printer, off the request.

    Jobs for a printer that is already busy wait their turn, up to `max_pending`; a job that
    waited longer than `max_age_s` is dropped rather than printed for someone else. Each
    outcome is written to the database once the ticket is long committed, and a database that
    fails then costs the printer's state, never the receipt.
    """

    def __init__(
        self,
        config: CentreConfig,
        clock: Clock,
        db: Database,
        opener: Opener = open_printer,
        max_pending: int = 3,
        max_age_s: float = 30,
    ) -> None:
        self._config = config
        self._clock = clock
        self._db = db
        self._opener = opener
        self._max_pending = max_pending
        self._max_age_s = max_age_s
        self._lock = threading.Lock()
        self._printer_locks: dict[str, threading.Lock] = {}
        self._pending: dict[str, int] = {}

    def submit(self, kiosk_name: str, receipt: Receipt) -> Job:
        """Start printing `receipt` on the kiosk's printer; returns at once."""
        kiosk = self._config.kiosk_device(kiosk_name)
        job = Job(kiosk.name, receipt, time.monotonic())
        if kiosk.printer.kind == "none":
            return self._finish(job, "none", None)
        printer_lock = self._take_turn(kiosk.name)
        if printer_lock is None:
            self._record(kiosk, PrinterFault("busy", "receipts are piling up"))
            return self._finish(job, "fault", "busy")
        threading.Thread(
            target=self._run, args=(kiosk, job, printer_lock), name=f"print-{kiosk.name}"
        ).start()
        return job

    def _take_turn(self, kiosk_name: str) -> threading.Lock | None:
        """A place in the printer's line and the lock its jobs take turns on; None when
        `max_pending` jobs wait already."""
        with self._lock:
            pending = self._pending.get(kiosk_name, 0)
            if pending >= self._max_pending:
                return None
            self._pending[kiosk_name] = pending + 1
            return self._printer_locks.setdefault(kiosk_name, threading.Lock())

    def states(self) -> list[PrinterState]:
        """Every configured kiosk's printer, in the config's order, as last recorded."""
        rows = self._read(CENTRE_STATES, {"centre": self._config.centre.code})
        return [self._merge(kiosk, rows) for kiosk in self._config.kiosks]

    def state(self, kiosk_name: str) -> PrinterState:
        kiosk = self._config.kiosk_device(kiosk_name)
        if kiosk.printer.kind == "none":
            return self._merge(kiosk, {})
        params = {"centre": self._config.centre.code, "kiosk": kiosk.name}
        return self._merge(kiosk, self._read(KIOSK_STATE, params))

    def _read(self, statement: Executable, params: dict[str, str]) -> dict[str, RowMapping]:
        """The recorded rows by kiosk; none when the database fails, so that a probe still
        answers (and says the database is down)."""
        try:
            with self._db.autocommit() as connection:
                rows = connection.execute(statement, params).mappings().all()
        except SQLAlchemyError:
            log.warning("cannot read the printers' states", exc_info=True)
            return {}
        return {row["kiosk"]: row for row in rows}

    @staticmethod
    def _merge(kiosk: KioskDevice, rows: dict[str, RowMapping]) -> PrinterState:
        """The kiosk's recorded state; "unknown" until it has printed, "none" without a printer."""
        kind = kiosk.printer.kind
        if kind == "none":
            return PrinterState(kiosk.name, kind, state="none")
        row = rows.get(kiosk.name)
        if row is None:
            return PrinterState(kiosk.name, kind)
        return PrinterState(kiosk.name, kind, **{name: row[name] for name in RECORDED})

    def _run(self, kiosk: KioskDevice, job: Job, printer_lock: threading.Lock) -> None:
        """Print, then record the outcome before the job is done: whoever sees it done reads
        the state it left."""
        try:
            with printer_lock:
                if time.monotonic() - job.queued > self._max_age_s:
                    raise PrinterFault("stale", "the receipt waited too long and was dropped")
                printer = self._opener(kiosk.printer)
                check = kiosk.printer.check_status and kiosk.printer.kind != "file"
                print_receipt(printer, job.receipt, check)
        except PrinterFault as fault:
            log.warning(
                "kiosk %s: receipt %s not printed: %s", kiosk.name, job.receipt.number, fault
            )
            self._record(kiosk, fault)
            self._finish(job, "fault", fault.code)
        except Exception as error:
            log.exception("kiosk %s: receipt %s failed", kiosk.name, job.receipt.number)
            self._record(kiosk, PrinterFault("error", repr(error)))
            self._finish(job, "fault", "error")
        else:
            self._record(kiosk, None)
            self._finish(job, "printed", None)
        finally:
            with self._lock:
                self._pending[kiosk.name] -= 1

    def _record(self, kiosk: KioskDevice, fault: PrinterFault | None) -> None:
        """Write one outcome (printed when `fault` is None); a failure is logged and swallowed:
        the receipt has printed or failed whatever the database says."""
        now = self._clock.now()
        row = {
            "centre": self._config.centre.code,
            "kiosk": kiosk.name,
            "kind": kiosk.printer.kind,
            "state": "ok" if fault is None else "fault",
            "code": None if fault is None else fault.code,
            "error": None if fault is None else fault.message[:ERROR_CHARS],
            "since": now,
            "printed": 1 if fault is None else 0,
            "failed": 0 if fault is None else 1,
            "last_printed_at": now if fault is None else None,
        }
        try:
            with self._db.session(write=True) as session:
                session.execute(RECORD[session.get_bind().dialect.name], row)
        except Exception:
            log.exception("kiosk %s: cannot record the printer's state", kiosk.name)

    @staticmethod
    def _finish(job: Job, result: str, code: str | None) -> Job:
        job.result, job.code = result, code
        job.done.set()
        return job
