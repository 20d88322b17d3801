"""Bodies of the OS processes that the concurrency tests start (spawned, so importable).

Each builds its own `Database` and `Centre`, connects, waits at the barrier so that all
start at once, then works through short write transactions as the web app would.
"""

from __future__ import annotations

from multiprocessing.synchronize import Barrier
from pathlib import Path

from sqlalchemy import text

from onestop.db import Database
from routing.centre import Centre
from routing.config import load_config
from routing.store.sql import SqlStore
from routing.tickets import Refused, call_next, finish, issue

BARRIER_TIMEOUT_S = 120


def _ready(barrier: Barrier, url: str, config: Path) -> tuple[Database, Centre]:
    db = Database(url, pool_size=1)
    centre = Centre(load_config(config))
    with db.session(write=False) as session:
        session.execute(text("SELECT 1"))
    barrier.wait(BARRIER_TIMEOUT_S)
    return db, centre


def issue_tickets(
    barrier: Barrier, url: str, config: Path, services: list[str], count: int
) -> None:
    """Issue `count` tickets, one transaction each, cycling through `services`."""
    db, centre = _ready(barrier, url, config)
    for n in range(count):
        with db.session(write=True) as session:
            result = issue(
                SqlStore(session, centre.code),
                centre,
                service=services[n % len(services)],
                language="pt",
            )
        if isinstance(result, Refused):
            raise RuntimeError(f"refused: {result.reason}")
    db.dispose()


def serve_counter(barrier: Barrier, url: str, config: Path, counter_id: int, staff_id: int) -> None:
    """Call and finish tickets at one open counter until nobody is left for it."""
    db, centre = _ready(barrier, url, config)
    while True:
        with db.session(write=True) as session:
            store = SqlStore(session, centre.code)
            called = call_next(store, centre, counter_id, store.staff(staff_id))
        if called is None:
            break
        with db.session(write=True) as session:
            store = SqlStore(session, centre.code)
            finish(store, centre, counter_id, store.staff(staff_id))
    db.dispose()
