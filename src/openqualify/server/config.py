"""Settings from the environment (prefix `OPENQUALIFY_`)."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./openqualify.db"


class Mode(StrEnum):
    SANDBOX = "sandbox"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPENQUALIFY_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    mode: Mode = Mode.SANDBOX
    # Base URL that `GET /` advertises; the real service's by default, so clients see familiar links.
    public_base_url: str = "https://api.iqualify.com/v1"
    db_pool_size: int = 10
    db_echo: bool = False

    @property
    def sandbox_enabled(self) -> bool:
        return self.mode is Mode.SANDBOX


@lru_cache
def get_settings() -> Settings:
    return Settings()
