"""Real `onestop run` processes and the people who drive them over HTTP.

Shared by the display's process tests, its browser tests and `bench/display_latency.py`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from onestop.accounts import add_device, add_staff
from onestop.db import Database
from routing.config import load_config

ONESTOP = Path(sys.executable).with_name("onestop")
PASSWORD = "display-pass"
START_SECONDS = 60
#: agents seated at ground-floor counters that serve residence-first (prefix A)
AGENTS = {"ana": 3, "rui": 4, "eva": 5}
SERVICE = "residence-first"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare_database(config: Path, database_url: str) -> str:
    """Create the schema, the agents of `AGENTS` and a kiosk; returns the kiosk's key."""
    centre = load_config(config)
    database = Database(database_url)
    try:
        database.upgrade()
        with database.session(write=True) as session:
            for username in AGENTS:
                add_staff(session, centre, username, PASSWORD, "agent", [SERVICE], ["pt", "en"])
            return add_device(session, centre, "kiosk-display-tests", "kiosk")
    finally:
        database.dispose()


@dataclass
class Server:
    """One `onestop run` process on a port of its own; `start` again after `stop` to restart."""

    config: Path
    database_url: str
    log: Path
    port: int = field(default_factory=free_port)
    threads: int = 32
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {
            **os.environ,
            "ONESTOP_CONFIG": str(self.config),
            "DATABASE_URL": self.database_url,
            "ONESTOP_KIOSK_RATE": "0",
            "ONESTOP_LOG_LEVEL": "WARNING",
            **self.extra_env,
        }
        command = [str(ONESTOP), "run", "--port", str(self.port), "--threads", str(self.threads)]
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                command, env=env, cwd=self.config.parent, stdout=output, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"onestop run exited:\n{self.log.read_text()}")
            try:
                if requests.get(f"{self.base}/api/languages", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        self.stop()
        log = self.log.read_text()
        raise RuntimeError(f"onestop run did not answer in {START_SECONDS}s:\n{log}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


class Floor:
    """A kiosk and seated agents, acting through one server's HTTP API."""

    def __init__(self, base: str, kiosk_key: str) -> None:
        self.base = base
        self.kiosk_key = kiosk_key
        self.agents: dict[str, requests.Session] = {}

    def issue(self, language: str = "pt", service: str = SERVICE) -> dict:
        response = requests.post(
            f"{self.base}/api/tickets",
            json={"service": service, "language": language},
            headers={"Authorization": f"Bearer {self.kiosk_key}"},
            timeout=10,
        )
        assert response.status_code == 201, response.text
        return response.json()

    def seat(self, username: str) -> None:
        """Sign the agent in and open their counter."""
        agent = requests.Session()
        login = {"username": username, "password": PASSWORD}
        assert agent.post(f"{self.base}/api/login", json=login, timeout=10).ok
        counter = AGENTS[username]
        opened = agent.post(f"{self.base}/api/counters/{counter}/open", json={}, timeout=10)
        assert opened.ok, opened.text
        self.agents[username] = agent

    def act(self, username: str, action: str) -> dict:
        """`next`, `recall`, `finish`... at the agent's counter; the ticket it answers."""
        counter = AGENTS[username]
        response = self.agents[username].post(
            f"{self.base}/api/counters/{counter}/{action}", json={}, timeout=10
        )
        assert response.status_code == 200, response.text
        return response.json()

    def close(self) -> None:
        for agent in self.agents.values():
            agent.close()
