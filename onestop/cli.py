"""The `onestop` command line (API.md): run, demo, init, user, device, check-config."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask import Flask
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onestop import logs
from onestop.accounts import (
    add_device,
    add_staff,
    find_staff,
    record_change,
    set_password,
    set_skills,
    staff_members,
)
from onestop.app import create_app
from onestop.context import OneStop
from onestop.settings import Settings
from routing.config import CentreConfig, ConfigError, load_config
from routing.counters import leave_all
from routing.states import DomainError
from routing.store.models import Staff
from routing.store.sql import SqlStore

if TYPE_CHECKING:
    from routing.staffing import PlanRow

CONFIG_HELP = "the centre's config (default ./config.yaml, or ONESTOP_CONFIG)"


def _settings(ctx: click.Context, **overrides: Any) -> Settings:
    settings = Settings()
    if ctx.obj.get("config"):
        settings = settings.model_copy(update={"config": Path(ctx.obj["config"])})
    return settings.model_copy(update=overrides)


def _app(settings: Settings) -> Flask:
    try:
        return create_app(settings)
    except ConfigError as error:
        click.echo(str(error), err=True)
        sys.exit(1)


def _state(app: Flask) -> OneStop:
    return app.extensions["onestop"]


def _remember_config(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.find_root().ensure_object(dict)["config"] = value


#: every command takes --config too (API.md), after its name as well as before
config_option = click.option(
    "--config",
    type=click.Path(dir_okay=False),
    help=CONFIG_HELP,
    expose_value=False,
    callback=_remember_config,
)


@click.group()
@click.option("--config", "config", type=click.Path(dir_okay=False), help=CONFIG_HELP)
@click.pass_context
def main(ctx: click.Context, config: str | None) -> None:
    """OneStop: queue ticketing and counter routing for one-stop service centres."""
    logs.configure()
    ctx.ensure_object(dict)
    ctx.obj["config"] = config


@main.command("init")
@config_option
@click.pass_context
def init_command(ctx: click.Context) -> None:
    """Create or upgrade the database, then exit."""
    app = _app(_settings(ctx))
    click.echo(f"database ready: {_state(app).db.url.render_as_string(hide_password=True)}")


@main.command("run")
@config_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=100, show_default=True, type=int, help="worker threads")
@click.pass_context
def run_command(ctx: click.Context, host: str, port: int, threads: int) -> None:
    """Serve the whole app from one process; creates or upgrades the database first."""
    from onestop.server import serve

    serve(_app(_settings(ctx)), host, port, threads)


@main.command("demo")
@config_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=100, show_default=True, type=int, help="worker threads")
@click.option(
    "--history-days",
    default=0,
    show_default=True,
    type=click.IntRange(0, 400),
    help="simulate this many past days into the database, for the reports",
)
@click.pass_context
def demo_command(ctx: click.Context, host: str, port: int, threads: int, history_days: int) -> None:
    """Serve a fresh demo database with demo staff, and print their logins and a kiosk key."""
    from onestop.demo import DEMO_PASSWORD, seed_demo
    from onestop.server import serve

    settings = _settings(ctx)
    if not settings.database_url:
        demo_db = settings.config.resolve().parent / "onestop-demo.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{demo_db}{suffix}").unlink(missing_ok=True)
        settings = settings.model_copy(update={"database_url": f"sqlite:///{demo_db}"})
    app = _app(settings)
    state = _state(app)
    with state.db.session(write=True) as session:
        logins, key = seed_demo(session, state.centre.config)
    if history_days:
        from onestop.history import fill_history

        centre = state.centre
        today = centre.calendar.local_day(centre.clock.now())
        with state.db.session(write=True) as session:
            written = fill_history(session, centre.config, history_days, today)
        click.echo(f"Simulated {history_days} past days: {written} tickets.")
    click.echo(f"Demo staff (password '{DEMO_PASSWORD}'):")
    for login in logins:
        click.echo(f"  {login.username:<12} {login.role:<9} {login.note}")
    click.echo(f"Open http://{host}:{port}/ — kiosk key:")
    click.echo(key)
    serve(app, host, port, threads)


@main.group("user")
def user_group() -> None:
    """Staff accounts."""


@user_group.command("add")
@config_option
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["agent", "mediator", "manager", "admin"]))
@click.option("--services", default="", help="service codes, comma-separated")
@click.option("--languages", default="", help="language codes, comma-separated")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@click.pass_context
def user_add(
    ctx: click.Context, name: str, role: str, services: str, languages: str, password_stdin: bool
) -> None:
    """Create a staff account."""
    app = _app(_settings(ctx))
    state = _state(app)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with state.db.session(write=True) as session:
            staff = add_staff(
                session,
                state.centre.config,
                name,
                password,
                role,
                _codes(services),
                _codes(languages),
            )
    except DomainError as error:
        raise click.UsageError(error.message) from None
    except IntegrityError:
        raise click.UsageError(f"a user named {name!r} exists already") from None
    click.echo(f"added {staff.role} {staff.username}")


@user_group.command("list")
@config_option
@click.pass_context
def user_list(ctx: click.Context) -> None:
    """Every staff account: role, whether it may sign in, services and languages."""
    state = _state(_app(_settings(ctx)))
    with state.db.session(write=False) as session:
        members = staff_members(session, state.centre.config)
    click.echo(f"{'USERNAME':<20} {'ROLE':<9} {'STATE':<9} {'SERVICES':<40} LANGUAGES")
    for staff in members:
        click.echo(
            f"{staff.username:<20} {staff.role:<9} "
            f"{'active' if staff.active else 'disabled':<9} "
            f"{','.join(staff.services) or '-':<40} {','.join(staff.languages) or '-'}"
        )


@user_group.command("set-password")
@config_option
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@click.pass_context
def user_set_password(ctx: click.Context, name: str, password_stdin: bool) -> None:
    """Give an account a new password; its open sessions end."""
    state = _state(_app(_settings(ctx)))
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    with _editing(state, name) as (session, staff):
        set_password(staff, password)
        record_change(session, state.centre.config, "password_set", None, user=name)
    click.echo(f"new password set for {name}")


@user_group.command("disable")
@config_option
@click.argument("name")
@click.pass_context
def user_disable(ctx: click.Context, name: str) -> None:
    """Stop an account from signing in; its open sessions end. Its history stays."""
    _set_active(ctx, name, active=False)


@user_group.command("enable")
@config_option
@click.argument("name")
@click.pass_context
def user_enable(ctx: click.Context, name: str) -> None:
    """Let a disabled account sign in again."""
    _set_active(ctx, name, active=True)


def _set_active(ctx: click.Context, name: str, *, active: bool) -> None:
    state = _state(_app(_settings(ctx)))
    with _editing(state, name) as (session, staff):
        staff.active = active
        if not active:
            leave_all(SqlStore(session, state.centre.code), state.centre, staff)
        kind = "staff_enabled" if active else "staff_disabled"
        record_change(session, state.centre.config, kind, None, user=name)
    click.echo(f"{'enabled' if active else 'disabled'} {name}")


@user_group.command("skills")
@config_option
@click.argument("name")
@click.option("--services", default=None, help="service codes, comma-separated ('' for none)")
@click.option("--languages", default=None, help="language codes, comma-separated")
@click.pass_context
def user_skills(ctx: click.Context, name: str, services: str | None, languages: str | None) -> None:
    """Show, or replace, the services a person serves and the languages they speak."""
    state = _state(_app(_settings(ctx)))
    with _editing(state, name) as (session, staff):
        set_skills(
            state.centre.config,
            staff,
            None if services is None else _codes(services),
            None if languages is None else _codes(languages),
        )
        if services is not None or languages is not None:
            record_change(
                session,
                state.centre.config,
                "skills_changed",
                None,
                user=name,
                services=staff.services,
                languages=staff.languages,
            )
        shown = (",".join(staff.services) or "-", ",".join(staff.languages) or "-")
    click.echo(f"{name}: services {shown[0]}; languages {shown[1]}")


@contextmanager
def _editing(state: OneStop, name: str) -> Iterator[tuple[Session, Staff]]:
    """One account, changed in one transaction; a refusal is a usage error."""
    try:
        with state.db.session(write=True) as session:
            yield session, find_staff(session, state.centre.config, name)
    except DomainError as error:
        raise click.UsageError(error.message) from None


@main.group("device")
def device_group() -> None:
    """Kiosks and other devices."""


@device_group.command("add")
@config_option
@click.argument("name")
@click.option("--kind", required=True, type=click.Choice(["kiosk"]))
@click.pass_context
def device_add(ctx: click.Context, name: str, kind: str) -> None:
    """Register a device; its key is the last line printed (only its hash is kept)."""
    app = _app(_settings(ctx))
    state = _state(app)
    try:
        with state.db.session(write=True) as session:
            key = add_device(session, state.centre.config, name, kind)
    except IntegrityError:
        raise click.UsageError(f"a device named {name!r} exists already") from None
    click.echo(f"added {kind} {name}; its key:")
    click.echo(key)


@main.command("check-config")
@config_option
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@click.pass_context
def check_config(ctx: click.Context, path: str | None) -> None:
    """Validate a config; print every problem with its place in the file; exit 1 if invalid."""
    target = Path(path) if path else _settings(ctx).config
    try:
        config = load_config(target)
    except ConfigError as error:
        for problem in error.problems:
            click.echo(str(problem))
        click.echo(f"{len(error.problems)} problem(s) in {target}", err=True)
        sys.exit(1)
    click.echo(
        f"{target}: ok — {len(config.services)} services, {len(config.counters)} counters, "
        f"{len(config.languages)} languages"
    )


def _codes(text: str) -> list[str]:
    return [code.strip() for code in text.split(",") if code.strip()]


def _config(ctx: click.Context) -> CentreConfig:
    path = _settings(ctx).config
    try:
        return load_config(path)
    except ConfigError as error:
        click.echo(str(error), err=True)
        sys.exit(1)


@main.command("simulate")
@click.option("--days", default=30, show_default=True, type=click.IntRange(min=1))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--visitors", default=750, show_default=True, type=click.IntRange(min=1))
@click.option("--json", "as_json", is_flag=True, help="print API.md's JSON instead of a table")
@click.pass_context
def simulate_command(
    ctx: click.Context, days: int, seed: int, visitors: int, as_json: bool
) -> None:
    """Replay simulated days through the router, every policy on the same visitors."""
    from routing.simulator import simulate

    report = simulate(_config(ctx), days=days, seed=seed, visitors=visitors)
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(
        f"{days} simulated day(s), {visitors} visitors a day, seed {seed}; waits in minutes "
        "(tickets still waiting at closing count until closing)"
    )
    header = (
        "policy",
        "mean",
        "p95",
        "max",
        "day max",
        "in target",
        "priority",
        "mediated",
        "est rmse",
    )
    click.echo("{:<32} {:>6} {:>6} {:>6} {:>8} {:>9} {:>8} {:>8} {:>8}".format(*header))
    for row in report["policies"] + report["mediator_blind"]:
        click.echo(
            f"{row['name']:<32} {row['mean_wait_min']:>6.1f} {row['p95_wait_min']:>6.1f} "
            f"{row['max_wait_min']:>6.1f} {row['mean_daily_max_wait_min']:>8.1f} "
            f"{row['within_target_pct']:>8.1f}% {row['priority_mean_wait_min']:>8.1f} "
            f"{row['mediated_mean_wait_min']:>8.1f} {row['estimate_rel_rmse']:>8.2f}"
        )
    bound = report["pooled_bound"]
    click.echo(
        f"{'pooled bound (one FIFO queue)':<32} {bound['mean_wait_min']:>6.1f} "
        f"{bound['p95_wait_min']:>6.1f} {bound['max_wait_min']:>6.1f} "
        f"{bound['mean_daily_max_wait_min']:>8.1f}"
    )
    click.echo("\nmean wait per service:")
    names = [row["name"] for row in report["policies"]]
    click.echo(f"{'service':<28}" + "".join(f"{name:>19}" for name in names))
    for code in report["policies"][0]["service_mean_wait_min"]:
        means = [row["service_mean_wait_min"].get(code, 0.0) for row in report["policies"]]
        click.echo(f"{code:<28}" + "".join(f"{mean:>19.1f}" for mean in means))


@main.command("staffing")
@click.option(
    "--target",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="minutes within which visitors should be called",
)
@click.option(
    "--level",
    default=80.0,
    show_default=True,
    type=click.FloatRange(1, 99.9),
    help="percent of visitors to call within the target",
)
@click.option("--visitors", default=750, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--from-db",
    "from_db",
    is_flag=True,
    help="plan from the tickets stored in the database, weekday by weekday, not the model",
)
@click.option(
    "--from",
    "first",
    type=click.DateTime(["%Y-%m-%d"]),
    help="with --from-db: the first local day to read (default: 28 days before --to)",
)
@click.option(
    "--to",
    "last",
    type=click.DateTime(["%Y-%m-%d"]),
    help="with --from-db: the last local day to read (default: yesterday)",
)
@click.pass_context
def staffing_command(
    ctx: click.Context,
    target: float,
    level: float,
    visitors: int,
    from_db: bool,
    first: dt.datetime | None,
    last: dt.datetime | None,
) -> None:
    """Counters needed per hour for the reference day model (or, with --from-db, for the
    days recorded in the database), beside those the config staffs."""
    from routing.daymodel import DayModel
    from routing.staffing import model_profile, staffing_plan

    if not from_db:
        config = _config(ctx)
        plan = staffing_plan(
            config, model_profile(DayModel(config, visitors_per_day=visitors)), target, level / 100
        )
        click.echo(
            f"{visitors} visitors a day; {level:g}% called within {target:g} min; Erlang C with "
            "every counter serving every service (a lower bound for counters bound to services)"
        )
        _print_plan(plan)
        return
    _recorded_staffing(ctx, target, level / 100, first, last)


def _recorded_staffing(
    ctx: click.Context,
    target: float,
    level: float,
    first: dt.datetime | None,
    last: dt.datetime | None,
) -> None:
    from routing.staffing import recorded_profiles, staffing_plan
    from routing.store.sql import SqlStore

    state = _state(_app(_settings(ctx)))
    centre = state.centre
    calendar = centre.calendar
    to_day = last.date() if last else calendar.local_day(centre.clock.now()) - dt.timedelta(days=1)
    from_day = first.date() if first else to_day - dt.timedelta(days=27)
    if from_day > to_day:
        click.echo("--from must not come after --to", err=True)
        sys.exit(2)
    start = calendar.at(from_day, dt.time())
    stop = calendar.at(to_day + dt.timedelta(days=1), dt.time())
    with state.db.session(write=False) as session:
        arrivals = SqlStore(session, centre.code).arrivals_between(start, stop)
    profiles = recorded_profiles(centre.config, arrivals, from_day, to_day)
    click.echo(
        f"{len(arrivals)} tickets issued {from_day} to {to_day}, per open day of each weekday; "
        f"{level * 100:g}% called within {target:g} min; Erlang C with every counter serving "
        "every service (a lower bound for counters bound to services)"
    )
    for weekday, profile in profiles.items():
        click.echo(f"\n{weekday}")
        _print_plan(staffing_plan(centre.config, profile, target, level))


def _print_plan(plan: list[PlanRow]) -> None:
    click.echo(
        "{:<13} {:>8} {:>8} {:>8} {:>7} {:>7} {:>8}".format(
            "hour", "arrivals", "service", "Erlangs", "needed", "sqrt", "staffed"
        )
    )
    for row in plan:
        slot = row.slot
        flag = "  short" if row.short else ""
        click.echo(
            f"{slot.start:%H:%M}-{slot.end:%H:%M}   {slot.arrivals:>8.1f} "
            f"{slot.mean_service_min:>8.1f} {slot.load:>8.1f} {row.needed:>7d} "
            f"{row.square_root:>7d} {row.staffed:>8.1f}{flag}"
        )


def _database_url(ctx: click.Context) -> str:
    settings = _settings(ctx)
    return settings.database(_config(ctx).database)


@main.command("backup")
@config_option
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def backup_command(ctx: click.Context, target: Path) -> None:
    """Copy the SQLite database to TARGET while the server runs (SQLite's online backup)."""
    from onestop import backup

    try:
        tickets = backup.backup(_database_url(ctx), target)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"backed up {tickets} ticket(s) to {target}")


@main.command("restore")
@config_option
@click.argument("source", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
@click.pass_context
def restore_command(ctx: click.Context, source: Path, yes: bool) -> None:
    """Replace the SQLite database with the backup SOURCE. Stop every server first."""
    from onestop import backup
    from onestop.db import Database

    url = _database_url(ctx)
    if not yes:
        click.confirm(f"Replace the database with {source}? Stop every server first", abort=True)
    try:
        tickets = backup.restore(source, url)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    db = Database(url)
    db.upgrade()
    db.dispose()
    click.echo(f"restored {tickets} ticket(s) from {source}")
