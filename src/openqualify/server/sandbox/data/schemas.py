"""The sandbox's data bodies and answers: row counts, the export document, a learner's own start."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from openqualify.server.kit.timefmt import DateTimeIn, DateTimeOut

EXPORT_FORMAT = "openqualify-export"
EXPORT_VERSION = 1


class CountsOut(BaseModel):
    tables: dict[str, int]


class ExportDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: str = EXPORT_FORMAT
    version: int = EXPORT_VERSION
    exportedAt: DateTimeOut | None = None
    organisation: dict[str, Any] = Field(default_factory=dict)
    tables: dict[str, list[dict[str, Any]]]


class LearnerStartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: DateTimeIn | None


class LearnerStartOut(BaseModel):
    offeringId: str
    email: str
    start: DateTimeOut
