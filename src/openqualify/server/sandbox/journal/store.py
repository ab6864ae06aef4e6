"""The journal's storage: a bounded ring of entries per organisation, in the memory of the process.

Decision (docs/decisions.md, N4): memory rather than a table, so journaling never puts a read behind SQLite's
write lock nor adds a write to every request; with several workers each keeps the requests it served.
"""

from __future__ import annotations

import builtins
import itertools
from collections import deque
from typing import Any, Protocol


class Recorded(Protocol):
    """An entry as recorded; its JSON is made when the journal is read."""

    def render(self) -> dict[str, Any]: ...

    def summary(self) -> dict[str, Any]:
        """The entry without its headers and bodies (a list of them costs little)."""
        ...


class JournalStore:
    def __init__(self, size: int, body_bytes: int) -> None:
        self.size = size  # entries kept per organisation
        self.body_bytes = body_bytes  # bytes kept per request or response body
        self._entries: dict[str, deque[tuple[int, Recorded]]] = {}
        self._ids = itertools.count(1)

    def add(self, org_id: str, entry: Recorded) -> None:
        if self.size <= 0:
            return
        ring = self._entries.get(org_id)
        if ring is None:
            ring = self._entries[org_id] = deque(maxlen=self.size)
        ring.append((next(self._ids), entry))

    def list(self, org_id: str, limit: int | None = None) -> builtins.list[dict[str, Any]]:
        """Newest first."""
        ring = self._entries.get(org_id, ())
        newest = list(reversed(ring))
        if limit is not None:
            newest = newest[:limit]
        return [{"id": entry_id, **entry.render()} for entry_id, entry in newest]

    def summaries(self, org_id: str) -> builtins.list[dict[str, Any]]:
        """Newest first, without headers and bodies."""
        return [{"id": entry_id, **entry.summary()} for entry_id, entry in reversed(self._entries.get(org_id, ()))]

    def get(self, org_id: str, entry_id: int) -> dict[str, Any] | None:
        """One entry of the organisation's journal, whole; None when it is not (or no longer) kept."""
        for kept_id, entry in self._entries.get(org_id, ()):
            if kept_id == entry_id:
                return {"id": kept_id, **entry.render()}
        return None

    def clear(self, org_id: str) -> int:
        ring = self._entries.pop(org_id, None)
        return len(ring) if ring else 0
