"""Configs derived from the reference centre for tests that need particular hours."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_CONFIG = ROOT / "config.yaml"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def reference_data() -> dict[str, Any]:
    return yaml.safe_load(REFERENCE_CONFIG.read_text(encoding="utf-8"))


def write_config(directory: Path, data: dict[str, Any], name: str = "config.yaml") -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def always_open(directory: Path, kiosks: list[dict[str, Any]] | None = None) -> Path:
    """The reference centre open every day around the clock, with no holidays and no caps:
    for servers that run on the real clock (processes, benchmarks), where freezegun cannot reach.
    `kiosks`, when given, replace the reference's kiosks and printers."""
    data = _open_only(reference_data(), {day: "00:00-24:00" for day in WEEKDAYS})
    for service in data["services"]:
        service.pop("daily_cap", None)
    if kiosks is not None:
        data["kiosks"] = kiosks
    return write_config(directory, data)


def closed_now(directory: Path) -> Path:
    """The reference centre open on one day only, two days from today: closed now."""
    data = reference_data()
    today = dt.datetime.now(ZoneInfo(data["centre"]["timezone"])).weekday()
    return write_config(directory, _open_only(data, {WEEKDAYS[(today + 2) % 7]: "08:30-20:00"}))


def _open_only(data: dict[str, Any], hours: dict[str, str]) -> dict[str, Any]:
    """`data` open at the centre's `hours` and no other time: no holidays, and no service or
    counter keeping hours of its own."""
    data["centre"]["hours"] = hours
    data["centre"]["holidays"] = {"country": None, "extra": []}
    for section in ("services", "counters"):
        for item in data[section]:
            item.pop("hours", None)
    return data
