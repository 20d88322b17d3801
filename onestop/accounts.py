"""Creating staff accounts and kiosk devices, for the CLI and the demo."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from onestop.auth import ROLES, hash_password, new_device_key
from routing.config import CentreConfig
from routing.states import DomainError
from routing.store.models import Device, Staff

DEVICE_KINDS = ("kiosk",)


def add_staff(
    session: Session,
    config: CentreConfig,
    username: str,
    password: str,
    role: str,
    services: Iterable[str] = (),
    languages: Iterable[str] = (),
) -> Staff:
    """Create a staff account; raises `DomainError('invalid')` for unknown roles or codes."""
    services, languages = list(services), list(languages)
    if role not in ROLES:
        raise DomainError("invalid", f"role must be one of {', '.join(ROLES)}")
    if not username.strip() or len(username) > 60:
        raise DomainError("invalid", "a username has 1 to 60 characters")
    if len(password) < 4:
        raise DomainError("invalid", "a password has at least 4 characters")
    known = {service.code for service in config.services}
    unknown = [code for code in services if code not in known]
    unknown += [code for code in languages if code not in config.language_codes]
    if unknown:
        raise DomainError("invalid", f"unknown service or language code: {', '.join(unknown)}")
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
    return staff


def add_device(session: Session, config: CentreConfig, name: str, kind: str) -> str:
    """Register a device and return its key; only its hash is stored."""
    if kind not in DEVICE_KINDS:
        raise DomainError("invalid", f"kind must be one of {', '.join(DEVICE_KINDS)}")
    key, digest = new_device_key()
    session.add(Device(centre=config.centre.code, name=name, kind=kind, key_hash=digest))
    session.flush()
    return key
