"""A kiosk and seated agents driving a real server over HTTP: calls for the displays to show.

Shared by the display's process tests, its browser tests and `bench/display_latency.py`.
"""

from __future__ import annotations

import requests

from onestop.app import create_app
from onestop.settings import Settings
from tests.factories.people import add_kiosk, add_person
from tests.factories.processes import Server

#: agents seated at ground-floor counters that serve residence-first (prefix A)
AGENTS = {"ana": 3, "rui": 4, "eva": 5}
SERVICE = "residence-first"


def staff_floor(server: Server) -> str:
    """The agents of `AGENTS` and a kiosk in `server`'s database, made in this process (four
    `onestop` runs would take seconds each on a busy machine); returns the kiosk's key."""
    app = create_app(Settings(config=server.config, database_url=server.database_url))
    try:
        for username in AGENTS:
            add_person(app, username, services=(SERVICE,), languages=("pt", "en"))
        return add_kiosk(app, "kiosk-display-tests")
    finally:
        app.extensions["onestop"].db.dispose()


class Floor:
    """A kiosk and seated agents, acting through one server's HTTP API."""

    def __init__(self, server: Server, kiosk_key: str) -> None:
        self.server = server
        self.kiosk_key = kiosk_key
        self.agents: dict[str, requests.Session] = {}

    def issue(self, language: str = "pt", service: str = SERVICE) -> dict:
        response = requests.post(
            f"{self.server.url}/api/tickets",
            json={"service": service, "language": language},
            headers={"Authorization": f"Bearer {self.kiosk_key}"},
            timeout=10,
        )
        assert response.status_code == 201, response.text
        return response.json()

    def seat(self, username: str) -> None:
        """Sign the agent in and open their counter."""
        agent = self.server.signed_in(username)
        counter = AGENTS[username]
        opened = agent.post(f"{self.server.url}/api/counters/{counter}/open", json={}, timeout=10)
        assert opened.ok, opened.text
        self.agents[username] = agent

    def act(self, username: str, action: str) -> dict:
        """`next`, `recall`, `finish`... at the agent's counter; the ticket it answers."""
        counter = AGENTS[username]
        response = self.agents[username].post(
            f"{self.server.url}/api/counters/{counter}/{action}", json={}, timeout=10
        )
        assert response.status_code == 200, response.text
        return response.json()

    def close(self) -> None:
        for agent in self.agents.values():
            agent.close()
