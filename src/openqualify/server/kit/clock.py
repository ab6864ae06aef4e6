"""The one source of "now". Each organisation may run on its own sandbox clock (frozen or offset).

Whatever an organisation row holds (a clock set before the date bounds existed, a hand-edited database), "now"
is an instant within `timefmt.EARLIEST`..`LATEST`, so every bounded duration added to it stays computable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from openqualify.server.kit.timefmt import clamp, shift


def system_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class OrgClock:
    """A frozen instant wins; otherwise real time shifted by an offset."""

    frozen_at: datetime | None = None
    offset_seconds: float = 0.0

    def now(self) -> datetime:
        if self.frozen_at is not None:
            return clamp(self.frozen_at)
        if not self.offset_seconds:
            return system_now()
        return clamp(shift(system_now(), self.offset_seconds))
