"""Who may open a staff page: the signed-out are sent to sign in, the wrong role refused."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import abort, redirect, request, url_for

from onestop.auth import current_staff
from onestop.i18n import preferred_language


def page_for(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A page for signed-in staff of `roles` only."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            preferred_language(request.args.get("lang"))
            staff = current_staff()
            if staff is None:
                return redirect(url_for("counters.home"))
            if staff.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate
