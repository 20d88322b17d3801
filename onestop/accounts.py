"""Staff accounts and kiosk devices: created and edited for the CLI, the demo and the admin page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onestop.auth import ROLES, hash_password, new_device_key
from onestop.http import has_control_characters
from routing.clock import utcnow
from routing.config import CentreConfig
from routing.states import DomainError
from routing.store.models import Device, Event, Staff

DEVICE_KINDS = ("kiosk",)


def add_staff(
    session: Session,
    config: CentreConfig,
    username: str,
    password: str,
    role: str,
    services: Iterable[str] = (),
    languages: Iterable[str] = (),
    actor: Staff | None = None,
) -> Staff:
    """Create a staff account, on the audit trail as done by `actor` (None: the command line).

    Raises `DomainError('invalid')` for unknown roles or codes.
    """
    services, languages = list(services), list(languages)
    if role not in ROLES:
        raise DomainError("invalid", f"role must be one of {', '.join(ROLES)}")
    if not username.strip() or len(username) > 60 or has_control_characters(username):
        raise DomainError("invalid", "a username has 1 to 60 printable characters")
    _check_password(password)
    _check_codes(config, services, languages)
    staff = Staff(
        centre=config.centre.code,
        username=username,
        password_hash=hash_password(password),
        role=role,
        services=services,
        languages=languages,
        active=True,
    )
    session.add(staff)
    session.flush()
    record_change(
        session,
        config,
        "staff_added",
        actor,
        user=username,
        role=role,
        services=services,
        languages=languages,
    )
    return staff


def staff_members(session: Session, config: CentreConfig) -> list[Staff]:
    """Every account of the centre, by username."""
    statement = select(Staff).where(Staff.centre == config.centre.code).order_by(Staff.username)
    return list(session.execute(statement).scalars())


def find_staff(session: Session, config: CentreConfig, username: str) -> Staff:
    """The account called `username`; raises `DomainError('not_found')`."""
    statement = select(Staff).where(Staff.centre == config.centre.code, Staff.username == username)
    staff = session.execute(statement).scalar_one_or_none()
    if staff is None:
        raise DomainError("not_found", f"no user named {username!r}")
    return staff


def set_password(staff: Staff, password: str) -> None:
    """A new password; the person's other sessions end with the old one."""
    _check_password(password)
    staff.password_hash = hash_password(password)


def set_skills(
    config: CentreConfig,
    staff: Staff,
    services: Iterable[str] | None = None,
    languages: Iterable[str] | None = None,
) -> None:
    """Replace what a person serves and speaks (None leaves it as it is); raises `invalid`."""
    new_services = list(staff.services if services is None else services)
    new_languages = list(staff.languages if languages is None else languages)
    _check_codes(config, new_services, new_languages)
    staff.services, staff.languages = new_services, new_languages


def _check_password(password: str) -> None:
    if len(password) < 4:
        raise DomainError("invalid", "a password has at least 4 characters")


def _check_codes(config: CentreConfig, services: list[str], languages: list[str]) -> None:
    known = {service.code for service in config.services}
    unknown = [code for code in services if code not in known]
    unknown += [code for code in languages if code not in config.language_codes]
    if unknown:
        raise DomainError("invalid", f"unknown service or language code: {', '.join(unknown)}")


def add_device(
    session: Session, config: CentreConfig, name: str, kind: str, actor: Staff | None = None
) -> str:
    """Register a device and return its key; only its hash is stored (and the audit trail
    records who added it, never the key)."""
    if kind not in DEVICE_KINDS:
        raise DomainError("invalid", f"kind must be one of {', '.join(DEVICE_KINDS)}")
    key, digest = new_device_key()
    session.add(Device(centre=config.centre.code, name=name, kind=kind, key_hash=digest))
    session.flush()
    record_change(session, config, "device_added", actor, device=name, device_kind=kind)
    return key


def record_change(
    session: Session, config: CentreConfig, kind: str, actor: Staff | None, **data: Any
) -> None:
    """Put a change to accounts or devices on the audit trail: `actor` did `kind`.

    Changes made from the command line have no actor; their data says so.
    """
    if actor is None:
        data["by"] = "command line"
    session.add(
        Event(
            centre=config.centre.code,
            kind=kind,
            at=utcnow(),
            staff_id=actor.id if actor else None,
            data=data,
        )
    )
