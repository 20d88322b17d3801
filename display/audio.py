"""The sounds of a call: a chime, and sentences spoken offline by espeak-ng.

Each sentence is rendered once per (voice, text) and kept on disk, so a recall or a second
display costs nothing; the cache is pruned, oldest first, so it stays bounded over months.
Files are written beside their final name and renamed into place, so processes and threads
that render the same call at once never serve a half-written file.
"""

from __future__ import annotations

import array
import hashlib
import logging
import math
import os
import shutil
import subprocess
import sys
import tempfile
import wave
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

ESPEAK = "espeak-ng"
#: words a minute: a little slower than espeak-ng's default, for a noisy room
SPEED_WPM = 150
RENDER_TIMEOUT_S = 15
#: the cache is pruned back under this size after each new file
CACHE_BYTES = 64 * 1024 * 1024
CHIME_RATE = 22050
#: two falling notes (Hz, seconds), like a station's "ding-dong"
CHIME_NOTES = ((659.25, 0.55), (523.25, 0.9))


class SpeechUnavailable(Exception):
    """espeak-ng is missing or failed: the call is still shown and chimed, not spoken."""


class AudioCache:
    """WAV files in one directory, named after what they contain."""

    def __init__(self, directory: Path, max_bytes: int = CACHE_BYTES) -> None:
        self.directory = directory
        self.max_bytes = max_bytes

    def speech(self, voice: str, text: str) -> Path:
        """The WAV of `text` in `voice`, rendered now unless already cached."""
        key = hashlib.sha256(f"{voice}\n{text}".encode()).hexdigest()[:32]
        return self._cached(f"{key}.wav", lambda path: _espeak(voice, text, path))

    def chime(self) -> Path:
        """The chime played before every call."""
        return self._cached("chime-1.wav", _write_chime)

    def _cached(self, name: str, render: Callable[[Path], None]) -> Path:
        path = self.directory / name
        if path.exists():
            return path
        self.directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".wav")
        os.close(handle)
        try:
            render(Path(temporary))
            os.replace(temporary, path)
        finally:
            Path(temporary).unlink(missing_ok=True)
        self._prune(keep=path)
        return path

    def _prune(self, keep: Path) -> None:
        files = []
        for path in self.directory.glob("*.wav"):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            files.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in files)
        for _, size, path in sorted(files):
            if total <= self.max_bytes:
                break
            if path != keep:
                path.unlink(missing_ok=True)
                total -= size


def _espeak(voice: str, text: str, path: Path) -> None:
    if shutil.which(ESPEAK) is None:
        raise SpeechUnavailable(f"{ESPEAK} is not installed")
    command = [ESPEAK, "-v", voice, "-s", str(SPEED_WPM), "-w", str(path), "--stdin"]
    try:
        subprocess.run(
            command, input=text.encode(), capture_output=True, timeout=RENDER_TIMEOUT_S, check=True
        )
    except (subprocess.SubprocessError, OSError) as error:
        log.warning("espeak-ng failed for voice %s: %s", voice, error)
        raise SpeechUnavailable(str(error)) from error
    if path.stat().st_size == 0:
        raise SpeechUnavailable(f"espeak-ng produced nothing for voice {voice}")


def _write_chime(path: Path) -> None:
    samples = array.array("h")
    for frequency, seconds in CHIME_NOTES:
        count = int(CHIME_RATE * seconds)
        for i in range(count):
            t = i / CHIME_RATE
            attack = min(1.0, i / (0.01 * CHIME_RATE))
            envelope = attack * math.exp(-3.5 * t / seconds)
            tone = math.sin(2 * math.pi * frequency * t) + 0.3 * math.sin(
                4 * math.pi * frequency * t
            )
            samples.append(int(12000 * envelope * tone))
    if sys.byteorder == "big":
        samples.byteswap()
    with wave.open(str(path), "wb") as output:
        output.setnchannels(1)
        output.setsampwidth(2)
        output.setframerate(CHIME_RATE)
        output.writeframes(samples.tobytes())
