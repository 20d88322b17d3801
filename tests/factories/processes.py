"""Real `onestop` processes for tests and benchmarks: a server that can be started, stopped,
killed and started again on the same port, and the `onestop` command on its config and database.

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
from contextlib import closing, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import requests

from tests.factories.people import PASSWORD

#: the `onestop` command, independent of where the venv put its console scripts
ONESTOP = [sys.executable, "-c", "from onestop.cli import main; main()"]
READY_TIMEOUT_S = 60
STOP_TIMEOUT_S = 15
#: first starts on a port another process took between the probe and the bind
PORT_ATTEMPTS = 3


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listened on a moment ago."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """`onestop run` on `config` and `database_url`, its output appended to `log`.

    The first `start` picks a free port; later starts reuse it, so clients that reconnect
    find the server again. Also usable as a context manager: started in, stopped out.
    """

    config: Path
    database_url: str
    log: Path
    threads: int = 32
    #: on top of the environment of `env`, e.g. a Redis URL or a cache folder
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @classmethod
    def on_sqlite(cls, config: Path, extra_env: dict[str, str] | None = None) -> Server:
        """A server on a fresh SQLite database beside `config`, logging to server.log there."""
        folder = config.parent
        return cls(
            config,
            f"sqlite:///{folder / 'onestop.db'}",
            folder / "server.log",
            extra_env=extra_env or {},
        )

    @property
    def url(self) -> str:
        assert self.port is not None, "the server has not been started"
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        """The environment of the server and of `cli`: none of the caller's ONESTOP_ settings,
        no kiosk rate limit, warnings only in the log."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("ONESTOP_")}
        env.update(
            ONESTOP_CONFIG=str(self.config),
            DATABASE_URL=self.database_url,
            ONESTOP_KIOSK_RATE="0",
            ONESTOP_LOG_LEVEL="WARNING",
        )
        env.update(self.extra_env)
        return env

    def start(self) -> Server:
        """Start and wait until the server answers HTTP; fails the test if it never does."""
        assert self.process is None, "the server is running already"
        chosen = self.port is None
        for _ in range(PORT_ATTEMPTS if chosen else 1):
            if chosen:
                self.port = free_port()
            offset = self.log.stat().st_size if self.log.exists() else 0
            self._spawn()
            if self._answers():
                return self
            self.kill()
            with self.log.open("rb") as written:
                written.seek(offset)
                output = written.read().decode(errors="replace")
            if not chosen or "Address already in use" not in output:
                break
        raise AssertionError(f"onestop run did not come up on port {self.port}:\n{output}")

    def stop(self) -> None:
        """Stop gracefully, and kill whatever of the group is still there after a while."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=STOP_TIMEOUT_S)
        self.kill()

    def kill(self) -> None:
        """SIGKILL the whole group: no shutdown handler, no flush, no goodbye."""
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def cli(self, *args: str, stdin: str | None = None) -> str:
        """Run `onestop ARGS` to the end on this config and database, whether the server runs
        or not, and return its standard output; fails on a non-zero exit."""
        done = subprocess.run(
            [*ONESTOP, *args],
            input=stdin,
            env=self.env,
            cwd=self.config.parent,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, f"onestop {' '.join(args)} failed:\n{done.stderr}"
        return done.stdout

    def add_kiosk(self, name: str) -> str:
        """Register a kiosk as an installer would; its key is the last line printed."""
        return self.cli("device", "add", name, "--kind", "kiosk").strip().splitlines()[-1]

    def add_staff(
        self,
        username: str,
        role: str = "agent",
        services: tuple[str, ...] = (),
        languages: tuple[str, ...] = (),
    ) -> None:
        """Create a staff account with `people.PASSWORD`, as an installer would."""
        self.cli(
            "user", "add", username, "--role", role, "--services", ",".join(services),
            "--languages", ",".join(languages), "--password-stdin", stdin=PASSWORD + "\n",
        )  # fmt: skip

    def signed_in(self, username: str) -> requests.Session:
        """An HTTP session signed in as `username`, as the counter console would be."""
        session = requests.Session()
        answer = session.post(
            f"{self.url}/api/login", json={"username": username, "password": PASSWORD}, timeout=10
        )
        assert answer.status_code == 200, answer.text
        return session

    def _spawn(self) -> None:
        command = [*ONESTOP, "run", "--port", str(self.port), "--threads", str(self.threads)]
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                command,
                env=self.env,
                cwd=self.config.parent,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _answers(self) -> bool:
        assert self.process is not None
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                if requests.get(f"{self.url}/api/languages", timeout=2).status_code == 200:
                    return True
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        return False
