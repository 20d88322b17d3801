"""`GET /api/openapi.json`: the API described from the app's own routes and request models.

The url_map says which endpoints exist; `OPERATIONS` adds what a route cannot tell (summary,
request body, answers, who may call it). Request bodies are the rooms' own pydantic `Body`
models, found by name in the module of the view that reads them, so the shell imports no room
and a described body is the one that validates. A route missing from `OPERATIONS` is left out,
and `tests/onestop/test_openapi.py` fails until it is described.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any, Literal

from flask import Blueprint, Flask, current_app, jsonify
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema
from werkzeug.routing import Rule

from onestop.auth import ROLES
from routing.states import Priority, TicketState

bp = Blueprint("openapi", __name__, url_prefix="/api")

REF = "#/components/schemas/{model}"
#: a model and its mode -> the reference to its schema in the components
Refs = dict[tuple[type[BaseModel], Literal["validation", "serialization"]], dict[str, Any]]
_ARGUMENT = re.compile(r"<(?:(?P<converter>[^:<>]+):)?(?P<name>\w+)>")
_TYPES = {"int": "integer", "float": "number"}


# The JSON shapes the API answers with (onestop/payloads.py builds them).
class ErrorDetail(BaseModel):
    code: str = Field(description="stable and machine-readable: invalid, unauthorized, closed, …")
    message: str = Field(description="for people; may change")


class Error(BaseModel):
    error: ErrorDetail


class Language(BaseModel):
    code: str
    name: str
    dir: Literal["ltr", "rtl"]
    kiosk: bool


class Service(BaseModel):
    code: str
    prefix: str
    body: str
    name: str
    accepting: bool
    reason: Literal["closed", "service_closed", "cutoff", "daily_cap"] | None
    retry_at: dt.datetime | None
    waiting: int
    estimated_wait_min: float | None
    priority_exempt: bool


class Ticket(BaseModel):
    id: int
    number: str = Field(description="the service's prefix and at least three digits: A001")
    service: str
    language: str
    priority: Priority | None
    mediator: bool
    state: TicketState
    position: int | None = Field(description="1 for the next to be called; null once called")
    estimated_wait_min: float | None
    issued_at: dt.datetime
    called_at: dt.datetime | None
    counter: str | None = Field(description="the counter's name once called")
    recalls: int
    transfers: int
    token: str = Field(description="unguessable; names the ticket on the visitor's phone")
    status_url: str


class TicketStatus(BaseModel):
    number: str
    service: str
    state: TicketState
    position: int | None
    estimated_wait_min: float | None
    counter: str | None


class Counter(BaseModel):
    id: int
    name: str
    kind: Literal["counter", "mediator"]
    zone: str
    state: Literal["closed", "open", "paused", "calling", "serving"]
    staff: str | None
    services: list[str]
    pause_reason: str | None


class QueueService(BaseModel):
    code: str
    waiting: int
    oldest_wait_min: float
    estimated_wait_min: float | None


class Queue(BaseModel):
    services: list[QueueService]


class CounterQueueService(BaseModel):
    code: str
    waiting: int
    callable: int = Field(description="how many of them the counter's holder may call")
    oldest_wait_min: float
    estimated_wait_min: float | None


class MediatedWaiting(BaseModel):
    language: str
    waiting: int


class CounterQueue(BaseModel):
    services: list[CounterQueueService] = Field(description="the counter's services, in order")
    sent_here: int = Field(description="tickets transferred to this very counter")
    callable: int = Field(description="tickets the holder may call now, in all")
    mediated: list[MediatedWaiting] = Field(
        description="tickets needing mediation the holder may call, by language"
    )


class CounterSnapshot(BaseModel):
    counter: Counter
    ticket: Ticket | None = Field(description="the called or serving ticket, if any")
    queue: CounterQueue = Field(description="counts only: no visitor's data")
    no_show_after_recalls: int = Field(description="the console offers no-show after these")


class Day(BaseModel):
    day: str = Field(description="the centre's local date, YYYY-MM-DD")
    served: int
    no_show: int
    transferred: int
    mean_service_min: float | None
    paused_min: float = Field(description="time paused (breaks) today")


class StaffMember(BaseModel):
    username: str
    role: Literal[ROLES]


class LoggedOut(BaseModel):
    ok: bool


class PrinterState(BaseModel):
    kiosk: str
    kind: str
    state: str
    code: str | None
    error: str | None
    since: str | None
    last_printed_at: str | None
    printed: int
    failed: int


class PairedKiosk(BaseModel):
    name: str
    printer: PrinterState


class Receipt(BaseModel):
    result: Literal["printed", "fault", "none", "pending"]
    code: str | None


class MediationRequest(BaseModel):
    id: int
    language: str
    state: Literal["waiting", "accepted", "done", "cancelled"]
    counter: str
    counter_id: int
    mediator_counter: str | None
    requested_at: str
    note: str | None


class MediationRequests(BaseModel):
    requests: list[MediationRequest]


class DisplayCall(BaseModel):
    number: str
    counter: str
    service: str
    language: str
    at: dt.datetime


class Display(BaseModel):
    open: bool
    calls: list[DisplayCall] = Field(description="newest first")
    waiting: dict[str, int] = Field(description="waiting tickets by service code")


class SummaryTotal(BaseModel):
    issued: int
    served: int
    no_show: int
    cancelled: int
    refused: int
    wait_mean_min: float | None
    wait_p90_min: float | None
    within_target_pct: float | None
    service_mean_min: float | None


class SummaryRow(SummaryTotal):
    code: str


class Summary(BaseModel):
    services: list[SummaryRow]
    total: SummaryTotal


class AuditEvent(BaseModel):
    at: dt.datetime
    kind: str = Field(description="issued, called, recalled, started, finished, opened, …")
    ticket: str | None = Field(description="the ticket's number, when the event is a ticket's")
    service: str | None
    counter: str | None = Field(description="the counter's name")
    staff: str | None = Field(description="the username of who did it, if a person did")
    device: str | None = Field(description="the kiosk that issued the ticket, on `issued`")
    data: dict[str, Any]


class AuditTrail(BaseModel):
    events: list[AuditEvent]
    truncated: bool = Field(description="true past 5000 events: the CSV has them all")


@dataclass(frozen=True)
class Operation:
    """What a route cannot say about itself."""

    summary: str
    answer: type[BaseModel] | None = None
    many: bool = False
    status: int = 200
    #: the name of the view module's `Body` model the call reads, if it reads one
    body: str | None = None
    auth: Literal["kiosk", "staff"] | None = None
    #: further answers, by status: what they mean (error codes named)
    answers: dict[int, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    media: str = "application/json"
    database: bool = True


_COUNTER = {404: "not_found: no such counter"}
_AUDIT_QUERY = {
    "from": "first local day, YYYY-MM-DD (default today)",
    "to": "last local day, YYYY-MM-DD (default today; at most 366 days after from)",
    "ticket": "only this ticket number, e.g. A001",
}
_AUDIT_REFUSED = {422: "invalid: a malformed day or ticket number, or a span over 366 days"}
_RANGE_REFUSED = {
    422: "invalid: a malformed day, a range that ends before it starts, or a bad `by`"
}
_HELD = {**_COUNTER, 409: "no_ticket: the counter holds no called or serving ticket"}
_SEATED = "Agents and mediators, at a counter they hold."

#: every /api endpoint, by method and OpenAPI path (API.md is the contract they follow)
OPERATIONS: dict[tuple[str, str], Operation] = {
    ("GET", "/api/openapi.json"): Operation("This description.", database=False),
    ("GET", "/api/languages"): Operation("The centre's languages.", Language, many=True),
    ("GET", "/api/services"): Operation(
        "The services, whether they accept tickets now, and the expected wait.",
        Service,
        many=True,
        query={"lang": "language code of the names (default pt)"},
    ),
    ("POST", "/api/tickets"): Operation(
        "Issue a ticket (a kiosk).",
        Ticket,
        status=201,
        body="TicketRequest",
        auth="kiosk",
        answers={
            409: "closed, service_closed, cutoff or daily_cap: no ticket now (recorded)",
            429: "rate_limited: too many tickets from this kiosk",
        },
    ),
    ("GET", "/api/tickets/{token}"): Operation(
        "A ticket's status, for the visitor's phone.",
        TicketStatus,
        answers={404: "not_found: no such ticket"},
    ),
    ("POST", "/api/tickets/{token}/cancel"): Operation(
        "The visitor gives up their place.",
        TicketStatus,
        body="Body",
        answers={404: "not_found: no such ticket", 409: "invalid_state: no longer waiting"},
    ),
    ("GET", "/api/kiosk/device"): Operation(
        "Which kiosk a key belongs to, and its printer: the pairing page checks keys with it.",
        PairedKiosk,
        auth="kiosk",
    ),
    ("POST", "/api/kiosk/receipts"): Operation(
        "Print the receipt of a ticket this kiosk issued; answers within 2 s whatever the "
        "printer does.",
        Receipt,
        body="ReceiptRequest",
        auth="kiosk",
        answers={404: "not_found: this kiosk issued no such ticket", 429: "rate_limited"},
    ),
    ("GET", "/api/printers"): Operation(
        "Every configured kiosk printer, with its last fault, whichever process printed. "
        "Managers and admins.",
        PrinterState,
        many=True,
        auth="staff",
    ),
    ("POST", "/api/login"): Operation(
        "Sign in; sets the session cookie.",
        StaffMember,
        body="Credentials",
        answers={
            401: "unauthorized: wrong username or password",
            429: "rate_limited: too many failed sign-ins for this account or address; wait",
        },
    ),
    ("POST", "/api/logout"): Operation("Sign out.", LoggedOut),
    ("GET", "/api/me"): Operation("Who is signed in.", StaffMember, auth="staff"),
    ("GET", "/api/counters"): Operation(
        "Every counter and its state.", Counter, True, auth="staff"
    ),
    ("GET", "/api/queue"): Operation("Waiting tickets per service.", Queue, auth="staff"),
    ("GET", "/api/counters/{counter_id}"): Operation(
        "One counter as its console shows it: state, current ticket, its queue. "
        "Its holder, managers and admins.",
        CounterSnapshot,
        auth="staff",
        answers=_COUNTER,
    ),
    ("GET", "/api/me/day"): Operation(
        "The signed-in person's day so far: served, no-shows, transfers, mean service time, "
        "breaks.",
        Day,
        auth="staff",
    ),
    ("POST", "/api/counters/{counter_id}/open"): Operation(
        f"Take and open a counter. {_SEATED}",
        Counter,
        body="Body",
        auth="staff",
        answers={**_COUNTER, 409: "counter_taken: another person holds it"},
    ),
    ("POST", "/api/counters/{counter_id}/pause"): Operation(
        f"Pause, with an optional reason. {_SEATED}",
        Counter,
        body="PauseRequest",
        auth="staff",
        answers={**_COUNTER, 409: "counter_closed or counter_busy"},
    ),
    ("POST", "/api/counters/{counter_id}/resume"): Operation(
        f"Resume after a pause. {_SEATED}",
        Counter,
        body="Body",
        auth="staff",
        answers={**_COUNTER, 409: "counter_closed"},
    ),
    ("POST", "/api/counters/{counter_id}/close"): Operation(
        f"Close the counter and let it go. {_SEATED}",
        Counter,
        body="Body",
        auth="staff",
        answers={**_COUNTER, 409: "counter_busy"},
    ),
    ("POST", "/api/counters/{counter_id}/next"): Operation(
        f"Call the next ticket the router picks. {_SEATED}",
        Ticket,
        body="Body",
        auth="staff",
        answers={
            204: "nobody this counter may serve is waiting",
            **_COUNTER,
            409: "counter_busy (a ticket is still called or serving) or counter_closed",
        },
    ),
    ("POST", "/api/counters/{counter_id}/recall"): Operation(
        f"Announce the called ticket again. {_SEATED}",
        Ticket,
        body="Body",
        auth="staff",
        answers=_HELD,
    ),
    ("POST", "/api/counters/{counter_id}/start"): Operation(
        f"The visitor came: start serving. {_SEATED}",
        Ticket,
        body="Body",
        auth="staff",
        answers=_HELD,
    ),
    ("POST", "/api/counters/{counter_id}/finish"): Operation(
        f"Done. {_SEATED}", Ticket, body="Body", auth="staff", answers=_HELD
    ),
    ("POST", "/api/counters/{counter_id}/no-show"): Operation(
        f"The called visitor did not come. {_SEATED}",
        Ticket,
        body="Body",
        auth="staff",
        answers=_HELD,
    ),
    ("POST", "/api/counters/{counter_id}/transfer"): Operation(
        "Send the ticket to another service or counter; it keeps its number and arrival. "
        + _SEATED,
        Ticket,
        body="TransferRequest",
        auth="staff",
        answers=_HELD,
    ),
    ("POST", "/api/counters/{counter_id}/mediator"): Operation(
        f"Ask for a mediator in a language; free mediators who speak it are told. {_SEATED}",
        MediationRequest,
        status=201,
        body="MediatorRequest",
        auth="staff",
        answers={**_COUNTER, 409: "already_requested or counter_closed"},
    ),
    ("GET", "/api/mediation"): Operation(
        "Open mediation requests: a mediator's to take, or the asking agent's own.",
        MediationRequests,
        auth="staff",
    ),
    ("POST", "/api/mediation/{request_id}/accept"): Operation(
        "A free mediator takes the request. Mediators at an open mediator counter.",
        MediationRequest,
        body="Body",
        auth="staff",
        answers={404: "not_found", 409: "request_taken or counter_busy"},
    ),
    ("POST", "/api/mediation/{request_id}/done"): Operation(
        "The mediator is done and returns to the pool.",
        MediationRequest,
        body="Body",
        auth="staff",
        answers={404: "not_found"},
    ),
    ("POST", "/api/mediation/{request_id}/cancel"): Operation(
        "The asking agent no longer needs a mediator.",
        MediationRequest,
        body="Body",
        auth="staff",
        answers={404: "not_found", 409: "invalid_state: already done or cancelled"},
    ),
    ("GET", "/api/display/{zone}"): Operation(
        "A waiting-room screen's snapshot: recent calls and waiting per service (public data).",
        Display,
        answers={404: "not_found: no such zone"},
    ),
    ("GET", "/api/reports/summary"): Operation(
        "Per-service figures over local days. Managers and admins.",
        Summary,
        auth="staff",
        query={"from": "first local day, YYYY-MM-DD", "to": "last local day, YYYY-MM-DD"},
        answers=_RANGE_REFUSED,
    ),
    ("GET", "/api/reports/summary.csv"): Operation(
        "The summary's rows as CSV with a header line. Managers and admins.",
        auth="staff",
        query={"from": "first local day, YYYY-MM-DD", "to": "last local day, YYYY-MM-DD"},
        media="text/csv",
        answers=_RANGE_REFUSED,
    ),
    ("GET", "/api/reports/floor"): Operation(
        "The floor now: waiting per service against its target, the longest wait, every "
        "counter with its state and staff, open mediation requests, today's refusals. "
        "Managers and admins.",
        auth="staff",
    ),
    ("GET", "/api/audit"): Operation(
        "The audit trail: every event of the local days asked (today by default), oldest "
        "first, with who did it (staff or kiosk), at which counter, to which ticket. "
        "Managers and admins.",
        AuditTrail,
        auth="staff",
        query=_AUDIT_QUERY,
        answers=_AUDIT_REFUSED,
    ),
    ("GET", "/api/audit.csv"): Operation(
        "The audit trail's events as CSV with a header line, without a row limit. "
        "Managers and admins.",
        auth="staff",
        query=_AUDIT_QUERY,
        media="text/csv",
        answers=_AUDIT_REFUSED,
    ),
}
_RANGE = {"from": "first local day, YYYY-MM-DD", "to": "last local day, YYYY-MM-DD"}
#: the reports over a range of local days (reports/api.py): each as JSON and as CSV
_REPORTS = {
    "breakdown": (
        "Every figure (issued, served, no-show, cancelled, refused by reason, wait mean, "
        "median and p90, within target, service mean, transfers) per service, local hour of "
        "issue or weekday, and the total",
        {**_RANGE, "by": "service (default), hour or weekday"},
    ),
    "estimates": (
        "The wait estimated at issue against the wait that followed, per service",
        _RANGE,
    ),
    "staff": ("Per staff member: served, no-shows, mean service, break and idle minutes", _RANGE),
    "mediation": ("Mediator demand by language: tickets and requests from counters", _RANGE),
    "heatmap": ("Tickets issued per local weekday and hour", _RANGE),
    "staffing": (
        "Counters needed per hour (Erlang C on the arrivals) beside those staffed",
        _RANGE,
    ),
    "national": ("The summary per centre in the database, and the total. Admins only", _RANGE),
}
for _name, (_summary, _query) in _REPORTS.items():
    _who = "" if _name == "national" else " Managers and admins."
    OPERATIONS["GET", f"/api/reports/{_name}"] = Operation(
        f"{_summary}.{_who}", auth="staff", query=_query, answers=_RANGE_REFUSED
    )
    OPERATIONS["GET", f"/api/reports/{_name}.csv"] = Operation(
        f"The same as CSV with a header line.{_who}",
        auth="staff",
        query=_query,
        media="text/csv",
        answers=_RANGE_REFUSED,
    )

SECURITY_SCHEMES = {
    "kiosk": {
        "type": "http",
        "scheme": "bearer",
        "description": "a kiosk's key, from `onestop device add NAME --kind kiosk`",
    },
    "staff": {
        "type": "apiKey",
        "in": "cookie",
        "name": "session",
        "description": "the session cookie set by POST /api/login",
    },
}

#: the answers every call may give, besides its own
ERRORS = {
    401: "unauthorized: no or bad credentials",
    403: "forbidden: this role or person may not do it",
    413: "too_large: the body is over 64 KiB",
    415: "unsupported_media_type: send Content-Type: application/json",
    422: "invalid: the body or a code in it is wrong; the message names every problem",
    500: "internal: an unexpected fault, logged on the server",
    503: "unavailable: the database cannot be reached; try again",
}

#: every answer's model, so each is in the components even before its endpoint exists
RESPONSES = (
    Error,
    Language,
    Service,
    Ticket,
    TicketStatus,
    Counter,
    Queue,
    CounterSnapshot,
    Day,
    StaffMember,
    LoggedOut,
    MediationRequest,
    MediationRequests,
    PairedKiosk,
    Receipt,
    PrinterState,
    Display,
    Summary,
    AuditTrail,
)


@bp.get("/openapi.json")
def openapi_json() -> Any:
    return jsonify(describe(current_app))


def describe(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document of `app`'s described /api routes."""
    found: list[tuple[Rule, str, Operation]] = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        for method in _methods(rule):
            operation = OPERATIONS.get((method, openapi_path(rule)))
            if operation is not None:
                found.append((rule, method, operation))
    bodies = {
        (rule.endpoint, op.body): _body_model(app, rule, op.body)
        for rule, _, op in found
        if op.body
    }
    inputs = [(model, "validation") for model in bodies.values()]
    outputs = [(model, "serialization") for model in RESPONSES]
    refs, schemas = models_json_schema([*inputs, *outputs], ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for rule, method, op in found:
        body = bodies.get((rule.endpoint, op.body))
        paths.setdefault(openapi_path(rule), {})[method.lower()] = _operation(
            rule, method, op, refs[(body, "validation")] if body else None, refs
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "OneStop",
            "version": version("onestop"),
            "description": (
                "Queue ticketing for a one-stop service centre. State-changing calls send "
                "`Content-Type: application/json` (`{}` when nothing else is needed). Every "
                'error is `{"error": {"code", "message"}}`. Times are ISO 8601 with offset; '
                "durations are minutes. The live feed (Socket.IO) is described in API.md."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


def openapi_path(rule: Rule) -> str:
    """`/api/counters/<int:counter_id>/open` as `/api/counters/{counter_id}/open`."""
    return _ARGUMENT.sub(lambda match: "{" + match["name"] + "}", rule.rule)


def _methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def _body_model(app: Flask, rule: Rule, name: str) -> type[BaseModel]:
    view = app.view_functions[rule.endpoint]
    return getattr(sys.modules[view.__module__], name)


def _operation(
    rule: Rule, method: str, op: Operation, body: dict[str, Any] | None, refs: Refs
) -> dict[str, Any]:
    described: dict[str, Any] = {
        "operationId": rule.endpoint
        if len(_methods(rule)) == 1
        else f"{rule.endpoint}_{method.lower()}",
        "summary": op.summary,
        "responses": _responses(op, refs),
    }
    parameters = [
        {"name": m["name"], "in": "path", "required": True, "schema": _path_schema(m)}
        for m in _ARGUMENT.finditer(rule.rule)
    ]
    parameters += [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": text,
            "schema": {"type": "string"},
        }
        for name, text in op.query.items()
    ]
    if parameters:
        described["parameters"] = parameters
    if body is not None:
        described["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body}},
        }
    if op.auth:
        described["security"] = [{op.auth: []}]
    return described


def _path_schema(match: re.Match[str]) -> dict[str, str]:
    converter = (match["converter"] or "string").split("(")[0]
    return {"type": _TYPES.get(converter, "string")}


def _responses(op: Operation, refs: Refs) -> dict[str, Any]:
    success: dict[str, Any] = {"description": "done"}
    if op.answer is not None:
        schema: dict[str, Any] = refs[(op.answer, "serialization")]
        if op.many:
            schema = {"type": "array", "items": schema}
        success["content"] = {op.media: {"schema": schema}}
    else:
        success["content"] = {
            op.media: {"schema": {"type": "object" if "json" in op.media else "string"}}
        }
    statuses = {op.status: success}
    errors = {500: ERRORS[500]}
    if op.database:
        errors[503] = ERRORS[503]
    if op.body:
        errors.update({status: ERRORS[status] for status in (413, 415, 422)})
    if op.auth:
        errors[401] = ERRORS[401]
    if op.auth == "staff":
        errors[403] = ERRORS[403]
    errors.update(op.answers)
    for status, text in sorted(errors.items()):
        if status < 400:
            statuses[status] = {"description": text}
        else:
            statuses[status] = {
                "description": text,
                "content": {"application/json": {"schema": refs[(Error, "serialization")]}},
            }
    return {str(status): answer for status, answer in sorted(statuses.items())}
