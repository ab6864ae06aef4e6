"""The Event hub's tables: settings, endpoints, per-event settings, the events outbox, deliveries and attempts.

Every table is organisation data (`OrgScoped`: `kit.tenancy` filters every statement), but not learning data:
the sandbox's reset, export and import leave them alone (`sandbox.data.repository.NOT_EXPORTED`), as they do
tokens. Times named `*_at` are on the organisation's clock (the sandbox clock moves them), except the lease's
expiry and `stored_at`, which are wall-clock times (a process's liveness and the retention are not sandbox time).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from openqualify.server.db.base import ID_LENGTH, Base, OrgScoped, id_column

EVENT_TYPE_LENGTH = 60
URL_LENGTH = 2048
SECRET_LENGTH = 100

_OPEN = text("status IN ('pending', 'retrying')")
_UNRELAYED = text("relayed_at IS NULL")


class HubSettings(OrgScoped, Base):
    """One row per organisation that ever saved its hub settings: on/off, the signing secrets, the feed counter."""

    __tablename__ = "event_hub_settings"

    org_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(default=False)
    signing_secret: Mapped[str] = mapped_column(String(SECRET_LENGTH))
    # After a rotation the previous secret still signs (a second signature) until it expires (24 hours).
    previous_secret: Mapped[str | None] = mapped_column(String(SECRET_LENGTH))
    previous_secret_expires_at: Mapped[datetime | None]
    # The feed's position of the organisation's last committed event (raised at commit, under this row's lock).
    last_position: Mapped[int] = mapped_column(BigInteger, default=0)
    # Events up to this position were deleted after the retention period: older cursors answer 410.
    pruned_through: Mapped[int] = mapped_column(BigInteger, default=0)
    # Wall clock (never the sandbox clock): workers cache an organisation's routing until this changes.
    updated_at: Mapped[datetime]


class HubEventSetting(OrgScoped, Base):
    """One event type's own settings; a type without a row is on, not anonymous, sent to the default endpoints."""

    __tablename__ = "event_hub_event_settings"

    org_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    event_type: Mapped[str] = mapped_column(String(EVENT_TYPE_LENGTH), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    anonymous: Mapped[bool] = mapped_column(default=False)


class HubEndpoint(OrgScoped, Base):
    """A webhook endpoint: a default one (`event_type` null) or one event type's own."""

    __tablename__ = "event_hub_endpoints"
    __table_args__ = (Index("ix_event_hub_endpoints_org_type", "org_id", "event_type", "position"),)

    id: Mapped[str] = id_column()
    event_type: Mapped[str | None] = mapped_column(String(EVENT_TYPE_LENGTH))
    position: Mapped[int] = mapped_column(default=0)
    url: Mapped[str] = mapped_column(String(URL_LENGTH))
    enabled: Mapped[bool] = mapped_column(default=True)
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Failed attempts in a row; from FAILING_AFTER on the endpoint is marked failing (since `failing_since`).
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    failing_since: Mapped[datetime | None]
    # Why the hub turned it off (a 410 Gone answer); cleared when the owner turns it on again.
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class HubEvent(OrgScoped, Base):
    """The outbox: an event, written in the transaction of the change that raised it."""

    __tablename__ = "event_hub_events"
    __table_args__ = (
        # The feed's order; null until the raising transaction commits (assigned by its last statements).
        Index("uq_event_hub_events_org_position", "org_id", "position", unique=True),
        Index("ix_event_hub_events_org_type_position", "org_id", "type", "position"),
        Index("ix_event_hub_events_stored", "stored_at"),
        Index(
            "ix_event_hub_events_unrelayed",
            "stored_at",
            sqlite_where=_UNRELAYED,
            postgresql_where=_UNRELAYED,
        ),
    )

    id: Mapped[str] = id_column()  # evt_<push id>
    type: Mapped[str] = mapped_column(String(EVENT_TYPE_LENGTH))
    occurred_at: Mapped[datetime]  # the organisation's clock: the envelope's `timestamp`
    stored_at: Mapped[datetime]  # wall clock: the retention counts from here
    test: Mapped[bool] = mapped_column(default=False)
    data: Mapped[dict[str, Any]]
    position: Mapped[int | None] = mapped_column(BigInteger)
    seq: Mapped[int] = mapped_column(default=0)  # order within the raising transaction
    # The NATS relay: published (and acknowledged by JetStream) at, or claimed by a relay until.
    relayed_at: Mapped[datetime | None]
    relay_lease_until: Mapped[datetime | None]


class HubDelivery(OrgScoped, Base):
    """One event to one endpoint: its state, its retry schedule and the lease of the process sending it."""

    __tablename__ = "event_hub_deliveries"
    __table_args__ = (
        Index("uq_event_hub_deliveries_event_endpoint", "event_id", "endpoint_id", unique=True),
        Index("ix_event_hub_deliveries_org_listing", "org_id", "id"),
        Index("ix_event_hub_deliveries_endpoint", "endpoint_id"),
        Index("ix_event_hub_deliveries_open", "next_attempt_at", sqlite_where=_OPEN, postgresql_where=_OPEN),
    )

    id: Mapped[str] = id_column()  # dlv_<push id>
    event_id: Mapped[str] = mapped_column(String(ID_LENGTH), ForeignKey("event_hub_events.id", ondelete="CASCADE"))
    endpoint_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("event_hub_endpoints.id", ondelete="SET NULL")
    )
    endpoint_url: Mapped[str] = mapped_column(String(URL_LENGTH))
    status: Mapped[str] = mapped_column(String(20))  # pending | retrying | delivered | failed
    attempt_count: Mapped[int] = mapped_column(default=0)  # attempts since the delivery (re)started
    next_attempt_at: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None]  # wall clock
    last_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class HubAttempt(OrgScoped, Base):
    """One HTTP attempt of a delivery, as the receiver answered it."""

    __tablename__ = "event_hub_attempts"
    __table_args__ = (Index("ix_event_hub_attempts_delivery", "delivery_id", "attempted_at"),)

    id: Mapped[str] = id_column()
    delivery_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("event_hub_deliveries.id", ondelete="CASCADE")
    )
    attempted_at: Mapped[datetime]
    endpoint_url: Mapped[str] = mapped_column(String(URL_LENGTH))
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int]
    response_body: Mapped[str | None] = mapped_column(Text)  # the first 2 KiB


HUB_TABLES = frozenset(
    model.__tablename__ for model in (HubSettings, HubEventSetting, HubEndpoint, HubEvent, HubDelivery, HubAttempt)
)

__all__ = ["HUB_TABLES", "HubAttempt", "HubDelivery", "HubEndpoint", "HubEvent", "HubEventSetting", "HubSettings"]
