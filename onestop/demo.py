"""Demo staff for a fresh database: one agent per counter, mediators, a manager, an admin."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from onestop.accounts import add_device, add_staff
from routing.config import CentreConfig
from routing.store.models import Staff

DEMO_PASSWORD = "demo"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    note: str


def seed_demo(session: Session, config: CentreConfig) -> tuple[list[DemoLogin], str]:
    """Create demo staff (password `demo`) and a kiosk; returns the logins and the kiosk key."""
    existing = set(session.execute(select(Staff.username)).scalars())
    spoken = [language.code for language in config.languages]
    logins: list[DemoLogin] = []

    def add(username: str, role: str, services: list[str], languages: list[str], note: str) -> None:
        if username not in existing:
            add_staff(session, config, username, DEMO_PASSWORD, role, services, languages)
        logins.append(DemoLogin(username, role, note))

    mediators = [c for c in config.counters if c.kind == "mediator"]
    for counter in config.counters:
        if counter.kind == "counter":
            note = f"counter {counter.name}: {', '.join(counter.services)}"
            add(f"agent{counter.id}", "agent", list(counter.services), ["pt", "en"], note)
    share = max(1, -(-len(spoken) // max(1, len(mediators))))
    for i, counter in enumerate(mediators):
        languages = sorted({"pt", *spoken[i * share : (i + 1) * share]})
        note = f"counter {counter.name}: {', '.join(languages)}"
        add(f"mediator{counter.id}", "mediator", [], languages, note)
    add("manager", "manager", [], [], "reports")
    add("admin", "admin", [], [], "reports, staff")
    key = add_device(session, config, f"demo-kiosk-{len(existing) + 1}", "kiosk")
    return logins, key
