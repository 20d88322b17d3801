"""Announcements are spoken offline by espeak-ng, rendered once, cached, and of a sane length."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import pytest
from flask import Flask

from display import audio
from display.audio import AudioCache
from display.phrases import PHRASES

#: the languages the issue names, then every other voice the display uses
REQUIRED = ["pt", "en", "fr", "es", "ro", "ru", "uk", "ar", "zh", "hi"]
LANGUAGES = REQUIRED + sorted(set(PHRASES) - set(REQUIRED))


def _seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as sound:
        assert sound.getnchannels() == 1 and sound.getsampwidth() == 2
        return sound.getnframes() / sound.getframerate()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_call_is_spoken_for_a_plausible_length(
    display_app: Flask, espeak: None, language: str
) -> None:
    response = display_app.test_client().get(f"/display/audio/call/{language}/A042/7.wav")
    assert response.status_code == 200
    assert response.mimetype == "audio/wav"
    assert 1.0 <= _seconds(response.data) <= 8.0


def test_a_call_is_rendered_once_then_served_from_the_cache(
    display_app: Flask, espeak: None, audio_cache: Path
) -> None:
    client = display_app.test_client()
    first = client.get("/display/audio/call/uk/A042/25.wav").data
    (cached,) = audio_cache.glob("*.wav")
    rendered_at = cached.stat().st_mtime_ns
    assert client.get("/display/audio/call/uk/A042/25.wav").data == first
    assert cached.stat().st_mtime_ns == rendered_at
    assert client.get("/display/audio/call/pt/A042/25.wav").data != first
    assert len(list(audio_cache.glob("*.wav"))) == 2


def test_only_real_numbers_counters_and_phrases_are_rendered(display_app: Flask) -> None:
    client = display_app.test_client()
    for path in ("xx/A042/7", "pt/hello/7", "pt/A042/99", "pt/a042/7", "pt/A1/7"):
        assert client.get(f"/display/audio/call/{path}.wav").status_code == 404, path


def test_the_chime_is_a_short_sound(display_app: Flask) -> None:
    response = display_app.test_client().get("/display/audio/chime.wav")
    assert response.status_code == 200
    assert 1.0 <= _seconds(response.data) <= 3.0


def test_without_espeak_the_call_is_unavailable_not_an_error(
    display_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audio, "ESPEAK", "espeak-ng-not-installed")
    response = display_app.test_client().get("/display/audio/call/pt/A042/7.wav")
    assert response.status_code == 503


def test_the_cache_is_pruned_oldest_first(tmp_path: Path, espeak: None) -> None:
    cache = AudioCache(tmp_path, max_bytes=1)
    first = cache.speech("pt", "Senha A 1, balcão 1.")
    second = cache.speech("pt", "Senha A 2, balcão 2.")
    assert not first.exists() and second.exists()
    assert list(tmp_path.glob("*.wav")) == [second]
