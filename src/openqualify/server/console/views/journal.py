"""The sandbox page's request journal: the organisation's latest requests (filtered by status, method and path),
and one request with its answer, headers and bodies, as the server kept them (`sandbox/journal`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from openqualify.server.console.sheets import Sheet
from openqualify.server.console.views.common import as_datetime
from openqualify.server.kit.errors import ObjectNotFoundError
from openqualify.server.kit.reads import ReadContext
from openqualify.server.sandbox.journal.store import JournalStore

STATUS_CLASSES = ("2xx", "3xx", "4xx", "5xx")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
MAX_FILTER = 200


@dataclass(frozen=True, slots=True)
class JournalFilter:
    status: str = ""  # a class (4xx) or a code (404)
    method: str = ""
    path: str = ""  # contained in the path and query, ignoring case

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> JournalFilter:
        status = params.get("status", "").strip().lower()
        valid = status in STATUS_CLASSES or (status.isdigit() and len(status) == 3)
        method = params.get("method", "").strip().upper()
        return cls(status if valid else "", method if method in METHODS else "",
                   params.get("path", "").strip()[:MAX_FILTER])

    def keeps(self, row: Mapping[str, Any]) -> bool:
        status = str(row["status"])
        if self.status and not (status == self.status or (self.status.endswith("xx") and status[0] == self.status[0])):
            return False
        if self.method and row["method"] != self.method:
            return False
        target = row["path"] + ("?" + row["query"] if row["query"] else "")
        return not self.path or self.path.casefold() in target.casefold()

    @property
    def active(self) -> bool:
        return bool(self.status or self.method or self.path)


@dataclass(frozen=True, slots=True)
class JournalView:
    rows: list[dict[str, Any]]  # newest first: id, at, method, path, query, status, durationMs
    kept: int  # requests kept for the organisation, before the filter
    capacity: int  # at most this many are kept
    filter: JournalFilter

    def sheets(self) -> list[Sheet]:
        return [Sheet("journal", ["Id", "Time (UTC)", "Method", "Path", "Query", "Status", "Duration (ms)"],
                      lambda: [[r["id"], as_datetime(r["at"]), r["method"], r["path"], r["query"], r["status"],
                                r["durationMs"]] for r in self.rows])]


@dataclass(frozen=True, slots=True)
class Message:
    """A request or an answer as kept: headers, and the body as text (JSON indented)."""

    headers: list[tuple[str, str]]
    content_type: str | None
    body: str | None
    body_bytes: int
    truncated: bool


@dataclass(frozen=True, slots=True)
class JournalEntryView:
    id: int
    at: str
    method: str
    path: str
    query: str
    status: int
    duration_ms: float
    request: Message
    response: Message


async def journal_view(ctx: ReadContext, store: JournalStore, params: Mapping[str, str]) -> JournalView:
    rows: list[dict[str, Any]] = store.summaries(ctx.principal.org_id)
    wanted = JournalFilter.from_params(params)
    return JournalView([row for row in rows if wanted.keeps(row)], len(rows), store.size, wanted)


def _message(kept: Mapping[str, Any]) -> Message:
    body = kept.get("body")
    if body is not None and not isinstance(body, str):
        body = json.dumps(body, indent=2, ensure_ascii=False)
    headers = sorted(dict(kept.get("headers", {})).items())
    return Message(headers, kept.get("contentType"), body, int(kept.get("bodyBytes", 0)), bool(kept.get("truncated")))


async def journal_entry(ctx: ReadContext, store: JournalStore, entry_id: str) -> JournalEntryView:
    """One kept request of the organisation; 404 as the API's for an id it does not keep (or another's)."""
    entry = store.get(ctx.principal.org_id, int(entry_id)) if entry_id.isdigit() else None
    if entry is None:
        raise ObjectNotFoundError(f"No request {entry_id[:40]} is kept in this organisation's journal.")
    return JournalEntryView(entry["id"], entry["at"], entry["method"], entry["path"], entry["query"], entry["status"],
                            entry["durationMs"], _message(entry["request"]), _message(entry["response"]))
