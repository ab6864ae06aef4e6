"""Wire shapes of the request journal."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class JournalMessage(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    headers: dict[str, str]
    content_type: str | None = Field(alias="contentType")
    body: Any = Field(description="Parsed JSON when the body is JSON and complete, else text")
    body_bytes: int = Field(alias="bodyBytes", description="The body's full length")
    truncated: bool


class JournalEntry(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: int
    at: str
    method: str
    path: str
    query: str
    status: int
    duration_ms: float = Field(alias="durationMs")
    request_id: str | None = Field(alias="requestId", description="The request's id, as its `X-Request-Id` answer")
    request: JournalMessage
    response: JournalMessage
    fault: dict[str, Any] | None = Field(
        default=None, description="A fault the sandbox injected (/_sandbox/faults or Prefer); status 0: no answer"
    )
