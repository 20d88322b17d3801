"""Display fixtures: an app whose spoken announcements go to a temporary cache."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from onestop.app import create_app
from onestop.settings import Settings
from tests.conftest import IN_CI
from tests.factories.configs import REFERENCE_CONFIG


@pytest.fixture
def espeak() -> None:
    """Skip (outside CI) or fail (in CI) without espeak-ng (Debian package `espeak-ng`)."""
    if shutil.which("espeak-ng"):
        return
    if IN_CI:
        pytest.fail("CI=true but espeak-ng is not installed (make system installs it)")
    pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")


@pytest.fixture
def audio_cache(tmp_path: Path) -> Path:
    return tmp_path / "audio"


@pytest.fixture
def display_app(sqlite_url: str, audio_cache: Path, open_day: None) -> Iterator[Flask]:
    """The reference centre on an open morning, its sounds cached under `tmp_path`."""
    settings = Settings(
        config=REFERENCE_CONFIG, database_url=sqlite_url, kiosk_rate=0, audio_cache=audio_cache
    )
    application = create_app(settings)
    yield application
    application.extensions["onestop"].db.dispose()
