"""The Event hub's settings from the environment (prefix `OPENQUALIFY_`), read once per worker at start-up."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class HubConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPENQUALIFY_", extra="ignore")

    # Events (and their deliveries and attempts) are kept this long; a feed cursor stays valid as long.
    event_retention_days: float = Field(default=30.0, gt=0)
    # Production refuses endpoints on loopback, private, link-local and metadata addresses unless this is true.
    event_hub_allow_private: bool = False
    # Seconds a receiver has to answer (any 2xx within it is a success).
    event_hub_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    # A claimed delivery not recorded within this many seconds (its process died) is taken over by another
    # (at least five times the timeout).
    event_hub_lease_seconds: float = Field(default=60.0, gt=0)
    # How often a worker looks for work raised by other workers, and for retries falling due.
    event_hub_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    # Requests in flight per worker (and the most connections kept open). More helps distant receivers (each waits
    # a round trip); an attempt costs about 0.2 ms of CPU whatever the number (aiohttp, docs/decisions.md E22).
    event_hub_concurrency: int = Field(default=16, ge=1, le=1000)
    # Whether this worker delivers at all (a deployment may keep API-only workers).
    event_hub_dispatcher: bool = True
    # A Unix socket path: a delivering worker listens there, and workers that do not deliver wake it after a commit
    # that raised events (event_hub.wake; one host). `serve --deliveries process` sets it.
    event_hub_wake_socket: str | None = None
    # NATS JetStream: every event is also published to `openqualify.<orgId>.<type>` when set.
    events_nats_url: str | None = None
    # Create this JetStream stream (subjects `openqualify.>`) when it does not exist; empty: the operator's job.
    events_nats_stream: str | None = None


__all__ = ["HubConfig"]
