"""The sandbox's learning bodies and answers: pages, page progress, logins, reactions, notes, pulses."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

from openqualify.server.kit.timefmt import DateTimeIn, DateTimeOut
from openqualify.server.kit.validation import Bool, EmailStr, NonEmptyStr, Number, Str

Count = Annotated[int, Strict(), Field(ge=0, le=10_000)]
Title = Annotated[NonEmptyStr, Field(max_length=300)]
PulseType = Literal["submit_text", "MCQ", "spatial_triangular", "spatial_planar", "spatial_linear"]


class PageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Title
    taskCount: Count = 0
    position: Count | None = None


class PageOut(BaseModel):
    id: str
    contentId: str
    title: str
    taskCount: int
    position: int


class PageProgressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    viewed: Bool = True
    tasksDone: Count = 0


class PageProgressOut(BaseModel):
    offeringId: str
    email: str
    pageId: str
    viewed: bool
    tasksDone: int
    completion: str


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: DateTimeIn | None = None


class LoginOut(BaseModel):
    offeringId: str
    email: str
    lastLoggedInAt: DateTimeOut
    firstAccessAt: DateTimeOut
    lastAccessAt: DateTimeOut


class ReactionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr
    pageId: NonEmptyStr
    reaction: Literal["thumbs-up", "thumbs-down"]


class ReactionOut(BaseModel):
    id: str
    offeringId: str
    pageId: str
    email: str
    reaction: str


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr
    pageId: NonEmptyStr
    paragraphId: Annotated[NonEmptyStr, Field(max_length=200)]
    content: NonEmptyStr
    shared: Bool = True
    createdAt: DateTimeIn | None = None


class NoteOut(BaseModel):
    id: str
    offeringId: str
    pageId: str
    email: str
    paragraphId: str
    content: str
    shared: bool
    createdAt: DateTimeOut


class PulseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: NonEmptyStr
    pulseType: PulseType
    options: list[Annotated[NonEmptyStr, Field(max_length=300)]] = Field(default_factory=list)


class PulseOut(BaseModel):
    id: str
    offeringId: str
    question: str
    pulseType: str
    options: list[str]


class RunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: DateTimeIn | None = None
    durationMinutes: Annotated[int, Strict(), Field(ge=1, le=525_600)] = 60


class RunOut(BaseModel):
    id: str
    pulseId: str
    start: DateTimeOut
    durationMinutes: int


class ChoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    option: NonEmptyStr
    value: Bool


class SpatialIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    option: NonEmptyStr
    value: Number


class AnswerIn(BaseModel):
    """Exactly one of the three, matching the pulse's type."""

    model_config = ConfigDict(extra="forbid")
    textAnswer: Str | None = None
    multiChoiceAnswer: list[ChoiceIn] | None = None
    spatialAnswer: list[SpatialIn] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> AnswerIn:
        given = [
            name for name in ("textAnswer", "multiChoiceAnswer", "spatialAnswer") if getattr(self, name) is not None
        ]
        if len(given) != 1:
            raise ValueError("should have exactly one of textAnswer, multiChoiceAnswer, spatialAnswer")
        return self


class ResponseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr
    responseTime: DateTimeIn | None = None
    response: AnswerIn


class ResponseOut(BaseModel):
    id: str
    pulseId: str
    runId: str
    learnerId: str
    responseTime: DateTimeOut
    response: dict[str, object]
