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
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
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


def _parse_span(value: Any) -> Span:
    if isinstance(value, Span):
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


SpanField = Annotated[Span, Field(json_schema_extra={"type": "string"})]
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

    @field_validator("hours", mode="before")
    @classmethod
    def _spans(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {day: _parse_span(span) for day, span in value.items()}


class Router(_Model):
    policy: Literal["lwwt", "fifo", "strict_priority", "own_service_first"] = "lwwt"
    recalls_before_no_show: int = Field(2, ge=0, le=10)


class Kiosk(_Model):
    rate_per_minute: int = Field(20, ge=0)


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
    hours: SpanField | None = None
    daily_cap: int | None = Field(None, ge=1)
    priority_exempt: bool = False

    @field_validator("hours", mode="before")
    @classmethod
    def _span(cls, value: Any) -> Any:
        return None if value is None else _parse_span(value)


class Zone(_Model):
    code: Code
    name: str


class Counter(_Model):
    id: int = Field(ge=1)
    name: str = Field(min_length=1, max_length=20)
    kind: Literal["counter", "mediator"] = "counter"
    zone: str
    services: list[str] = Field(min_length=1)
    hours: SpanField | None = None

    @field_validator("hours", mode="before")
    @classmethod
    def _span(cls, value: Any) -> Any:
        return None if value is None else _parse_span(value)


class CentreConfig(_Model):
    centre: CentreInfo
    router: Router = Router()
    kiosk: Kiosk = Kiosk()
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


def load_config(path: str | Path) -> CentreConfig:
    """Read and validate a config file; raises `ConfigError` listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(path, [Problem(str(path), error.strerror or str(error))]) from error
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(path, [Problem(where, str(error).splitlines()[0])]) from error
    if not isinstance(data, dict):
        raise ConfigError(path, [Problem(f"{path}:1", "the config must be a mapping")])
    try:
        config = CentreConfig.model_validate(data)
    except ValidationError as error:
        problems = [Problem(_place(path, root, e["loc"]), _message(e)) for e in error.errors()]
        raise ConfigError(path, problems) from None
    problems = [Problem(_place(path, root, loc), message) for loc, message in _cross_check(config)]
    if problems:
        raise ConfigError(path, problems)
    return config


def _message(error: dict[str, Any]) -> str:
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] in ("missing", "extra_forbidden"):
        return message.lower()
    return f"{message} (got {error['input']!r})"


def _cross_check(config: CentreConfig) -> Iterator[tuple[tuple[Any, ...], str]]:
    """The rules that span several parts of the file: references, uniqueness, coverage."""
    languages = config.language_codes
    kiosk_codes = {language.code for language in config.kiosk_languages}
    if not kiosk_codes:
        yield ("languages",), "no language is marked kiosk: true"
    yield from _duplicates(config.languages, "languages", "code")
    yield from _duplicates(config.bodies, "bodies", "code")
    yield from _duplicates(config.services, "services", "code")
    yield from _duplicates(config.services, "services", "prefix")
    yield from _duplicates(config.zones, "zones", "code")
    yield from _duplicates(config.counters, "counters", "id")
    bodies = {body.code for body in config.bodies}
    for i, body in enumerate(config.bodies):
        yield from _names(body.names, kiosk_codes, languages, ("bodies", i, "names"))
    centre_hours = list(config.centre.hours.values())
    for i, service in enumerate(config.services):
        if service.body not in bodies:
            yield ("services", i, "body"), f"unknown body {service.body!r}"
        yield from _names(service.names, kiosk_codes, languages, ("services", i, "names"))
        if service.hours and not any(day.covers(service.hours) for day in centre_hours):
            yield ("services", i, "hours"), f"{service.hours} lies outside the centre's hours"
    zones = {zone.code for zone in config.zones}
    services = {service.code for service in config.services}
    served: set[str] = set()
    for i, counter in enumerate(config.counters):
        if counter.zone not in zones:
            yield ("counters", i, "zone"), f"unknown zone {counter.zone!r}"
        for j, code in enumerate(counter.services):
            if code not in services:
                yield ("counters", i, "services", j), f"unknown service {code!r}"
        served.update(counter.services)
        if counter.hours and not any(day.covers(counter.hours) for day in centre_hours):
            yield ("counters", i, "hours"), f"{counter.hours} lies outside the centre's hours"
    for i, service in enumerate(config.services):
        if service.code not in served:
            yield ("services", i, "code"), f"no counter serves {service.code!r}"


def _duplicates(items: list[Any], section: str, key: str) -> Iterator[tuple[tuple[Any, ...], str]]:
    seen: dict[Any, int] = {}
    for i, item in enumerate(items):
        value = getattr(item, key)
        if value in seen:
            yield (
                (section, i, key),
                f"duplicate {key} {value!r} (first at {section}[{seen[value]}])",
            )
        seen.setdefault(value, i)


def _names(
    names: dict[str, str], kiosk: set[str], known: frozenset[str], loc: tuple[Any, ...]
) -> Iterator[tuple[tuple[Any, ...], str]]:
    for code in sorted(kiosk - names.keys()):
        yield loc, f"no name in kiosk language {code!r}"
    for code in sorted(names.keys() - known):
        yield (*loc, code), f"unknown language {code!r}"


def _place(path: Path, root: yaml.Node | None, loc: tuple[Any, ...]) -> str:
    """`file:line (dotted.path[3])` for a pydantic-style location inside the YAML tree."""
    node, line = root, 1
    for part in loc:
        child = _child(node, part)
        if child is None:
            break
        node = child
        line = node.start_mark.line + 1
    else:
        if node is not None:
            line = node.start_mark.line + 1
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
