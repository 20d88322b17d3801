"""Event histories for the reports, written through the real domain functions on a frozen clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory

from onestop.app import create_app
from onestop.context import transaction
from onestop.settings import Settings
from routing import counters, mediation, tickets
from routing.centre import Centre
from routing.store.models import Staff, Ticket
from routing.store.sql import SqlStore
from tests.factories.configs import REFERENCE_CONFIG
from tests.factories.people import add_person

LISBON = ZoneInfo("Europe/Lisbon")


def local(text: str) -> dt.datetime:
    """'2026-11-25 09:00' on Lisbon's wall clock, as aware UTC."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=LISBON).astimezone(dt.UTC)


@contextmanager
def frozen_app(database_url: str, start: str) -> Iterator[tuple[Flask, FrozenDateTimeFactory]]:
    """The reference centre with its clock stopped at local `start` (moved by the history)."""
    with freeze_time(local(start)) as clock:
        app = create_app(Settings(config=REFERENCE_CONFIG, database_url=database_url, kiosk_rate=0))
        try:
            yield app, clock
        finally:
            app.extensions["onestop"].db.dispose()


class History:
    """Moves the frozen clock to local wall-clock times and acts as kiosks and counters do."""

    def __init__(self, app: Flask, clock: FrozenDateTimeFactory) -> None:
        self.app = app
        self.clock = clock
        self.staff: dict[str, int] = {}

    @property
    def centre(self) -> Centre:
        return self.app.extensions["onestop"].centre

    def at(self, when: str) -> History:
        self.clock.move_to(local(when))
        return self

    def person(
        self,
        username: str,
        role: str = "agent",
        services: tuple[str, ...] = (),
        languages: tuple[str, ...] = ("pt", "en"),
    ) -> None:
        self.staff[username] = add_person(self.app, username, role, services, languages)

    def _person(self, store: SqlStore, username: str) -> Staff:
        staff = store.staff(self.staff[username])
        assert staff is not None
        return staff

    def issue(
        self,
        service: str,
        *,
        priority: str | None = None,
        mediator: bool = False,
        language: str = "pt",
    ) -> int | str:
        """The new ticket's id, or the refusal's reason."""
        with self.app.app_context(), transaction() as store:
            issued = tickets.issue(
                store,
                self.centre,
                service=service,
                language=language,
                priority=priority,
                mediator=mediator,
            )
            if isinstance(issued, Ticket):
                return issued.id
            return issued.reason

    def counter(self, action: str, counter_id: int, username: str, *args: str) -> object:
        """`open`, `pause`, `resume`, `close` (routing.counters) or a ticket action."""
        with self.app.app_context(), transaction() as store:
            staff = self._person(store, username)
            if action in ("open", "pause", "resume", "close"):
                function = {"open": counters.open_counter}.get(action) or getattr(counters, action)
                return function(store, self.centre, counter_id, staff, *args)
            if action == "transfer":
                return tickets.transfer(store, self.centre, counter_id, staff, service=args[0])
            function = {"call": tickets.call_next, "no_show": tickets.no_show}.get(action)
            ticket = (function or getattr(tickets, action))(store, self.centre, counter_id, staff)
            return ticket.number if ticket is not None else None

    def cancel(self, ticket_id: int) -> None:
        with self.app.app_context(), transaction() as store:
            ticket = store.session.get(Ticket, ticket_id)
            tickets.cancel(store, self.centre, ticket, "left")

    def ask_mediator(self, counter_id: int, username: str, language: str) -> int:
        with self.app.app_context(), transaction() as store:
            request = mediation.request_mediator(
                store, self.centre, counter_id, self._person(store, username), language, None
            )
            return request.id

    def accept(self, request_id: int, username: str) -> None:
        with self.app.app_context(), transaction() as store:
            mediation.accept(store, self.centre, request_id, self._person(store, username))

    def end_mediation(self, request_id: int, username: str) -> None:
        with self.app.app_context(), transaction() as store:
            mediation.finish(store, self.centre, request_id, self._person(store, username))

    def serve(
        self,
        service: str,
        issued: str,
        called: str,
        finished: str | None,
        counter_id: int,
        username: str,
        **extra: Any,
    ) -> int:
        """One visitor alone in the queue: issued, called, then served (or a no-show when
        `finished` is None)."""
        self.at(issued)
        ticket_id = self.issue(service, **extra)
        assert isinstance(ticket_id, int), ticket_id
        self.at(called)
        assert self.counter("call", counter_id, username) is not None
        if finished is None:
            self.counter("no_show", counter_id, username)
        else:
            self.counter("start", counter_id, username)
            self.at(finished)
            self.counter("finish", counter_id, username)
        return ticket_id
