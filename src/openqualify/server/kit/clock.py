"""The one source of "now". Each organisation may run on its own sandbox clock (frozen or offset)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


def system_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class OrgClock:
    """A frozen instant wins; otherwise real time shifted by an offset."""

    frozen_at: datetime | None = None
    offset_seconds: float = 0.0

    def now(self) -> datetime:
        if self.frozen_at is not None:
            return self.frozen_at
        return system_now() + timedelta(seconds=self.offset_seconds)
