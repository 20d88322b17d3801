"""Private PostgreSQL and Redis servers that a test may stop, crash and start again.

The machine's shared PostgreSQL and Redis serve every engineer's tests, so a fault test never
touches them: it starts its own cluster in a temporary folder (as the `postgres` user when run
as root, which `initdb` refuses) or its own `redis-server`, each on a free port.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import IN_CI
from tests.factories.processes import free_port

START_TIMEOUT_S = 60


def _missing(what: str) -> None:
    """Skip (outside CI) or fail (in CI) for want of a server binary."""
    if IN_CI:
        pytest.fail(f"CI=true but {what} is missing")
    pytest.skip(f"{what} is missing")


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        _missing("PostgreSQL's server binaries (/usr/lib/postgresql/*/bin/initdb)")
    return Path(found[-1]).parent


@dataclass
class PrivatePostgres:
    """A throw-away PostgreSQL cluster on 127.0.0.1 and a free port, trust authentication."""

    port: int = field(default_factory=free_port)
    folder: Path = field(init=False)
    bin: Path = field(default_factory=_postgres_bin)

    def __post_init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="onestop-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.folder / "data"), "-A", "trust", "-U", "postgres")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=on"
        self._pg_ctl("start", "-w", "-t", str(START_TIMEOUT_S), "-o", options)

    def stop(self, mode: str = "fast") -> None:
        """`fast` ends sessions and shuts down cleanly; `immediate` is a crash (recovery on
        the next start replays the WAL)."""
        self._pg_ctl("stop", "-w", "-m", mode)

    def remove(self) -> None:
        subprocess.run(
            self._as_owner(str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "stop",
                           "-m", "immediate"),
            capture_output=True, check=False, timeout=60,
        )  # fmt: skip
        shutil.rmtree(self.folder, ignore_errors=True)

    def _pg_ctl(self, *args: str) -> None:
        log = self.folder / "postgres.log"
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-l", str(log), *args)

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run(
            self._as_owner(str(self.bin / program), *args),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"{program} {' '.join(args)}:\n{done.stdout}{done.stderr}"

    @staticmethod
    def _as_owner(*command: str) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *command]
        return list(command)


@dataclass
class PrivateRedis:
    """A `redis-server` on 127.0.0.1 and a free port, with no persistence."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if shutil.which("redis-server") is None:
            _missing("redis-server")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis

        assert self.process is None
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url, socket_connect_timeout=1).ping():
                    return
            except redis.RedisError:
                time.sleep(0.05)
        raise AssertionError(f"redis-server did not come up on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=30)
            self.process = None
