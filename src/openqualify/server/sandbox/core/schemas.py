"""The sandbox's core bodies and answers: courses and versions, the clock, sent e-mails."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from openqualify.server.kit.timefmt import DateTimeIn, DateTimeOut
from openqualify.server.kit.validation import Bool, NonEmptyStr, Number, Str


class LearningOutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Str | None = None
    description: NonEmptyStr


class CourseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: NonEmptyStr
    coverImageUrl: Str | None = None
    tasksEnabled: Bool = True
    category: Str | None = None
    level: Str | None = None
    topic: Str | None = None
    tags: list[Str] = Field(default_factory=list)
    learningOutcomes: list[LearningOutcomeIn] = Field(default_factory=list)
    publish: Bool = True
    createdAt: DateTimeIn | None = None


class VersionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    notes: Str | None = None
    name: NonEmptyStr | None = None


class VersionOut(BaseModel):
    contentId: str
    version: int
    name: str
    publishedAt: DateTimeOut
    notes: str | None = None


class SandboxCourseOut(BaseModel):
    rootContentId: str
    contentId: str | None = None
    draftId: str | None = None
    name: str
    tasksEnabled: bool
    versions: list[VersionOut]


class ClockOut(BaseModel):
    now: DateTimeOut
    frozen: bool
    offsetSeconds: float


class ClockSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    now: DateTimeIn | None = None
    frozen: Bool = True


class ClockAdvance(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seconds: Number = 0
    minutes: Number = 0
    hours: Number = 0
    days: Number = 0


class EmailOut(BaseModel):
    id: str
    to: str
    kind: str
    subject: str
    offeringId: str | None = None
    createdAt: DateTimeOut
