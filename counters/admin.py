"""The admin's staff page: what each person serves and speaks, and who may sign in.

The router reads these skills on every call, so a change here takes effect at the next
"call next" of that person, without touching any file.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext

from counters import csrf
from counters.guards import page_for
from onestop.accounts import record_change, set_skills, staff_members
from onestop.auth import current_staff
from onestop.context import onestop, read_store, transaction
from onestop.i18n import page_language
from routing.counters import leave_all
from routing.states import DomainError
from routing.store.models import Staff
from routing.store.sql import SqlStore

bp = Blueprint("staff_admin", __name__)


@bp.get("/counter/staff")
@page_for("admin")
def staff_list() -> Any:
    state = onestop()
    with read_store() as store:
        members = staff_members(store.session, state.centre.config)
    return render_template("counters/staff_list.html", members=members)


@bp.get("/counter/staff/<int:staff_id>")
@page_for("admin")
def staff_edit(staff_id: int) -> Any:
    with read_store() as store:
        member = store.staff(staff_id)
    if member is None:
        abort(404)
    saved = gettext("Saved.") if request.args.get("saved") else None
    return _form(member, message=saved, error=None)


@bp.post("/counter/staff/<int:staff_id>")
@page_for("admin")
def staff_save(staff_id: int) -> Any:
    if not csrf.valid():
        abort(400)
    me = current_staff()
    assert me is not None
    config = onestop().centre.config
    active = request.form.get("active") == "on"
    try:
        with transaction() as store:
            member = store.staff(staff_id)
            if member is None:
                abort(404)
            if member.id == me.id and not active:
                raise DomainError("invalid", gettext("You cannot disable your own account."))
            before = (member.services, member.languages, member.active)
            set_skills(
                config,
                member,
                request.form.getlist("services"),
                request.form.getlist("languages"),
            )
            member.active = active
            if not active:
                _leave_counters(store, member)
            if (member.services, member.languages, member.active) != before:
                record_change(
                    store.session,
                    config,
                    "staff_changed",
                    me,
                    user=member.username,
                    services=member.services,
                    languages=member.languages,
                    active=member.active,
                )
    except DomainError as error:
        with read_store() as store:
            member = store.staff(staff_id)
        assert member is not None
        return _form(member, message=None, error=error.message), 422
    return redirect(url_for("counters.staff_admin.staff_edit", staff_id=staff_id, saved=1))


def _leave_counters(store: SqlStore, member: Staff) -> None:
    try:
        leave_all(store, onestop().centre, member)
    except DomainError:
        message = gettext(
            "This person still has a visitor at their counter: the ticket must be finished "
            "or transferred before the account is disabled."
        )
        raise DomainError("counter_busy", message) from None


def _form(member: Staff, message: str | None, error: str | None) -> Any:
    config = onestop().centre.config
    code = page_language().code
    bodies = [
        (
            body.names.get(code) or body.names["pt"],
            [
                (s.code, s.names.get(code) or s.names["pt"])
                for s in config.services
                if s.body == body.code
            ],
        )
        for body in config.bodies
    ]
    return render_template(
        "counters/staff_edit.html",
        member=member,
        bodies=bodies,
        languages=config.languages,
        message=message,
        error=error,
    )
