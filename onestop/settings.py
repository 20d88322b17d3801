"""Process settings from the environment (prefix `ONESTOP_`), read once in `create_app`."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """How this process runs; what the centre is lives in the config file instead."""

    model_config = SettingsConfigDict(env_prefix="ONESTOP_", env_nested_delimiter="__")

    config: Path = Path("config.yaml")
    database_url: str | None = Field(
        None, validation_alias=AliasChoices("DATABASE_URL", "ONESTOP_DATABASE_URL")
    )
    redis_url: str | None = None
    #: the Redis channel of the Socket.IO queue: processes of one centre share it, and
    #: centres sharing a Redis must not (default `onestop:<centre code>`, one per centre)
    redis_channel: str | None = None
    #: tickets a minute per kiosk; 0 turns the limit off (load tests)
    kiosk_rate: int | None = Field(None, ge=0)
    secret_key: str | None = None
    #: reverse proxies (nginx) in front that set X-Forwarded-For and -Proto; 0 when clients
    #: connect directly. Sign-in throttling counts failures by the client's address.
    proxies: int = Field(0, ge=0)
    #: where the displays' spoken announcements are kept once rendered
    audio_cache: Path = Field(default_factory=lambda: _cache_home() / "onestop" / "audio")

    def database(self, config_database: str | None) -> str:
        """The database URL: the environment, then the config, then SQLite beside the config."""
        if self.database_url:
            return self.database_url
        if config_database:
            return config_database
        return f"sqlite:///{self.config.resolve().parent / 'onestop.db'}"


def _cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
