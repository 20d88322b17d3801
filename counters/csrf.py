"""CSRF tokens for the staff pages' forms: one random token per session, checked on every post.

The JSON API needs none (a cross-site form cannot send `application/json`); the sign-in,
counter choice and staff forms are plain HTML forms, so they carry this token.
"""

from __future__ import annotations

import hmac
import secrets

from flask import request, session

FIELD = "csrf_token"


def token() -> str:
    """This session's token, made on first use; a fresh session (sign-in) gets a new one."""
    if FIELD not in session:
        session[FIELD] = secrets.token_urlsafe(32)
    return session[FIELD]


def valid() -> bool:
    """Whether the posted form carries this session's token."""
    expected = session.get(FIELD)
    sent = request.form.get(FIELD, "")
    return bool(expected) and hmac.compare_digest(sent, expected)
