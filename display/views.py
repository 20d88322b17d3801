"""The waiting-room screen of a zone, and the sounds it plays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, abort, render_template, send_file, url_for

from display import api
from display.audio import AudioCache, SpeechUnavailable
from display.captions import FIXED, captions, rotating_languages
from display.phrases import NUMBER, PHRASES, announcement_languages, call_text
from display.snapshot import find_zone, snapshot, zone_services
from onestop.context import onestop, read_store
from routing.config import CentreConfig, Zone

bp = Blueprint(
    "display",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/display/static",
)
bp.register_blueprint(api.bp)

#: rendered sounds never change under the same URL
AUDIO_MAX_AGE = 7 * 24 * 3600


@bp.get("/display/<zone>")
def screen(zone: str) -> Any:
    state = onestop()
    config = state.centre.config
    found = find_zone(config, zone)
    if found is None:
        abort(404)
    with read_store() as store:
        initial = snapshot(store, state.centre, found)
    setup = _setup(config, found, initial)
    return render_template(
        "display/screen.html",
        lang="pt",
        dir="ltr",
        zone=found,
        centre=config.centre,
        captions=setup["captions"],
        setup=setup,
    )


@bp.get("/display/audio/chime.wav")
def chime() -> Any:
    return _wav(_cache().chime())


@bp.get("/display/audio/call/<language>/<number>/<int:counter_id>.wav")
def call_audio(language: str, number: str, counter_id: int) -> Any:
    """A call spoken in one language; only real counters and well-formed numbers are rendered."""
    if language not in PHRASES or NUMBER.match(number) is None:
        abort(404)
    try:
        counter = onestop().centre.config.counter(counter_id)
    except KeyError:
        abort(404)
    spoken = call_text(language, number, counter.name)
    try:
        return _wav(_cache().speech(spoken.voice, spoken.text))
    except SpeechUnavailable:
        abort(503)


def _cache() -> AudioCache:
    return AudioCache(onestop().settings.audio_cache)


def _wav(path: Path) -> Any:
    return send_file(path, mimetype="audio/wav", max_age=AUDIO_MAX_AGE)


def _setup(config: CentreConfig, zone: Zone, initial: dict[str, Any]) -> dict[str, Any]:
    """Everything the page's script needs besides the live data, as one JSON document."""
    rotating = rotating_languages(config)
    shown = [*FIXED, *rotating]
    directions = {language.code: language.dir for language in config.languages}
    return {
        "zone": zone.code,
        "timezone": config.centre.timezone,
        "fixed": list(FIXED),
        "rotating": [{"code": code, "dir": directions.get(code, "ltr")} for code in rotating],
        "captions": {code: captions(code) for code in shown},
        "services": {
            service.code: {
                "prefix": service.prefix,
                "names": {code: service.names[code] for code in shown if code in service.names},
            }
            for service in zone_services(config, zone.code)
        },
        "speech": {code: announcement_languages(code) for code in sorted(config.language_codes)},
        "urls": {
            "snapshot": url_for("display.display_api.zone_snapshot", zone=zone.code),
            "chime": url_for("display.chime"),
            "call": "/display/audio/call/",
        },
        "initial": initial,
    }
