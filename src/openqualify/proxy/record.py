"""Where the proxy writes: the recording (one JSON line per exchange, redacted) and the violations report.

Lines are appended from a worker thread under a lock, so a slow disk never blocks the event loop and lines of
concurrent exchanges never interleave.
"""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Any

from openqualify.proxy import redact

EXCHANGES = "exchanges.jsonl"
VIOLATIONS = "violations.jsonl"


class JsonLines:
    """An append-only JSON-lines file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()

    def _append(self, line: str) -> None:
        with self._lock, self.path.open("a", encoding="utf-8") as file:
            file.write(line + "\n")

    async def append(self, entry: dict[str, Any], secrets: list[str]) -> None:
        line = redact.text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), secrets)
        await asyncio.to_thread(self._append, line)


def decoded(raw: bytes | None, content_type: str | None, cap: int) -> dict[str, Any]:
    """A body as a recording keeps it: parsed JSON (redacted) when it is JSON, else text, up to `cap` bytes."""
    if raw is None:
        return {"body": None, "bodyBytes": None, "kept": False}
    out: dict[str, Any] = {"bodyBytes": len(raw)}
    if not raw:
        out["body"] = None
        return out
    if content_type and "json" in content_type and len(raw) <= cap:
        try:
            out["body"] = redact.body(json.loads(raw))
            return out
        except ValueError:
            pass
    out["body"] = raw[:cap].decode("utf-8", errors="replace")
    out["truncated"] = len(raw) > cap
    return out
