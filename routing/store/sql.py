"""The store over SQLAlchemy: one instance per transaction, scoped to one centre.

The caller owns the session and its transaction (see `onestop.db`); the store only reads,
locks and adds. On PostgreSQL a counter's call claims its ticket with
`FOR UPDATE SKIP LOCKED`, so concurrent counters never wait on, or take, the same row.
On SQLite the whole write transaction runs under `BEGIN IMMEDIATE`, which already serialises.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from routing.states import ACTIVE, CounterState, TicketState
from routing.store.models import (
    Counter,
    Device,
    Event,
    MediationRequest,
    Refusal,
    Sequence,
    Staff,
    Ticket,
)


class SqlStore:
    """Reads and writes of one centre inside the caller's transaction."""

    def __init__(self, session: Session, centre: str) -> None:
        self.session = session
        self.centre = centre
        self._postgres = session.get_bind().dialect.name == "postgresql"
        #: events appended in this transaction, for the shell to publish after commit
        self.events: list[Event] = []

    def next_number(self, prefix: str, day: dt.date) -> int:
        """Bump and return the day's sequence for `prefix`: one atomic upsert, row-locked."""
        insert = pg_insert if self._postgres else sqlite_insert
        statement = (
            insert(Sequence)
            .values(centre=self.centre, prefix=prefix, day=day, value=1)
            .on_conflict_do_update(
                index_elements=["centre", "prefix", "day"], set_={"value": Sequence.value + 1}
            )
            .returning(Sequence.value)
        )
        return self.session.execute(statement).scalar_one()

    def issued_on(self, service: str, day: dt.date) -> int:
        """How many tickets `service` has issued on a local day (for daily caps)."""
        statement = select(func.count()).where(
            Ticket.centre == self.centre, Ticket.day == day, Ticket.service == service
        )
        return self.session.execute(statement).scalar_one()

    def add(self, row: Ticket | Refusal) -> None:
        self.session.add(row)
        self.session.flush()

    def append(self, event: Event) -> Event:
        """Append one event to the log; published once the transaction commits."""
        self.session.add(event)
        self.events.append(event)
        return event

    def ticket_by_token(self, token: str) -> Ticket | None:
        statement = select(Ticket).where(Ticket.centre == self.centre, Ticket.token == token)
        return self.session.execute(statement).scalar_one_or_none()

    def counter(self, counter_id: int, *, lock: bool = False) -> Counter:
        """The live row of a counter, created closed on first use; locked when asked."""
        statement = select(Counter).where(Counter.centre == self.centre, Counter.id == counter_id)
        if lock and self._postgres:
            statement = statement.with_for_update()
        row = self.session.execute(statement).scalar_one_or_none()
        if row is None:
            row = Counter(centre=self.centre, id=counter_id, state=CounterState.CLOSED)
            self.session.add(row)
            self.session.flush()
        return row

    def counters(self) -> list[Counter]:
        statement = select(Counter).where(Counter.centre == self.centre)
        return list(self.session.execute(statement).scalars())

    def held_by(self, counter_id: int) -> Ticket | None:
        """The ticket a counter has called or is serving, if any."""
        statement = select(Ticket).where(
            Ticket.centre == self.centre,
            Ticket.counter_id == counter_id,
            Ticket.state.in_(ACTIVE),
        )
        return self.session.execute(statement).scalars().first()

    def active_tickets(self) -> list[Ticket]:
        """Every called or serving ticket of the centre."""
        statement = select(Ticket).where(Ticket.centre == self.centre, Ticket.state.in_(ACTIVE))
        return list(self.session.execute(statement).scalars())

    def waiting(self, services: Collection[str] | None = None) -> list[Ticket]:
        """The waiting tickets, optionally of some services only: the router's snapshot."""
        statement = select(Ticket).where(
            Ticket.centre == self.centre, Ticket.state == TicketState.WAITING
        )
        if services is not None:
            statement = statement.where(Ticket.service.in_(services))
        return list(self.session.execute(statement).scalars())

    def claim(self, ticket: Ticket) -> bool:
        """Lock a waiting ticket for this transaction; False if another counter holds or took it."""
        if not self._postgres:
            return ticket.state == TicketState.WAITING
        statement = (
            select(Ticket.id)
            .where(Ticket.id == ticket.id, Ticket.state == TicketState.WAITING)
            .with_for_update(skip_locked=True)
        )
        claimed = self.session.execute(statement).scalar_one_or_none() is not None
        if claimed:
            self.session.refresh(ticket)
        return claimed

    def staff(self, staff_id: int) -> Staff | None:
        row = self.session.get(Staff, staff_id)
        return row if row is not None and row.centre == self.centre else None

    def device_by_key_hash(self, key_hash: str) -> Device | None:
        statement = select(Device).where(Device.centre == self.centre, Device.key_hash == key_hash)
        return self.session.execute(statement).scalar_one_or_none()

    def ahead(self, ticket: Ticket) -> int:
        """Waiting tickets of the same queue that arrived before `ticket`."""
        statement = select(func.count()).where(
            Ticket.centre == self.centre,
            Ticket.state == TicketState.WAITING,
            Ticket.service == ticket.service,
            Ticket.id != ticket.id,
            (Ticket.issued_at < ticket.issued_at)
            | ((Ticket.issued_at == ticket.issued_at) & (Ticket.id < ticket.id)),
        )
        return self.session.execute(statement).scalar_one()

    def waiting_counts(self) -> dict[str, tuple[int, dt.datetime]]:
        """Per service: how many wait, and the oldest arrival among them."""
        statement = (
            select(Ticket.service, func.count(), func.min(Ticket.issued_at))
            .where(Ticket.centre == self.centre, Ticket.state == TicketState.WAITING)
            .group_by(Ticket.service)
        )
        return {
            service: (count, oldest) for service, count, oldest in self.session.execute(statement)
        }

    def staff_by_username(self, username: str) -> Staff | None:
        statement = select(Staff).where(Staff.centre == self.centre, Staff.username == username)
        return self.session.execute(statement).scalar_one_or_none()

    def staff_names(self) -> dict[int, str]:
        statement = select(Staff.id, Staff.username).where(Staff.centre == self.centre)
        return {staff_id: name for staff_id, name in self.session.execute(statement)}

    def closed_counter(self, counter_id: int) -> Counter:
        """A counter never opened yet, as a closed row that is not added to the session."""
        return Counter(centre=self.centre, id=counter_id, state=CounterState.CLOSED)

    def mediation_request(self, request_id: int, *, lock: bool = False) -> MediationRequest | None:
        statement = select(MediationRequest).where(
            MediationRequest.centre == self.centre, MediationRequest.id == request_id
        )
        if lock and self._postgres:
            statement = statement.with_for_update()
        return self.session.execute(statement).scalar_one_or_none()

    def mediation_requests(self, states: Collection[str]) -> list[MediationRequest]:
        """Requests in some states, oldest first."""
        statement = (
            select(MediationRequest)
            .where(MediationRequest.centre == self.centre, MediationRequest.state.in_(states))
            .order_by(MediationRequest.requested_at, MediationRequest.id)
        )
        return list(self.session.execute(statement).scalars())

    def mediator_request_of(self, mediator_id: int) -> MediationRequest | None:
        """The request a mediator has accepted and not finished, if any."""
        statement = select(MediationRequest).where(
            MediationRequest.centre == self.centre,
            MediationRequest.mediator_id == mediator_id,
            MediationRequest.state == "accepted",
        )
        return self.session.execute(statement).scalars().first()
