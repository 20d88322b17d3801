"""`onestop simulate` and `onestop staffing` on the reference config (no database, no app)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from onestop.cli import main
from tests.factories.configs import REFERENCE_CONFIG

API_KEYS = {
    "name",
    "mean_wait_min",
    "p95_wait_min",
    "max_wait_min",
    "within_target_pct",
    "priority_mean_wait_min",
    "mediated_mean_wait_min",
}


def test_simulate_prints_api_json() -> None:
    args = ["--config", str(REFERENCE_CONFIG), "simulate", "--days", "1", "--seed", "3"]
    result = CliRunner().invoke(main, [*args, "--visitors", "200", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert [p["name"] for p in report["policies"]] == [
        "lwwt",
        "fifo",
        "strict_priority",
        "own_service_first",
    ]
    assert all(p.keys() >= API_KEYS for p in report["policies"])
    assert set(report["pooled_bound"]) >= {"mean_wait_min", "p95_wait_min", "max_wait_min"}


def test_simulate_prints_a_table() -> None:
    args = ["--config", str(REFERENCE_CONFIG), "simulate", "--days", "1", "--visitors", "100"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].split()[:4] == ["policy", "mean", "p95", "max"]
    assert any(line.startswith("pooled bound") for line in lines)
    assert any(line.startswith("reception-triage") for line in lines)


def test_staffing_prints_every_hour_of_the_reference_day() -> None:
    result = CliRunner().invoke(main, ["--config", str(REFERENCE_CONFIG), "staffing"])
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if line[2:3] == ":"]
    assert rows[0].startswith("08:30-09:30") and rows[-1].startswith("19:30-20:00")
    assert len(rows) == 12


def test_a_bad_config_is_reported() -> None:
    result = CliRunner().invoke(main, ["--config", "/nonexistent.yaml", "simulate"])
    assert result.exit_code == 1
