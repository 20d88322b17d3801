"""Who is asking: staff by session cookie, kiosks by bearer key; roles and their guards."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from flask import Blueprint, current_app, g, jsonify, request, session
from werkzeug.security import check_password_hash, generate_password_hash

from onestop import throttle
from onestop.context import onestop, read_store
from onestop.http import Body, has_control_characters, json_body
from routing.states import DomainError
from routing.store.models import Device, Staff
from routing.store.sql import device_by_key_hash

ROLES = ("agent", "mediator", "manager", "admin")
#: what each role may do besides its own: an admin may do anything a manager may
INHERITS = {"admin": {"admin", "manager"}, "manager": {"manager"}}

P = ParamSpec("P")
R = TypeVar("R")

bp = Blueprint("auth", __name__, url_prefix="/api")

#: where the app keeps the kiosks it has recognised (`KnownDevices`)
DEVICES = "onestop.devices"
#: how long a recognised kiosk key is trusted without reading its row again
DEVICE_TTL_S = 60.0


def hash_password(password: str) -> str:
    """A slow, salted hash (scrypt)."""
    return generate_password_hash(password)


def new_device_key() -> tuple[str, str]:
    """A fresh kiosk key and the hash stored in its place."""
    key = secrets.token_urlsafe(32)
    return key, hash_key(key)


def hash_key(key: str) -> str:
    """Keys carry 256 random bits, so a fast hash suffices and lets us look them up."""
    return hashlib.sha256(key.encode()).hexdigest()


def _fingerprint(staff: Staff) -> str:
    """Changes when the password does, so a new password ends the old sessions."""
    return hashlib.sha256(staff.password_hash.encode()).hexdigest()[:16]


def current_staff() -> Staff | None:
    """The signed-in staff member of this request, or None."""
    if "staff" not in g:
        g.staff = None
        staff_id = session.get("staff_id")
        if staff_id is not None:
            with read_store() as store:
                staff = store.staff(staff_id)
            if (
                staff is not None
                and staff.active
                and hmac.compare_digest(session.get("fingerprint", ""), _fingerprint(staff))
            ):
                g.staff = staff
    return g.staff


def staff_required(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Guard a view: a signed-in staff member with one of `roles` (any role when none given)."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            staff = current_staff()
            if staff is None:
                raise DomainError("unauthorized", "sign in first")
            if roles and not INHERITS.get(staff.role, {staff.role}) & set(roles):
                raise DomainError("forbidden", f"a {staff.role} may not do this")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def current_device(authorization: str | None) -> Device:
    """The kiosk named by an `Authorization: Bearer <key>` header; raises `unauthorized`."""
    scheme, _, key = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not key:
        raise DomainError("unauthorized", "a kiosk key is required")
    digest = hash_key(key.strip())
    known: KnownDevices = current_app.extensions.setdefault(DEVICES, KnownDevices())
    device = known.get(digest)
    if device is None:
        state = onestop()
        with state.db.autocommit() as connection:
            device = device_by_key_hash(connection, state.centre.code, digest)
        if device is not None:
            known.put(digest, device)
    if device is None or not hmac.compare_digest(device.key_hash, digest):
        raise DomainError("unauthorized", "unknown kiosk key")
    return device


class KnownDevices:
    """Kiosks found by their key lately, kept for `ttl_s` seconds.

    A kiosk sends its key with every ticket; reading the row each time cost a pooled
    connection and a round trip to the database per ticket. Only keys found are kept: a key
    registered a moment ago works at once, and a wrong key is always looked up.
    """

    def __init__(self, ttl_s: float = DEVICE_TTL_S) -> None:
        self._ttl_s = ttl_s
        self._known: dict[str, tuple[Device, float]] = {}

    def get(self, digest: str) -> Device | None:
        found = self._known.get(digest)
        if found is None or found[1] < time.monotonic():
            return None
        return found[0]

    def put(self, digest: str, device: Device) -> None:
        self._known[digest] = (device, time.monotonic() + self._ttl_s)


@functools.cache
def _decoy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


class Credentials(Body):
    username: str
    password: str


def authenticate(username: str, password: str) -> Staff:
    """The active staff member with these credentials.

    Raises `DomainError('unauthorized')`, or `DomainError('rate_limited')` after repeated
    failures for this account or from this address (see `onestop.throttle`).
    """
    if has_control_characters(username) or has_control_characters(password):
        raise DomainError("unauthorized", "wrong username or password")
    state = onestop()
    address = request.remote_addr
    throttle.check(state.db, state.centre, username, address)
    with read_store() as store:
        staff = store.staff_by_username(username)
    # An unknown name costs the same hash as a known one: timing tells no names apart.
    known = check_password_hash(staff.password_hash if staff else _decoy_hash(), password)
    if staff is None or not staff.active or not known:
        throttle.failed(state.db, state.centre, username, address)
        raise DomainError("unauthorized", "wrong username or password")
    throttle.succeeded(state.db, state.centre, username)
    return staff


def start_session(staff: Staff) -> None:
    """Sign `staff` in on this browser, in a fresh session bound to their current password."""
    session.clear()
    session.permanent = True
    session["staff_id"] = staff.id
    session["fingerprint"] = _fingerprint(staff)


@bp.post("/login")
def login() -> Any:
    body = json_body(Credentials)
    staff = authenticate(body.username, body.password)
    start_session(staff)
    return jsonify(username=staff.username, role=staff.role)


@bp.post("/logout")
def logout() -> Any:
    session.clear()
    return jsonify(ok=True)


@bp.get("/me")
@staff_required()
def me() -> Any:
    staff = current_staff()
    assert staff is not None
    return jsonify(username=staff.username, role=staff.role)
