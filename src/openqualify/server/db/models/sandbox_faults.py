"""The sandbox's fault rules (`/_sandbox/faults`): kept in the database so that every worker applies the same
rules and counts the same matches (docs/decisions.md T1)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from openqualify.server.db.base import Base, OrgScoped, id_column


class SandboxFaultRule(OrgScoped, Base):
    """One rule as the organisation gave it (`rule`, the API's camelCase JSON), and its counters: requests that
    matched it and faults it injected."""

    __tablename__ = "sandbox_fault_rules"

    id: Mapped[str] = id_column()
    created_at: Mapped[datetime]
    rule: Mapped[dict[str, Any]]
    matched: Mapped[int] = mapped_column(Integer, default=0)
    hits: Mapped[int] = mapped_column(Integer, default=0)
