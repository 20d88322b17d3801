"""The store over SQLAlchemy: one instance per transaction, scoped to one centre.

The caller owns the session and its transaction (see `onestop.db`); the store only reads,
locks and adds. On PostgreSQL a counter's call claims its ticket with
`FOR UPDATE SKIP LOCKED`, so concurrent counters never wait on, or take, the same row.
On SQLite the whole write transaction runs under `BEGIN IMMEDIATE`, which already serialises.

Issuing is the hot path (every visitor, every kiosk; bench/issue_tickets.py measures it), so its
statements are Core statements built once, with bound parameters, not ORM queries per call.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from collections.abc import Callable, Collection, Hashable, Iterable
from typing import Any

from sqlalchemy import Column, Executable, String, bindparam, case, func, insert, select, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Result, RowMapping
from sqlalchemy.orm import Session, make_transient_to_detached

from routing.router import Waiting
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

TICKETS = Ticket.__table__
#: what `secrets.token_urlsafe` makes, at the length the column holds
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,43}")
EVENTS = Event.__table__
SEQUENCES = Sequence.__table__


def upserts(build: Callable[[Any], Executable]) -> dict[str, Executable]:
    """An upsert `build` makes from a dialect's `insert`, compiled once per backend, by
    dialect name: SQLite and PostgreSQL spell ON CONFLICT through their own `insert`."""
    return {"postgresql": build(pg_insert), "sqlite": build(sqlite_insert)}


def _next_number(dialect_insert: Any) -> Executable:
    return (
        dialect_insert(SEQUENCES)
        .values(
            centre=bindparam("centre"), prefix=bindparam("prefix"), day=bindparam("day"), value=1
        )
        .on_conflict_do_update(
            index_elements=["centre", "prefix", "day"], set_={"value": SEQUENCES.c.value + 1}
        )
        .returning(SEQUENCES.c.value)
    )


NEXT_NUMBER = upserts(_next_number)
ISSUED_ON = select(func.count()).where(
    TICKETS.c.centre == bindparam("centre"),
    TICKETS.c.day == bindparam("day"),
    TICKETS.c.service == bindparam("service"),
)
_WAITING_IN_SERVICE = (
    TICKETS.c.centre == bindparam("centre"),
    TICKETS.c.state == TicketState.WAITING,
    TICKETS.c.service == bindparam("service"),
)
AHEAD = select(func.count()).where(
    *_WAITING_IN_SERVICE,
    TICKETS.c.id != bindparam("id"),
    (TICKETS.c.issued_at < bindparam("issued_at"))
    | ((TICKETS.c.issued_at == bindparam("issued_at")) & (TICKETS.c.id < bindparam("id"))),
)
WAITING_SINCE = select(func.count()).where(
    *_WAITING_IN_SERVICE, TICKETS.c.issued_at <= bindparam("issued_at")
)
_AS_ROUTED = select(
    TICKETS.c.id,
    TICKETS.c.service,
    TICKETS.c.priority,
    TICKETS.c.mediator,
    TICKETS.c.language,
    TICKETS.c.issued_at,
    TICKETS.c.target_counter_id,
)
QUEUE = _AS_ROUTED.where(
    TICKETS.c.centre == bindparam("centre"), TICKETS.c.state == TicketState.WAITING
)
#: the waiting tickets issued after ticket `after`: a few, found through the id's range. The
#: centre and state are wrapped so that no index serves them, or SQLite would read the whole
#: queue through its index to keep a few.
_QUEUE_AFTER = _AS_ROUTED.where(
    TICKETS.c.id > bindparam("after"),
    func.coalesce(TICKETS.c.centre, TICKETS.c.centre) == bindparam("centre"),
    func.coalesce(TICKETS.c.state, TICKETS.c.state) == TicketState.WAITING,
).subquery()
COUNTERS = Counter.__table__


def _text(column: Any) -> Any:
    return func.coalesce(column.cast(String), "")


#: who holds each counter not closed and the ticket in their hands, as one string (a ticket
#: held at a closed counter changes no estimate). Its order is the plan's: should that ever
#: change, the estimate replays once more than it needed, and is no less right.
_FLOOR = (
    select(
        func.aggregate_strings(
            _text(COUNTERS.c.id)
            + ":"
            + _text(COUNTERS.c.staff_id)
            + ":"
            + _text(TICKETS.c.id)
            + ":"
            + _text(TICKETS.c.state),
            ",",
        ).label("floor")
    )
    .select_from(COUNTERS)
    .outerjoin(
        TICKETS,
        (TICKETS.c.centre == COUNTERS.c.centre)
        & (TICKETS.c.counter_id == COUNTERS.c.id)
        & TICKETS.c.state.in_(ACTIVE),
    )
    .where(COUNTERS.c.centre == bindparam("centre"), COUNTERS.c.state != CounterState.CLOSED)
    .subquery()
)
#: the floor beside the tickets issued since, in one row at least: one round trip per issue
FLOOR_SINCE = select(_FLOOR.c.floor, *_QUEUE_AFTER.c).select_from(
    _FLOOR.outerjoin(_QUEUE_AFTER, true())
)
INSERT_TICKET = insert(TICKETS).returning(*TICKETS.c)
INSERT_EVENT = insert(EVENTS).returning(*EVENTS.c)
DEVICES = Device.__table__
DEVICE_BY_KEY_HASH = select(DEVICES).where(
    DEVICES.c.centre == bindparam("centre"), DEVICES.c.key_hash == bindparam("key_hash")
)


def device_by_key_hash(connection: Connection, centre: str, key_hash: str) -> Device | None:
    """The device whose key hashes to `key_hash`, read in one statement on any connection
    (kiosks ask on every ticket); it is not attached to any session."""
    params = {"centre": centre, "key_hash": key_hash}
    row = connection.execute(DEVICE_BY_KEY_HASH, params).one_or_none()
    return None if row is None else Device(**row._mapping)


class SqlStore:
    """Reads and writes of one centre inside the caller's transaction."""

    def __init__(self, session: Session, centre: str) -> None:
        self.session = session
        self.centre = centre
        self._postgres = session.get_bind().dialect.name == "postgresql"
        #: events appended in this transaction, for the shell to publish after commit
        self.events: list[Event] = []
        #: ticket id -> (tickets ahead, events appended when counted); see `counted_ahead`
        self._ahead: dict[int, tuple[int, int]] = {}

    def next_number(self, prefix: str, day: dt.date) -> int:
        """Bump and return the day's sequence for `prefix`: one atomic upsert, row-locked."""
        statement = NEXT_NUMBER["postgresql" if self._postgres else "sqlite"]
        params = {"centre": self.centre, "prefix": prefix, "day": day}
        return self._core(statement, params).scalar_one()

    def issued_on(self, service: str, day: dt.date) -> int:
        """How many tickets `service` has issued on a local day (for daily caps)."""
        params = {"centre": self.centre, "day": day, "service": service}
        return self._core(ISSUED_ON, params).scalar_one()

    def add(self, row: Ticket | Refusal) -> None:
        self.session.add(row)
        self.session.flush()

    def insert(self, ticket: Ticket) -> None:
        """Insert a new ticket in one statement; it stays in the session as if just loaded."""
        values = {c.key: ticket.__dict__[c.key] for c in TICKETS.c if c.key in ticket.__dict__}
        row = self._core(INSERT_TICKET, values).one()._mapping
        _fill(ticket, TICKETS.c, values, row)
        make_transient_to_detached(ticket)
        self.session.add(ticket)

    def append(self, event: Event) -> Event:
        """Append one event to the log; published once the transaction commits.

        The row is written at once, in one statement; the event object itself stays out of
        the session (it is read only by the live feed).
        """
        ticket = event.ticket
        if ticket is not None and ticket.id is None:
            # A ticket not written yet goes first, as the ORM's cascade would have done.
            self.session.add(ticket)
            self.session.flush()
        values = {c.key: event.__dict__[c.key] for c in EVENTS.c if c.key in event.__dict__}
        if ticket is not None:
            values["ticket_id"] = event.ticket_id = ticket.id
        row = self._core(INSERT_EVENT, values).one()._mapping
        _fill(event, EVENTS.c, values, row)
        self.events.append(event)
        return event

    def ticket_by_token(self, token: str) -> Ticket | None:
        """The ticket a public token names; None for an unknown or malformed token, which
        is never sent to the database (PostgreSQL refuses a NUL in text, for one)."""
        if not TOKEN_SHAPE.fullmatch(token):
            return None
        statement = select(Ticket).where(Ticket.centre == self.centre, Ticket.token == token)
        ticket = self.session.execute(statement).scalar_one_or_none()
        # The found token is compared again in constant time, as kiosk keys are.
        if ticket is None or not hmac.compare_digest(ticket.token, token):
            return None
        return ticket

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

    def counter_holder(self, counter_id: int) -> int | None:
        """Who holds a counter now, without creating or locking its row."""
        statement = select(Counter.staff_id).where(
            Counter.centre == self.centre, Counter.id == counter_id
        )
        return self.session.execute(statement).scalar_one_or_none()

    def counters(self) -> list[Counter]:
        statement = select(Counter).where(Counter.centre == self.centre)
        return list(self.session.execute(statement).scalars())

    def seated(self) -> dict[int, Staff]:
        """Who sits at each counter that is open or paused, by counter id, in one query."""
        statement = (
            select(Counter.id, Staff)
            .join(Staff, Staff.id == Counter.staff_id)
            .where(Counter.centre == self.centre, Counter.state != CounterState.CLOSED)
        )
        return {counter_id: staff for counter_id, staff in self.session.execute(statement)}

    def floor(self, after: int) -> tuple[Hashable, list[Waiting]]:
        """Who holds which counter not closed and the ticket in their hands, as one plain
        value, and the waiting tickets issued after ticket `after`: one Core statement, as
        the wait estimate asks on every ticket issued."""
        make = tuple.__new__
        params = {"centre": self.centre, "after": after}
        rows = self._core(FLOOR_SINCE, params, flush=True).all()
        issued = [make(Waiting, (None, *row[1:])) for row in rows if row[1] is not None]
        return rows[0][0], issued

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

    def waiting(
        self, services: Collection[str] | None = None, *, sent_to: int | None = None
    ) -> list[Ticket]:
        """The waiting tickets, optionally of some services only, plus those transferred to
        counter `sent_to` whatever their service: the router's snapshot, in one query."""
        statement = select(Ticket).where(
            Ticket.centre == self.centre, Ticket.state == TicketState.WAITING
        )
        if services is not None:
            wanted = Ticket.service.in_(services)
            if sent_to is not None:
                wanted = wanted | (Ticket.target_counter_id == sent_to)
            statement = statement.where(wanted)
        return list(self.session.execute(statement).scalars())

    def queue(self) -> list[Waiting]:
        """Every waiting ticket as the router reads it, in one Core statement and plain tuples
        (no ticket objects: the estimate may read thousands of rows)."""
        make = tuple.__new__
        rows = self._core(QUEUE, {"centre": self.centre}, flush=True)
        return [make(Waiting, (None, *row)) for row in rows]

    def lane_heads(self, services: Collection[str], *, sent_to: int | None = None) -> list[Ticket]:
        """The earliest waiting ticket of each lane (`routing.router.lane_of`) among the
        services, plus those sent to `sent_to`: the database numbers each lane's tickets by
        arrival and only the first of each is loaded, not the thousands behind them. Tickets
        sent to another counter are left out: no other counter may call them."""
        wanted = Ticket.service.in_(services) & Ticket.target_counter_id.is_(None)
        if sent_to is not None:
            wanted = wanted | (Ticket.target_counter_id == sent_to)
        place = (
            func.row_number()
            .over(
                partition_by=(
                    Ticket.service,
                    Ticket.priority.is_(None),
                    case((Ticket.mediator, Ticket.language), else_=None),
                    Ticket.target_counter_id,
                ),
                order_by=(Ticket.issued_at, Ticket.id),
            )
            .label("place")
        )
        ranked = (
            select(Ticket.id, place)
            .where(Ticket.centre == self.centre, Ticket.state == TicketState.WAITING, wanted)
            .subquery()
        )
        statement = select(Ticket).join(ranked, Ticket.id == ranked.c.id).where(ranked.c.place == 1)
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
        return device_by_key_hash(self.session.connection(), self.centre, key_hash)

    def ahead(self, ticket: Ticket) -> int:
        """Waiting tickets of the same queue that arrived before `ticket`."""
        counted = self._ahead.get(ticket.id) if ticket.id is not None else None
        if counted is not None and counted[1] == len(self.events):
            return counted[0]
        params = {
            "centre": self.centre,
            "service": ticket.service,
            "id": ticket.id,
            "issued_at": ticket.issued_at,
        }
        return self._core(AHEAD, params, flush=True).scalar_one()

    def counted_ahead(self, ticket: Ticket, ahead: int) -> None:
        """Remember that `ahead` tickets wait before `ticket`, so that asking again in this
        transaction costs no query. Every change to a ticket appends an event, so the count
        holds only until the next event is appended."""
        self._ahead[ticket.id] = (ahead, len(self.events))

    def waiting_since(self, service: str, moment: dt.datetime) -> int:
        """Waiting tickets of `service` that arrived at or before `moment`: the queue ahead
        of a ticket about to be issued at `moment`."""
        params = {"centre": self.centre, "service": service, "issued_at": moment}
        return self._core(WAITING_SINCE, params, flush=True).scalar_one()

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

    def arrivals_between(
        self, first: dt.datetime, last: dt.datetime
    ) -> list[tuple[dt.datetime, str]]:
        """(issued_at, service) of every ticket issued from `first` up to, not including,
        `last`: the recorded demand the staffing plan can be drawn from."""
        statement = select(Ticket.issued_at, Ticket.service).where(
            Ticket.centre == self.centre, Ticket.issued_at >= first, Ticket.issued_at < last
        )
        return [(issued_at, service) for issued_at, service in self.session.execute(statement)]

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

    def _core(
        self, statement: Executable, params: dict[str, Any], *, flush: bool = False
    ) -> Result[Any]:
        """Run a Core statement in this transaction; `flush` first when it reads rows that
        pending ORM changes may have touched."""
        if flush:
            self.session.flush()
        return self.session.connection().execute(statement, params)


def _fill(
    row_object: Ticket | Event,
    columns: Iterable[Column[Any]],
    given: dict[str, Any],
    written: RowMapping,
) -> None:
    """Set on a just-inserted object what the database made (its id, column defaults), as the
    ORM does after a flush; what was given stays exactly as given."""
    for column in columns:
        if column.key not in given:
            setattr(row_object, column.key, written[column])
