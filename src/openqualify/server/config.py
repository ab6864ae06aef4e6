"""Settings from the environment (prefix `OPENQUALIFY_`)."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from openqualify.defaults import DEFAULT_DATABASE_URL, REAL_SERVICE_BASE_URL

__all__ = ["DEFAULT_DATABASE_URL", "LogFormat", "Mode", "RateLimitBackend", "Settings", "get_settings"]


class Mode(StrEnum):
    SANDBOX = "sandbox"
    PRODUCTION = "production"


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"  # one JSON object per line, for log collectors


class RateLimitBackend(StrEnum):
    AUTO = "auto"  # redis when OPENQUALIFY_REDIS_URL is set; else memory for one SQLite worker; else the database
    MEMORY = "memory"
    DATABASE = "database"
    REDIS = "redis"


MIB = 1024 * 1024
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
PRODUCTION_RATE_LIMIT_PER_MINUTE = 3000
PRODUCTION_AUTH_CACHE_SECONDS = 5.0
SANDBOX_AUTH_CACHE_SECONDS = 1.0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPENQUALIFY_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    mode: Mode = Mode.SANDBOX
    # Base URL that `GET /v1/` advertises. Unset: in the sandbox the server's own (`<scheme>://<host>/v1` of the
    # request), so a client that follows the links stays local; in production the real service's.
    public_base_url: str | None = None
    db_pool_size: int = 20
    db_echo: bool = False
    # How long a worker trusts a token it has checked (0: check every request). See kit.auth.PrincipalCache.
    # Unset: see `principal_cache_ttl`.
    auth_cache_seconds: float | None = None
    # Memory each worker may give to whole-offering list answers kept until the data changes (kit.listcache);
    # 0 turns the cache off.
    list_cache_mb: int = 64
    # How many worker processes serve this database (`serve --workers` sets it): shared state must be shared.
    workers: int = 1

    # Limits on what a client can make large (docs/deployment.md, "Limits").
    max_body_bytes: int = 10 * MIB
    max_import_body_bytes: int = 200 * MIB  # POST /_sandbox/import carries a whole organisation
    max_url_bytes: int = 8 * 1024
    max_bulk_items: int = 10_000
    # The HTTP layer (kit.protocol): a request's head (request line and headers) at most this many bytes, complete
    # within this many seconds of the connection opening or the previous answer; an idle keep-alive connection
    # closes after keep_alive_seconds; an answer sent before its request's body was read (413, 401, 429) reads and
    # discards the rest of the body up to linger_bytes or linger_seconds, so that the client sees the answer.
    max_header_bytes: int = 64 * 1024
    header_timeout_seconds: float = 10.0
    keep_alive_seconds: float = 5.0
    linger_bytes: int = 64 * MIB
    linger_seconds: float = 30.0
    # Addresses of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (comma-separated IPs or
    # networks, `*` for any). Empty: none; the client address is the TCP peer's.
    trusted_proxies: Annotated[list[str], NoDecode] = []
    # Seconds a request may wait for a database lock (another writer) before it answers 503.
    db_lock_timeout: float = 30.0
    # Milliseconds one database statement may run before it is stopped and the request answers 503 (0: no limit).
    statement_timeout_ms: int = Field(default=30_000, ge=0)

    # Hot standbys the read path runs on (comma-separated PostgreSQL URLs; decisions Y1-Y7, docs/deployment.md).
    # A standby lagging more than replica_max_lag_ms, or down, is skipped; a read of an organisation that wrote
    # lately waits up to replica_wait_ms for a standby to replay that write, else the primary serves it.
    database_replica_urls: Annotated[list[str], NoDecode] = []
    replica_max_lag_ms: int = Field(default=1000, ge=0)
    replica_wait_ms: int = Field(default=20, ge=0)
    # `pgbouncer`: the database URLs lead to pgbouncer in transaction mode (no prepared statements, no startup
    # options: decision Y5). `none`: straight to PostgreSQL.
    database_pooler: Literal["none", "pgbouncer"] = "none"

    # Requests per minute per token (0: off). Unset: off in the sandbox, PRODUCTION_RATE_LIMIT_PER_MINUTE in production.
    rate_limit_per_minute: int | None = None
    # The length of the counting window (a minute; shorter windows are for tests of retry logic).
    rate_limit_window_seconds: int = 60
    rate_limit_backend: RateLimitBackend = RateLimitBackend.AUTO
    redis_url: str | None = None

    # Logging (docs/deployment.md, "Logs"). The access log is on by default in the sandbox, off in production.
    log_level: str = "info"
    log_format: LogFormat = LogFormat.TEXT
    log_access: bool | None = None

    # The sandbox's request journal (`/_sandbox/requests`): requests kept per organisation, bytes kept per body.
    journal_size: int = 100
    journal_body_bytes: int = 64 * 1024

    # Origins allowed to call the API from a browser (comma-separated; `*` for any). Empty: no CORS headers.
    cors_origins: Annotated[list[str], NoDecode] = []

    # Prometheus metrics at GET /metrics (docs/operations.md): `off`, `on` (on the API's port) or a port of their
    # own (`9464`, or `127.0.0.1:9464`; a port alone listens on the API's host), where nothing else is served.
    # Unset: on in the sandbox, off in production (the usual way to keep them private is a port of their own).
    metrics: str | None = None

    @field_validator("cors_origins", "trusted_proxies", "database_replica_urls", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("metrics", mode="after")
    @classmethod
    def _metrics_value(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().lower()
        if value in ("on", "true", "yes", "1"):
            return "on"
        if value in ("off", "false", "no", "0", ""):
            return "off"
        host, _, port = value.rpartition(":")
        if port.isdigit() and 0 < int(port) < 65536 and (":" not in host or host.startswith("[")):
            return value
        raise ValueError("should be off, on, a port (9464) or host:port (127.0.0.1:9464)")

    @field_validator("log_level", mode="after")
    @classmethod
    def _known_level(cls, value: str) -> str:
        value = value.lower()
        if value not in LOG_LEVELS:
            raise ValueError(f"should be one of {', '.join(LOG_LEVELS)}")
        return value

    @property
    def access_log_enabled(self) -> bool:
        return self.sandbox_enabled if self.log_access is None else self.log_access

    def api_base_url(self, scheme: str, server: tuple[str, int | None] | None) -> str:
        """The base URL `GET /v1/` lists links under: the configured one; else in the sandbox the address the
        server is bound to (never the client's Host header), in production the real service's."""
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        if not self.sandbox_enabled:
            return REAL_SERVICE_BASE_URL
        host, port = server or ("127.0.0.1", None)
        if ":" in host:
            host = f"[{host}]"
        default_port = {"http": 80, "https": 443}.get(scheme)
        return f"{scheme}://{host}" + (f":{port}" if port and port != default_port else "") + "/v1"

    @property
    def db_pool_sizes(self) -> tuple[int, int]:
        """`db_pool_size` split between units of work and the read path's statements (`db.pg_reader`): the
        worker's PostgreSQL connections stay within it (at least one each)."""
        reads = max(1, self.db_pool_size // 2)
        return max(1, self.db_pool_size - reads), reads

    @property
    def metrics_enabled(self) -> bool:
        """Whether this server exposes metrics (and so counts them)."""
        if self.metrics is None:
            return self.sandbox_enabled
        return self.metrics != "off"

    @property
    def metrics_listener(self) -> tuple[str | None, int] | None:
        """The metrics' own listener, (host or None for the API's, port), when they have one."""
        if self.metrics in (None, "on", "off"):
            return None
        host, _, port = self.metrics.rpartition(":")
        return (host.strip("[]") or None), int(port)

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
