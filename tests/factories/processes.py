"""Real `onestop` processes for tests: the CLI, and servers that can be started and killed.

A server runs in its own session (process group), so killing the group takes gunicorn's
master and its forked worker down together, as a power cut or the OOM killer would.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import requests

#: the `onestop` command, independent of where the venv put its console scripts
ONESTOP = [sys.executable, "-c", "from onestop.cli import main; main()"]
READY_TIMEOUT_S = 45


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listened on a moment ago."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(config: Path, database_url: str) -> dict[str, str]:
    """The environment of a server or CLI call on `config` and `database_url`, no rate limit."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONESTOP_")}
    env.update(
        ONESTOP_CONFIG=str(config),
        DATABASE_URL=database_url,
        ONESTOP_KIOSK_RATE="0",
        ONESTOP_LOG_LEVEL="WARNING",
    )
    return env


def cli(args: list[str], env: dict[str, str]) -> str:
    """Run `onestop ARGS` to the end and return its standard output; fails on a non-zero exit."""
    done = subprocess.run(
        [*ONESTOP, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, f"onestop {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout


@dataclass
class Server:
    """A running `onestop run` process group."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """SIGKILL the whole group: no shutdown handler, no flush, no goodbye."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """Stop gracefully, and kill whatever is still there after a few seconds."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        self.kill()


def start_server(env: dict[str, str], log_dir: Path, attempts: int = 3) -> Server:
    """Start `onestop run` on a free port and wait until it answers HTTP.

    Another process may take the port between the probe and the bind; then try another.
    """
    for attempt in range(attempts):
        port = free_port()
        log = log_dir / f"server-{port}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [*ONESTOP, "run", "--port", str(port), "--threads", "16"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = Server(process, port, log)
        if _answers(server):
            return server
        server.stop()
        text = log.read_text(errors="replace")
        if "Address already in use" not in text or attempt == attempts - 1:
            raise AssertionError(f"the server did not come up:\n{text}")
    raise AssertionError("unreachable")


@contextmanager
def running_server(env: dict[str, str], log_dir: Path) -> Iterator[Server]:
    """A server for the block; killed on the way out, however the block ends."""
    server = start_server(env, log_dir)
    try:
        yield server
    finally:
        server.stop()


def _answers(server: Server) -> bool:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        try:
            if requests.get(f"{server.url}/api/languages", timeout=2).status_code == 200:
                return True
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    return False
