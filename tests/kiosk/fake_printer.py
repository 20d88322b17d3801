"""A network receipt printer on 127.0.0.1 that speaks enough ESC/POS to misbehave on purpose.

It answers the real-time status queries (DLE EOT n) the way a thermal printer does, keeps
every byte it receives, and can be told to be healthy, out of paper, with its cover open,
silent (accepts and never answers), or to reset the connection in the middle of a job.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: status bytes: bits 1 and 4 are always set; the rest say what is wrong
ONLINE = 0x12
OFFLINE = 0x12 | 0x08
COVER_OPEN = 0x12 | 0x04
PAPER_OK = 0x12
PAPER_OUT = 0x12 | 0x60

MODES = ("ok", "paper_out", "cover_open", "silent", "reset")


class FakePrinter:
    """One listening socket; each connection is one print job."""

    def __init__(self, mode: str = "ok", reset_after: int = 24) -> None:
        assert mode in MODES
        self.mode = mode
        self.reset_after = reset_after
        self.jobs: list[bytes] = []
        self.open_connections = 0
        self.connected = threading.Event()
        self.finished = threading.Event()
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fake-printer", daemon=True)

    def start(self) -> FakePrinter:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._server.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._server.accept()
            except TimeoutError:
                continue
            with self._lock:
                self.open_connections += 1
            self.connected.set()
            threading.Thread(target=self._job, args=(connection,), daemon=True).start()

    def _job(self, connection: socket.socket) -> None:
        received = bytearray()
        connection.settimeout(0.2)
        try:
            while not self._stop.is_set():
                try:
                    chunk = connection.recv(4096)
                except TimeoutError:
                    continue
                if not chunk:
                    break
                if self.mode == "silent":
                    continue
                job_start = len(received)
                received += chunk
                if self.mode == "reset" and _job_bytes(received) >= self.reset_after:
                    # SO_LINGER 0: close with a TCP reset, as a printer that reboots does.
                    connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    break
                for query in _status_queries(received, job_start):
                    connection.sendall(bytes([self._answer(query)]))
        except OSError:
            pass
        finally:
            connection.close()
            with self._lock:
                self.jobs.append(bytes(received))
                self.open_connections -= 1
            self.finished.set()

    def _answer(self, query: int) -> int:
        if query == 1:
            return OFFLINE if self.mode == "cover_open" else ONLINE
        if query == 2:
            return COVER_OPEN if self.mode == "cover_open" else 0x12
        if query == 4:
            return PAPER_OUT if self.mode == "paper_out" else PAPER_OK
        return 0x12


def _status_queries(data: bytearray, since: int) -> list[int]:
    """The n of each DLE EOT n whose last byte arrived at or after `since`."""
    found = []
    for i in range(max(0, since - 2), len(data) - 2):
        if data[i] == 0x10 and data[i + 1] == 0x04 and i + 2 >= since:
            found.append(data[i + 2])
    return found


def _job_bytes(data: bytearray) -> int:
    """Bytes received besides status queries."""
    return len(data) - 3 * len(_status_queries(data, 0))


def refused_port() -> int:
    """A port on 127.0.0.1 where nothing listens: connecting is refused at once."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


@contextmanager
def fake_printer(mode: str = "ok") -> Iterator[FakePrinter]:
    printer = FakePrinter(mode).start()
    try:
        yield printer
    finally:
        printer.stop()
