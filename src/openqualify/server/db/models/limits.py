"""Rate-limit counters shared by every worker when neither Redis nor a single process keeps them."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from openqualify.server.db.base import Base


class RateLimitWindow(Base):
    """Requests counted for one key (a token's hash, or a client address) in one fixed window."""

    __tablename__ = "rate_limit_windows"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    window: Mapped[int] = mapped_column(Integer, primary_key=True)  # window start // window length
    hits: Mapped[int] = mapped_column(Integer, default=0)
