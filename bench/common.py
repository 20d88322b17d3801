"""What the benchmarks share: an always-open centre, throwaway databases, a real server."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from tests.factories.databases import fresh_postgres

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_CONFIG = ROOT / "config.yaml"
POSTGRES_URL = os.environ.get(
    "ONESTOP_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: the `onestop` command installed beside the interpreter running the benchmark
ONESTOP = [str(Path(sys.executable).with_name("onestop"))]

log = logging.getLogger(__name__)


def always_open(directory: Path) -> Path:
    """The reference centre open around the clock every day, without holidays, service hours,
    counter hours or daily caps: a server on the real clock always accepts tickets."""
    data: dict[str, Any] = yaml.safe_load(REFERENCE_CONFIG.read_text(encoding="utf-8"))
    data["centre"]["hours"] = dict.fromkeys(WEEK, "00:00-24:00")
    data["centre"]["holidays"] = {"country": None, "extra": []}
    for service in data["services"]:
        service.pop("hours", None)
        service.pop("daily_cap", None)
    for counter in data["counters"]:
        counter.pop("hours", None)
    path = directory / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def service_codes(config: Path) -> list[str]:
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    return [service["code"] for service in data["services"]]


@contextmanager
def sqlite_database(directory: Path) -> Iterator[str]:
    """A SQLite file in `directory` (the caller removes the directory)."""
    yield f"sqlite:///{directory / 'bench.db'}"


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh database on the local PostgreSQL server, dropped afterwards."""
    with fresh_postgres(POSTGRES_URL, "onestop_bench") as url:
        yield url


def environment(config: Path, database_url: str) -> dict[str, str]:
    """The environment of every `onestop` command the benchmark runs."""
    return {
        **os.environ,
        "ONESTOP_CONFIG": str(config),
        "DATABASE_URL": database_url,
        "ONESTOP_KIOSK_RATE": "0",
        "ONESTOP_LOG_LEVEL": os.environ.get("ONESTOP_LOG_LEVEL", "WARNING"),
    }


def add_kiosk(env: dict[str, str], name: str = "bench-kiosk") -> str:
    """Register a kiosk with `onestop device add`; its key is the last line printed."""
    result = subprocess.run(
        [*ONESTOP, "device", "add", name, "--kind", "kiosk"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip().splitlines()[-1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def server(env: dict[str, str], *extra: str) -> Iterator[tuple[str, int]]:
    """`onestop run` on a free local port until the block ends; yields (base URL, its pid)."""
    port = free_port()
    process = subprocess.Popen(
        [*ONESTOP, "run", "--host", "127.0.0.1", "--port", str(port), *extra],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process)
        yield base, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(base: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/api/languages", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within {timeout:.0f} s")
