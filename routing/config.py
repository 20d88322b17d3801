"""The centre's configuration: typed, validated, and every problem located in the file.

`load_config` is the only way in. It never returns a half-valid config: it raises
`ConfigError` carrying every problem found, each with its place in the YAML file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    model_validator,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PRIORITY_CLASSES = ("disability", "elderly", "pregnant", "infant")
POLICIES = ("lwwt", "fifo", "strict_priority", "own_service_first")

_SPAN = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


@dataclass(frozen=True)
class Span:
    """Opening hours on one day: `start` inclusive, `end` exclusive, local times."""

    start: dt.time
    end: dt.time

    def __contains__(self, moment: dt.time) -> bool:
        return self.start <= moment < self.end

    def covers(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def _parse_span(value: Any) -> Span | None:
    if value is None or isinstance(value, Span):
        return value
    match = _SPAN.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError('hours must be written "HH:MM-HH:MM", e.g. "08:30-20:00"')
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise ValueError(f"{value!r} is not a time of day")
    end = dt.time.max if h2 == 24 else dt.time(h2, m2)
    if (h1, m1) >= (h2, m2):
        raise ValueError(f"impossible hours {value!r}: opening must come before closing")
    return Span(dt.time(h1, m1), end)


#: "HH:MM-HH:MM", checked where it is written so a problem points at that very line
SpanField = Annotated[
    Span, BeforeValidator(_parse_span), Field(json_schema_extra={"type": "string"})
]
OptionalSpan = Annotated[
    Span | None, BeforeValidator(_parse_span), Field(json_schema_extra={"type": "string"})
]
Code = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=40)]


def _known_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown timezone {name!r}") from error
    return name


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class Holidays(_Model):
    country: str | None = "PT"
    subdivision: str | None = None
    extra: list[dt.date] = []


class CentreInfo(_Model):
    code: Code
    name: str
    timezone: Annotated[str, AfterValidator(_known_timezone)] = "Europe/Lisbon"
    hours: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], SpanField]
    holidays: Holidays = Holidays()
    https: bool = False


class Router(_Model):
    policy: Literal["lwwt", "fifo", "strict_priority", "own_service_first"] = "lwwt"
    recalls_before_no_show: int = Field(2, ge=0, le=10)


class Kiosk(_Model):
    rate_per_minute: int = Field(20, ge=0)
    #: seconds without a touch before the screen goes back to the start
    idle_seconds: int = Field(30, ge=5, le=600)
    #: the address phones reach the centre at, for the QR code; None: the one the kiosk used
    public_url: str | None = None


class Printer(_Model):
    """A kiosk's receipt printer (python-escpos); `none` when it has no printer."""

    kind: Literal["network", "usb", "serial", "file", "none"] = "none"
    host: str | None = None
    port: int = Field(9100, ge=1, le=65535)
    #: the device file of a serial or file printer
    path: str | None = None
    vendor_id: int | None = Field(None, ge=0, le=0xFFFF)
    product_id: int | None = Field(None, ge=0, le=0xFFFF)
    baudrate: int = Field(19200, gt=0)
    #: a python-escpos printer profile, e.g. "TM-T20II"; None: the generic profile
    profile: str | None = None
    #: seconds any one step (connect, send, status answer) may take
    timeout_s: float = Field(3, gt=0, le=30)
    #: ask the printer for its status (paper, cover) before and after each receipt
    check_status: bool = True

    @model_validator(mode="after")
    def _complete(self) -> Printer:
        needs = {
            "network": ("host",),
            "usb": ("vendor_id", "product_id"),
            "serial": ("path",),
            "file": ("path",),
        }
        missing = [name for name in needs.get(self.kind, ()) if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.kind} printer needs {' and '.join(missing)}")
        return self


class KioskDevice(_Model):
    """A kiosk by the name given to `onestop device add`, and what it prints on."""

    name: str = Field(min_length=1, max_length=60)
    printer: Printer = Printer()


class Language(_Model):
    code: Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")]
    name: str
    dir: Literal["ltr", "rtl"] = "ltr"
    kiosk: bool = False


class Body(_Model):
    code: Code
    names: dict[str, str]


class Service(_Model):
    code: Code
    prefix: Annotated[str, Field(pattern=r"^[A-Z]{1,2}$")]
    body: str
    names: dict[str, str]
    target_min: float = Field(30, gt=0)
    priority_target_min: float = Field(10, gt=0)
    mean_service_min: float = Field(gt=0)
    hours: OptionalSpan = None
    daily_cap: int | None = Field(None, ge=1)
    priority_exempt: bool = False


class Zone(_Model):
    code: Code
    name: str


class Counter(_Model):
    id: int = Field(ge=1)
    name: str = Field(min_length=1, max_length=20)
    kind: Literal["counter", "mediator"] = "counter"
    zone: str
    services: list[str] = Field(min_length=1)
    hours: OptionalSpan = None


class CentreConfig(_Model):
    centre: CentreInfo
    router: Router = Router()
    kiosk: Kiosk = Kiosk()
    kiosks: list[KioskDevice] = []
    languages: list[Language] = Field(min_length=1)
    bodies: list[Body] = Field(min_length=1)
    services: list[Service] = Field(min_length=1)
    zones: list[Zone] = Field(min_length=1)
    counters: list[Counter] = Field(min_length=1)
    database: str | None = None
    redis_url: str | None = None

    _services: dict[str, Service] = PrivateAttr(default_factory=dict)
    _counters: dict[int, Counter] = PrivateAttr(default_factory=dict)

    def service(self, code: str) -> Service:
        """The service with this code; `KeyError` when there is none."""
        return self._services[code]

    def kiosk_device(self, name: str) -> KioskDevice:
        """The configured kiosk called `name`; one without a printer when it is not listed."""
        for kiosk in self.kiosks:
            if kiosk.name == name:
                return kiosk
        return KioskDevice(name=name)

    def counter(self, counter_id: int) -> Counter:
        """The counter with this id; `KeyError` when there is none."""
        return self._counters[counter_id]

    @property
    def kiosk_languages(self) -> list[Language]:
        return [language for language in self.languages if language.kiosk]

    @property
    def language_codes(self) -> frozenset[str]:
        return frozenset(language.code for language in self.languages)

    def model_post_init(self, _context: Any) -> None:
        self._services = {service.code: service for service in self.services}
        self._counters = {counter.id: counter for counter in self.counters}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a config, and where."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class ConfigError(Exception):
    """The config cannot be used; `problems` lists every reason, each located."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: {len(problems)} problem(s)\n" + "\n".join(map(str, problems)))


#: a place in the config as pydantic gives it: keys and list indices from the top
Loc = tuple[Any, ...]


def load_config(path: str | Path) -> CentreConfig:
    """Read and validate a config file; raises `ConfigError` listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        message = getattr(error, "strerror", None) or str(error)
        raise ConfigError(path, [Problem(str(path), message)]) from error
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(path, [_yaml_problem(path, error)]) from error
    if not isinstance(data, dict):
        raise ConfigError(path, [Problem(f"{path}:1", "the config must be a mapping")])
    duplicates = list(_duplicate_keys(root))
    try:
        config = CentreConfig.model_validate(data)
    except ValidationError as error:
        found = [(e["loc"], _message(e)) for e in error.errors()]
        found += _cross_check(_Parts.salvage(data))
        raise ConfigError(path, _located(path, root, duplicates, found)) from None
    problems = _located(path, root, duplicates, list(_cross_check(_Parts.of(config))))
    if problems:
        raise ConfigError(path, problems)
    return config


def _located(
    path: Path,
    root: yaml.Node | None,
    placed: list[tuple[Loc, int, str]],
    found: list[tuple[Loc, str]],
) -> list[Problem]:
    """Every problem at its place, in the order of the file."""
    placed = placed + [(loc, _line(root, loc), message) for loc, message in found]
    placed.sort(key=lambda problem: problem[1])
    return [Problem(_where(path, line, loc), message) for loc, line, message in placed]


def _yaml_problem(path: Path, error: yaml.YAMLError) -> Problem:
    """A syntax error at the line where the parser gave up, with what it was reading."""
    mark = getattr(error, "problem_mark", None)
    message = getattr(error, "problem", None) or str(error).splitlines()[0]
    context, context_mark = getattr(error, "context", None), getattr(error, "context_mark", None)
    if context and context_mark:
        message += f" ({context} from line {context_mark.line + 1})"
    elif context:
        message += f" ({context})"
    return Problem(f"{path}:{mark.line + 1}" if mark else str(path), message)


def _duplicate_keys(node: yaml.Node | None, loc: Loc = ()) -> Iterator[tuple[Loc, int, str]]:
    """Keys written twice in one mapping: YAML would silently keep only the last."""
    if isinstance(node, yaml.MappingNode):
        first: dict[str, int] = {}
        for key, value in node.value:
            line = key.start_mark.line + 1
            if key.value in first:
                yield (*loc, key.value), line, f"duplicate key (first at line {first[key.value]})"
            first.setdefault(key.value, line)
            yield from _duplicate_keys(value, (*loc, key.value))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _duplicate_keys(item, (*loc, i))


def _message(error: dict[str, Any]) -> str:
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] in ("missing", "extra_forbidden"):
        return message.lower()
    return f"{message} (got {error['input']!r})"


Item = TypeVar("Item", bound=_Model)


@dataclass(frozen=True)
class _Section(Generic[Item]):
    """The items of one list that passed validation, each with its index in the file."""

    items: list[tuple[int, Item]]
    #: every item passed, so rules that look things up in this section cannot raise false alarms
    complete: bool

    @classmethod
    def of(cls, items: list[Item]) -> _Section[Item]:
        return cls(list(enumerate(items)), True)

    @classmethod
    def salvage(cls, model: type[Item], raw: Any) -> _Section[Item]:
        if not isinstance(raw, list):
            return cls([], False)
        items, complete = [], bool(raw)
        for i, item in enumerate(raw):
            valid, as_written = _salvage(model, item)
            complete = complete and as_written
            if valid is not None:
                items.append((i, valid))
        return cls(items, complete)


def _salvage(model: type[Item], raw: Any) -> tuple[Item | None, bool]:
    """`raw` validated, and whether it passed as written. An item that fails is validated again
    without its faulty fields, their defaults standing in, so that its other fields still take
    part in the cross-checks; None when a required field is among the faulty ones."""
    try:
        return model.model_validate(raw), True
    except ValidationError as error:
        faulty = {e["loc"][0] for e in error.errors() if e["loc"]}
    if not isinstance(raw, dict):
        return None, False
    try:
        return model.model_validate({k: v for k, v in raw.items() if k not in faulty}), False
    except ValidationError:
        return None, False


@dataclass(frozen=True)
class _Parts:
    """What the cross-checks read: a whole valid config, or what survived a failed validation,
    so one run reports type errors and broken references together."""

    centre: CentreInfo | None
    languages: _Section[Language]
    bodies: _Section[Body]
    services: _Section[Service]
    zones: _Section[Zone]
    counters: _Section[Counter]
    kiosks: _Section[KioskDevice]
    #: the codes each list declares, valid items or not: what references are checked against
    codes: dict[str, frozenset[str] | None]

    @classmethod
    def of(cls, config: CentreConfig) -> _Parts:
        return cls(
            config.centre,
            _Section.of(config.languages),
            _Section.of(config.bodies),
            _Section.of(config.services),
            _Section.of(config.zones),
            _Section.of(config.counters),
            _Section.of(config.kiosks),
            {
                "languages": config.language_codes,
                "bodies": frozenset(body.code for body in config.bodies),
                "services": frozenset(service.code for service in config.services),
                "zones": frozenset(zone.code for zone in config.zones),
            },
        )

    @classmethod
    def salvage(cls, data: dict[str, Any]) -> _Parts:
        return cls(
            _salvage(CentreInfo, data.get("centre"))[0],
            _Section.salvage(Language, data.get("languages")),
            _Section.salvage(Body, data.get("bodies")),
            _Section.salvage(Service, data.get("services")),
            _Section.salvage(Zone, data.get("zones")),
            _Section.salvage(Counter, data.get("counters")),
            _Section.salvage(KioskDevice, data.get("kiosks", [])),
            {key: _codes(data.get(key)) for key in ("languages", "bodies", "services", "zones")},
        )


def _codes(raw: Any) -> frozenset[str] | None:
    """The `code` of every item of a raw list; None when some item has none to read."""
    if not isinstance(raw, list):
        return None
    codes = [item.get("code") if isinstance(item, dict) else None for item in raw]
    return frozenset(codes) if all(isinstance(code, str) for code in codes) else None


def _cross_check(parts: _Parts) -> Iterator[tuple[Loc, str]]:
    """The rules that span several parts of the file: references, uniqueness, coverage.

    A rule runs only where it cannot raise a false alarm: references are checked against the
    codes written in the file, even on items that failed validation (a service with a typo in its
    target is not an "unknown service" for its counters), and rules that need whole sections
    (kiosk languages, coverage of services by counters) only when those validated in full.
    """
    languages = parts.languages
    known = parts.codes["languages"] or frozenset()
    kiosk = {language.code for _, language in languages.items if language.kiosk}
    if languages.complete and not kiosk:
        yield ("languages",), "no language is marked kiosk: true"
    yield from _duplicates(languages, "languages", "code")
    yield from _duplicates(parts.bodies, "bodies", "code")
    yield from _duplicates(parts.services, "services", "code")
    yield from _duplicates(parts.services, "services", "prefix")
    yield from _duplicates(parts.zones, "zones", "code")
    yield from _duplicates(parts.counters, "counters", "id")
    yield from _duplicates(parts.kiosks, "kiosks", "name")
    if languages.complete:
        for i, body in parts.bodies.items:
            yield from _names(body.names, kiosk, known, ("bodies", i, "names"))
    bodies, zones, services = (parts.codes[key] for key in ("bodies", "zones", "services"))
    centre_hours = list(parts.centre.hours.values()) if parts.centre else None
    for i, service in parts.services.items:
        if bodies is not None and service.body not in bodies:
            yield ("services", i, "body"), f"unknown body {service.body!r}"
        if languages.complete:
            yield from _names(service.names, kiosk, known, ("services", i, "names"))
        if _outside(centre_hours, service.hours):
            yield ("services", i, "hours"), f"{service.hours} lies outside the centre's hours"
    served: set[str] = set()
    for i, counter in parts.counters.items:
        if zones is not None and counter.zone not in zones:
            yield ("counters", i, "zone"), f"unknown zone {counter.zone!r}"
        for j, code in enumerate(counter.services):
            if services is not None and code not in services:
                yield ("counters", i, "services", j), f"unknown service {code!r}"
        served.update(counter.services)
        if _outside(centre_hours, counter.hours):
            yield ("counters", i, "hours"), f"{counter.hours} lies outside the centre's hours"
    if parts.counters.complete:
        for i, service in parts.services.items:
            if service.code not in served:
                yield ("services", i, "code"), f"no counter serves {service.code!r}"


def _outside(centre_hours: list[Span] | None, span: Span | None) -> bool:
    """Whether `span` fits no day of the centre's (known) hours."""
    if centre_hours is None or span is None:
        return False
    return not any(day.covers(span) for day in centre_hours)


def _duplicates(section: _Section[Any], name: str, key: str) -> Iterator[tuple[Loc, str]]:
    seen: dict[Any, int] = {}
    for i, item in section.items:
        value = getattr(item, key)
        if value in seen:
            yield (name, i, key), f"duplicate {key} {value!r} (first at {name}[{seen[value]}])"
        seen.setdefault(value, i)


def _names(
    names: dict[str, str], kiosk: set[str], known: frozenset[str], loc: Loc
) -> Iterator[tuple[Loc, str]]:
    for code in sorted(kiosk - names.keys()):
        yield loc, f"no name in kiosk language {code!r}"
    for code in sorted(names.keys() - known):
        yield (*loc, code), f"unknown language {code!r}"


def _line(root: yaml.Node | None, loc: Loc) -> int:
    """The line of the YAML node at a pydantic-style location, or of its nearest ancestor."""
    node, line = root, 1
    for part in loc:
        child = _child(node, part)
        if child is None:
            break
        node = child
        line = node.start_mark.line + 1
    return line


def _where(path: Path, line: int, loc: Loc) -> str:
    """`file:line (dotted.path[3])`; pydantic's `[key]` marker (a bad key) is left out."""
    loc = tuple(part for part in loc if part != "[key]")
    dotted = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    return f"{path}:{line} ({dotted or 'top'})"


def _child(node: yaml.Node | None, part: Any) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == str(part):
                return value
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        return node.value[part]
    return None
