"""Typed tables. Every row carries its centre; every time is aware UTC with a Python default."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
    types,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from routing.clock import utcnow
from routing.states import CounterState, TicketState


class UTCDateTime(types.TypeDecorator[dt.datetime]):
    """Stores aware datetimes as UTC and always hands back aware UTC, SQLite included."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


intpk = Annotated[
    int, mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
]
centre_code = Annotated[str, mapped_column(String(40))]
code = Annotated[str, mapped_column(String(40))]
utc = Annotated[dt.datetime, mapped_column(UTCDateTime())]
now_utc = Annotated[dt.datetime, mapped_column(UTCDateTime(), default=utcnow)]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar = {dt.datetime: UTCDateTime(), dict[str, Any]: JSON()}


def _enum(enum_type: type) -> types.Enum:
    return types.Enum(
        enum_type,
        values_callable=lambda members: [m.value for m in members],
        native_enum=False,
        validate_strings=True,
        length=12,
    )


class Ticket(Base):
    """One visit: its number, its place in the queue, and where it stands now."""

    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("centre", "day", "number", name="uq_tickets_centre_day_number"),
        # arrival last: a lane's head, and the tickets ahead of one, are read in index order
        Index("ix_tickets_queue", "centre", "state", "service", "issued_at"),
        Index("ix_tickets_counter", "centre", "counter_id", "state"),
    )

    id: Mapped[intpk]
    centre: Mapped[centre_code]
    day: Mapped[dt.date]
    number: Mapped[str] = mapped_column(String(8))
    token: Mapped[str] = mapped_column(String(43), unique=True)
    service: Mapped[code]
    language: Mapped[str] = mapped_column(String(10))
    priority: Mapped[str | None] = mapped_column(String(12))
    mediator: Mapped[bool] = mapped_column(default=False)
    state: Mapped[TicketState] = mapped_column(_enum(TicketState), default=TicketState.WAITING)
    issued_at: Mapped[utc]
    queued_at: Mapped[utc]
    called_at: Mapped[dt.datetime | None]
    started_at: Mapped[dt.datetime | None]
    ended_at: Mapped[dt.datetime | None]
    #: seconds from issue to the (last) call, and from the start to the end of service for
    #: a served ticket, to the millisecond: kept as the ticket moves so that the reports add
    #: up a column instead of working out a year of waits from the timestamps
    wait_s: Mapped[float | None]
    service_s: Mapped[float | None]
    counter_id: Mapped[int | None]
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    target_counter_id: Mapped[int | None]
    recalls: Mapped[int] = mapped_column(default=0)
    transfers: Mapped[int] = mapped_column(default=0)
    estimated_wait_min: Mapped[float | None]
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))


class Event(Base):
    """An append-only record of one change: reports and audits read these."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_centre_at", "centre", "at"),)

    id: Mapped[intpk]
    centre: Mapped[centre_code]
    kind: Mapped[str] = mapped_column(String(24))
    at: Mapped[now_utc]
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    counter_id: Mapped[int | None]
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    ticket: Mapped[Ticket | None] = relationship()


class Sequence(Base):
    """The last number per (centre, prefix, local day), bumped inside the issuing transaction."""

    __tablename__ = "sequences"

    centre: Mapped[centre_code] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(2), primary_key=True)
    day: Mapped[dt.date] = mapped_column(primary_key=True)
    value: Mapped[int]


class Counter(Base):
    """The live state of a counter; its name, zone and services live in the config."""

    __tablename__ = "counters"

    centre: Mapped[centre_code] = mapped_column(primary_key=True)
    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[CounterState] = mapped_column(_enum(CounterState), default=CounterState.CLOSED)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    since: Mapped[now_utc]
    pause_reason: Mapped[str | None] = mapped_column(String(200))


class Staff(Base):
    """A person who signs in: agent, mediator, manager or admin."""

    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("centre", "username", name="uq_staff_centre_username"),)

    id: Mapped[intpk]
    centre: Mapped[centre_code]
    username: Mapped[str] = mapped_column(String(60))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(12))
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[now_utc]


class Device(Base):
    """A kiosk (or other device) known by the hash of its key; the key itself is never stored."""

    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("centre", "name", name="uq_devices_centre_name"),)

    id: Mapped[intpk]
    centre: Mapped[centre_code]
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(12))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[now_utc]


class Refusal(Base):
    """A ticket the kiosk could not issue, and why: refused demand is a metric."""

    __tablename__ = "refusals"
    __table_args__ = (Index("ix_refusals_centre_at", "centre", "at"),)

    id: Mapped[intpk]
    centre: Mapped[centre_code]
    at: Mapped[now_utc]
    service: Mapped[code]
    language: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(20))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))


class Secret(Base):
    """Installation-wide secrets (the session signing key), shared by every app process."""

    __tablename__ = "secrets"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class MediationRequest(Base):
    """A counter asking for a mediator in a language; a free mediator who speaks it accepts."""

    __tablename__ = "mediation_requests"
    __table_args__ = (Index("ix_mediation_requests_queue", "centre", "state", "language"),)

    id: Mapped[intpk]
    centre: Mapped[centre_code]
    language: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(12), default="waiting")
    counter_id: Mapped[int]
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    requested_at: Mapped[utc]
    accepted_at: Mapped[dt.datetime | None]
    ended_at: Mapped[dt.datetime | None]
    mediator_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    mediator_counter_id: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(String(500))


class LoginFailure(Base):
    """A failed sign-in, kept a short while so repeated guesses are slowed down, whichever
    process of the centre they reach."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_centre_key_at", "centre", "key", "at"),)

    id: Mapped[intpk]
    centre: Mapped[centre_code]
    #: `user:<username>` or `address:<client address>`
    key: Mapped[str] = mapped_column(String(120))
    at: Mapped[now_utc]


class PrinterStatus(Base):
    """A kiosk printer's last outcome and its counts, written by whichever process printed, so
    every process reports the same state; a kiosk that has not printed yet has no row."""

    __tablename__ = "printer_states"

    centre: Mapped[centre_code] = mapped_column(primary_key=True)
    kiosk: Mapped[str] = mapped_column(String(60), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    #: `ok` or `fault`
    state: Mapped[str] = mapped_column(String(12))
    #: the fault's code (`PrinterFault.code`), None while it prints
    code: Mapped[str | None] = mapped_column(String(40))
    error: Mapped[str | None] = mapped_column(String(500))
    #: when it entered this state (and code)
    since: Mapped[utc]
    printed: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    last_printed_at: Mapped[dt.datetime | None]
