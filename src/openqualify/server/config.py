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
    # How long a worker trusts a token it has checked (0: check every request). See kit.auth.PrincipalCache.
    # Unset: 5 s in production; 0 in the sandbox, whose clock may be moved by another process at any time.
    auth_cache_seconds: float | None = None

    @property
    def sandbox_enabled(self) -> bool:
        return self.mode is Mode.SANDBOX

    @property
    def principal_cache_ttl(self) -> float:
        if self.auth_cache_seconds is not None:
            return self.auth_cache_seconds
        return 0.0 if self.sandbox_enabled else 5.0


@lru_cache
def get_settings() -> Settings:
    return Settings()
