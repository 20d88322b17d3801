"""Configs derived from the reference centre for tests that need particular hours."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_CONFIG = ROOT / "config.yaml"


def reference_data() -> dict[str, Any]:
    return yaml.safe_load(REFERENCE_CONFIG.read_text(encoding="utf-8"))


def write_config(directory: Path, data: dict[str, Any], name: str = "config.yaml") -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def always_open(directory: Path) -> Path:
    """The reference centre open every day around the clock, with no holidays and no caps:
    for servers that run on the real clock (processes, benchmarks), where freezegun cannot reach."""
    data = reference_data()
    data["centre"]["hours"] = {
        day: "00:00-24:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    }
    data["centre"]["holidays"] = {"country": None, "extra": []}
    for service in data["services"]:
        service.pop("hours", None)
        service.pop("daily_cap", None)
    for counter in data["counters"]:
        counter.pop("hours", None)
    return write_config(directory, data)
