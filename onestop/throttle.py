"""Sign-in throttling: after repeated failures, an account (or an address) must wait.

Failures are rows in the database, not counters in memory, so the limit holds across every
process serving the centre and survives a restart. Each row lives for `WINDOW`; a success
clears its account's failures.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select

from onestop.db import Database
from routing.centre import Centre
from routing.states import DomainError
from routing.store.models import LoginFailure

#: how long a failure counts
WINDOW = dt.timedelta(minutes=15)
#: failures within `WINDOW` after which an account is refused without checking its password
PER_ACCOUNT = 5
#: the same for one client address, whatever account it tries (password spraying)
PER_ADDRESS = 30


def _keys(username: str, address: str | None) -> dict[str, int]:
    keys = {f"user:{username.strip().casefold()[:100]}": PER_ACCOUNT}
    if address:
        keys[f"address:{address[:100]}"] = PER_ADDRESS
    return keys


def check(db: Database, centre: Centre, username: str, address: str | None) -> None:
    """Raise `DomainError('rate_limited')` while the account or the address is throttled."""
    since = centre.clock.now() - WINDOW
    with db.session(write=False) as session:
        for key, limit in _keys(username, address).items():
            failures = session.execute(
                select(func.count()).where(
                    LoginFailure.centre == centre.code,
                    LoginFailure.key == key,
                    LoginFailure.at > since,
                )
            ).scalar_one()
            if failures >= limit:
                minutes = int(WINDOW.total_seconds() // 60)
                raise DomainError(
                    "rate_limited",
                    f"too many failed sign-ins; try again in up to {minutes} minutes",
                )


def failed(db: Database, centre: Centre, username: str, address: str | None) -> None:
    """Count one failure against the account and the address; forget those past `WINDOW`."""
    now = centre.clock.now()
    keys = _keys(username, address)
    with db.session(write=True) as session:
        session.execute(
            delete(LoginFailure).where(
                LoginFailure.centre == centre.code,
                LoginFailure.key.in_(keys),
                LoginFailure.at <= now - WINDOW,
            )
        )
        session.add_all(LoginFailure(centre=centre.code, key=key, at=now) for key in keys)


def succeeded(db: Database, centre: Centre, username: str) -> None:
    """The account's failures are forgotten (the address's stay)."""
    key = next(iter(_keys(username, None)))
    with db.session(write=True) as session:
        session.execute(
            delete(LoginFailure).where(LoginFailure.centre == centre.code, LoginFailure.key == key)
        )
