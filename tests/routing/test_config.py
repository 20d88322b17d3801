"""`load_config` on broken configs: every problem reported, each at its line and dotted path."""

from __future__ import annotations

from pathlib import Path

import pytest

from routing.config import CentreConfig, ConfigError, Problem, load_config
from tests.factories.configs import REFERENCE_CONFIG, reference_data, write_config
from tests.routing.configs import BROKEN, SMALL, expected_places


def problems(path: Path) -> list[Problem]:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.path == path
    assert str(caught.value).startswith(f"{path}: {len(caught.value.problems)} problem(s)\n")
    return caught.value.problems


def line_of(path: Path, needle: str) -> int:
    """The one line of `path` that holds `needle`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    hits = [number for number, line in enumerate(lines, start=1) if needle in line]
    assert len(hits) == 1, f"{needle!r} is on lines {hits}"
    return hits[0]


def edited_reference(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """The reference config with text replaced (first occurrence), comments and layout kept."""
    text = REFERENCE_CONFIG.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_reference_and_the_small_config_are_valid() -> None:
    reference = load_config(REFERENCE_CONFIG)
    assert isinstance(reference, CentreConfig)
    assert (len(reference.services), len(reference.counters)) == (35, 30)
    assert str(reference.centre.hours["sat"]) == "08:30-20:00"
    small = load_config(SMALL)
    assert [service.code for service in small.services] == ["birth", "death"]


@pytest.mark.parametrize("path", BROKEN, ids=lambda path: path.stem)
def test_every_problem_is_reported_at_its_line_and_path(path: Path) -> None:
    """Exactly the marked places, in file order: nothing missed and no knock-on false alarms
    (a service with a bad target is still a known service for its counters)."""
    expected = expected_places(path)
    assert expected, f"{path.name} marks no line with '# expect:'"
    assert [problem.where for problem in problems(path)] == expected


MESSAGES = {
    "wrong-type": [
        "Input should be a valid number, unable to parse string as a number (got 'soon')"
    ],
    "unknown-service": ["no counter serves 'death'", "unknown service 'marriage'"],
    "duplicate-prefix": ["duplicate prefix 'A' (first at services[0])"],
    "impossible-hours": [
        "impossible hours '20:00-08:30': opening must come before closing",
        "'25:00-26:00' is not a time of day",
        "impossible hours '12:00-09:00': opening must come before closing",
    ],
    "hours-outside": ["07:00-10:00 lies outside the centre's hours"],
    "unknown-key": ["extra inputs are not permitted", "extra inputs are not permitted"],
    "missing-field": ["field required", "field required"],
    "duplicate-key": ["duplicate key (first at line 23)"],
    "syntax-error": ["mapping values are not allowed here"],
    "tab-indent": ["found character '\\t' that cannot start any token"],
    "several": [
        "unknown timezone 'Europe/Lisbn'",
        "impossible hours '13:00-08:30'",
        "valid boolean",
        "valid number",
        "duplicate prefix 'A' (first at services[0])",
        "unknown body 'registries'",
        "greater than or equal to 1 (got 0)",
        "unknown zone 'hal'",
        "unknown service 'marriage'",
        "extra inputs are not permitted",
    ],
}


def test_every_broken_config_has_its_messages_checked() -> None:
    assert sorted(MESSAGES) == [path.stem for path in BROKEN]


@pytest.mark.parametrize("path", BROKEN, ids=lambda path: path.stem)
def test_each_problem_says_what_is_wrong(path: Path) -> None:
    found = problems(path)
    assert len(found) == len(MESSAGES[path.stem])
    for problem, fragment in zip(found, MESSAGES[path.stem], strict=True):
        assert fragment in problem.message


def test_lines_deep_in_the_reference_config(tmp_path: Path) -> None:
    """Faults far down the 1,100-line reference file are reported at their own lines."""
    path = edited_reference(
        tmp_path,
        ("    target_min: 30\n", '    target_min: "soon"\n'),
        ("    prefix: B\n", "    prefix: A   # was B\n"),
        (
            "    services: [tax-number, tax-returns, social-security-benefits]\n",
            "    services: [tax-numbr, tax-returns, social-security-benefits]\n",
        ),
        ('    hours: "14:00-20:00"\n', '    hours: "25:00-26:00"\n'),
        ('    tue: "08:30-20:00"\n', '    tue: "20:00-08:30"\n'),
    )
    soon = line_of(path, 'target_min: "soon"')
    assert [str(problem) for problem in problems(path)] == [
        f"{path}:{line_of(path, 'tue: ')} (centre.hours.tue): impossible hours '20:00-08:30': "
        "opening must come before closing (got '20:00-08:30')",
        f"{path}:{soon} (services[0].target_min): "
        "Input should be a valid number, unable to parse string as a number (got 'soon')",
        f"{path}:{line_of(path, '# was B')} (services[2].prefix): "
        "duplicate prefix 'A' (first at services[1])",
        f"{path}:{line_of(path, 'tax-numbr')} (counters[11].services[0]): "
        "unknown service 'tax-numbr'",
        f"{path}:{line_of(path, '25:00-26:00')} (counters[11].hours): "
        "'25:00-26:00' is not a time of day (got '25:00-26:00')",
    ]
    assert line_of(path, "tax-numbr") > 1000


def test_reference_data_edited_and_dumped(tmp_path: Path) -> None:
    """The same through `reference_data`/`write_config`: the dumped layout differs, the lines
    still point at the fault."""
    data = reference_data()
    data["counters"][29]["zone"] = "attic"
    data["services"][5]["mean_service_min"] = -3
    del data["zones"][0]["name"]
    data["router"]["policy"] = "lottery"
    path = write_config(tmp_path, data)
    assert [str(problem) for problem in problems(path)] == [
        f"{path}:{line_of(path, 'lottery')} (router.policy): "
        "Input should be 'lwwt', 'fifo', 'strict_priority' or 'own_service_first' "
        "(got 'lottery')",
        f"{path}:{line_of(path, 'mean_service_min: -3')} (services[5].mean_service_min): "
        "Input should be greater than 0 (got -3)",
        f"{path}:{line_of(path, '- code: ground')} (zones[0].name): field required",
        f"{path}:{line_of(path, 'attic')} (counters[29].zone): unknown zone 'attic'",
    ]


def test_an_unknown_weekday_is_reported_at_its_key(tmp_path: Path) -> None:
    path = edited_reference(
        tmp_path,
        ('    sat: "08:30-20:00"\n', '    sat: "08:30-20:00"\n    sunday: "10:00-12:00"\n'),
    )
    [problem] = problems(path)
    assert problem.where == f"{path}:{line_of(path, 'sunday')} (centre.hours.sunday)"
    assert "Input should be 'mon', 'tue'" in problem.message and "(got 'sunday')" in problem.message


def test_an_unclosed_bracket_names_both_lines(tmp_path: Path) -> None:
    path = edited_reference(tmp_path, ("    prefix: R\n", "    prefix: [R\n"))
    [problem] = problems(path)
    opened = line_of(path, "prefix: [R")
    # the parser notices at the next line; the message points back to where the bracket opened
    assert problem.where == f"{path}:{opened + 1}"
    assert problem.message == (
        f"expected ',' or ']', but got ':' (while parsing a flow sequence from line {opened})"
    )


@pytest.mark.parametrize(
    ("content", "where", "message"),
    [
        pytest.param(b"", ":1", "the config must be a mapping", id="empty"),
        pytest.param(b"- a\n- b\n", ":1", "the config must be a mapping", id="a-list"),
        pytest.param(
            b"centre: {code: x}\n---\nb: 2\n", ":2", "expected a single document", id="two-docs"
        ),
        pytest.param(
            b'centre:\n  name: "Centro \xe7"\n', "", "can't decode byte 0xe7", id="latin-1"
        ),
    ],
)
def test_files_that_are_no_config(tmp_path: Path, content: bytes, where: str, message: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_bytes(content)
    [problem] = problems(path)
    assert problem.where == f"{path}{where}"
    assert message in problem.message


def test_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    [problem] = problems(path)
    assert str(problem) == f"{path}: No such file or directory"
