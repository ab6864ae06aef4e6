"""Settings from the environment (prefix `OPENQUALIFY_`)."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./openqualify.db"


class Mode(StrEnum):
    SANDBOX = "sandbox"
    PRODUCTION = "production"


class RateLimitBackend(StrEnum):
    AUTO = "auto"  # redis when OPENQUALIFY_REDIS_URL is set; else memory for one SQLite worker; else the database
    MEMORY = "memory"
    DATABASE = "database"
    REDIS = "redis"


MIB = 1024 * 1024
PRODUCTION_RATE_LIMIT_PER_MINUTE = 3000
PRODUCTION_AUTH_CACHE_SECONDS = 5.0
SANDBOX_AUTH_CACHE_SECONDS = 1.0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPENQUALIFY_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    mode: Mode = Mode.SANDBOX
    # Base URL that `GET /` advertises; the real service's by default, so clients see familiar links.
    public_base_url: str = "https://api.iqualify.com/v1"
    db_pool_size: int = 20
    db_echo: bool = False
    # How long a worker trusts a token it has checked (0: check every request). See kit.auth.PrincipalCache.
    # Unset: see `principal_cache_ttl`.
    auth_cache_seconds: float | None = None
    # How many worker processes serve this database (`serve --workers` sets it): shared state must be shared.
    workers: int = 1

    # Limits on what a client can make large (docs/deployment.md, "Limits").
    max_body_bytes: int = 10 * MIB
    max_import_body_bytes: int = 200 * MIB  # POST /_sandbox/import carries a whole organisation
    max_url_bytes: int = 8 * 1024
    max_bulk_items: int = 10_000
    # Seconds a request may wait for a database lock (another writer) before it answers 503.
    db_lock_timeout: float = 30.0

    # Requests per minute per token (0: off). Unset: off in the sandbox, PRODUCTION_RATE_LIMIT_PER_MINUTE in production.
    rate_limit_per_minute: int | None = None
    # The length of the counting window (a minute; shorter windows are for tests of retry logic).
    rate_limit_window_seconds: int = 60
    rate_limit_backend: RateLimitBackend = RateLimitBackend.AUTO
    redis_url: str | None = None

    @property
    def sandbox_enabled(self) -> bool:
        return self.mode is Mode.SANDBOX

    @property
    def effective_rate_limit(self) -> int:
        if self.rate_limit_per_minute is not None:
            return max(0, self.rate_limit_per_minute)
        return 0 if self.sandbox_enabled else PRODUCTION_RATE_LIMIT_PER_MINUTE

    @property
    def principal_cache_ttl(self) -> float:
        """Production: 5 s. The sandbox with one worker: 1 s (every clock change passes through this process,
        which forgets the organisation's entry at once; the second bounds out-of-band changes such as
        `org rotate-token`). The sandbox with several workers: 0, since another worker may move the clock."""
        if self.auth_cache_seconds is not None:
            return self.auth_cache_seconds
        if self.sandbox_enabled:
            return SANDBOX_AUTH_CACHE_SECONDS if self.workers == 1 else 0.0
        return PRODUCTION_AUTH_CACHE_SECONDS


@lru_cache
def get_settings() -> Settings:
    return Settings()
