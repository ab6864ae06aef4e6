"""Input and output models of the sandbox's assessment endpoints (`sandbox/assessments/`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

from openqualify.server.assessment_data.schemas import ActivityAttemptOut
from openqualify.server.assessments import schemas as out
from openqualify.server.kit.timefmt import DateTimeIn, DateTimeOut
from openqualify.server.kit.validation import Bool, EmailStr, NonEmptyStr, Number, Str

Count = Annotated[int, Strict(), Field(ge=0, le=100_000)]
FileSize = Annotated[int, Strict(), Field(ge=0, le=2**31 - 1)]
"""Bytes of a file: what the documents' integer column holds (2 GiB); JSON-stored files keep the same bound."""
Days = Annotated[int, Strict(), Field(ge=-3650, le=3650)]
Title = Annotated[NonEmptyStr, Field(max_length=300)]


class Placed(BaseModel):
    """A course-version item: on `contentId`, or on the content of `offeringId` (exactly one)."""

    model_config = ConfigDict(extra="forbid")
    contentId: NonEmptyStr | None = None
    offeringId: NonEmptyStr | None = None
    position: Count | None = None

    @model_validator(mode="after")
    def _one_place(self) -> Placed:
        if (self.contentId is None) == (self.offeringId is None):
            raise ValueError("should have exactly one of the properties contentId, offeringId")
        return self


class ThemeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    filter: Str
    numberOfQuestions: Count


class AssessmentCreate(Placed):
    type: Literal["quiz", "assignment", "open-response"]
    title: Title
    content: Str | None = None
    markType: Literal["percentage", "points", "grade", "competency"] | None = None
    markNumber: NonEmptyStr | None = None
    points: Str | None = None
    durationMinutes: Count | None = None
    maxAttempts: Count | None = None
    hidden: Bool = False
    pid: Str | None = None
    filename: Str | None = None
    themes: list[ThemeIn] = Field(default_factory=list)
    totalQuestions: Count | None = None
    openDate: DateTimeIn | None = None
    dueDate: DateTimeIn | None = None
    openOffsetDays: Days | None = None
    dueOffsetDays: Days | None = None


class SandboxAssessmentOut(BaseModel):
    """The assessment as the course version defines it (offerings may override dates, content and marking)."""

    id: str
    contentId: str
    position: int
    type: str
    title: str
    content: str | None = None
    markType: str | None = None
    markNumber: str | None = None
    points: str | None = None
    durationMinutes: int | None = None
    maxAttempts: int | None = None
    hidden: bool
    pid: str | None = None
    filename: str | None = None
    themes: list[out.ThemeOut]
    totalQuestions: int | None = None
    openDate: DateTimeOut | None = None
    dueDate: DateTimeOut | None = None
    openOffsetDays: int | None = None
    dueOffsetDays: int | None = None


class DocumentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    filename: NonEmptyStr
    mimetype: NonEmptyStr = "application/pdf"
    size: FileSize = 0
    url: Str | None = None
    offeringId: NonEmptyStr | None = None  # only in this offering; absent: in every offering of the content
    createdAt: DateTimeIn | None = None


class SandboxDocumentOut(out.DocumentOut):
    assessmentId: str
    offeringId: str | None = None


class FileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Str | None = None
    filename: NonEmptyStr
    mimetype: NonEmptyStr = "application/octet-stream"
    size: FileSize = 0
    url: Str | None = None
    createdAt: DateTimeIn | None = None


class SubmissionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr
    status: Literal["draft", "submitted", "marked"] = "submitted"
    html: Str | None = None
    files: list[FileIn] = Field(default_factory=list)
    submittedAt: DateTimeIn | None = None
    updatedAt: DateTimeIn | None = None


class SandboxSubmissionOut(BaseModel):
    id: str
    offeringId: str
    assessmentId: str
    email: str
    status: str
    html: str | None = None
    files: list[out.DocumentOut]
    submittedAt: DateTimeOut | None = None
    updatedAt: DateTimeOut


class MarkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mark: NonEmptyStr
    feedback: Str | None = None
    markedBy: EmailStr
    role: Literal["facilitator", "marker", "evaluator"] | None = None  # absent: from the marker's membership
    createdAt: DateTimeIn | None = None


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    feedback: Str | None = None
    mark: NonEmptyStr | None = None
    feedbackBy: EmailStr
    createdAt: DateTimeIn | None = None

    @model_validator(mode="after")
    def _something(self) -> FeedbackCreate:
        if self.feedback is None and self.mark is None:
            raise ValueError("should have one of the properties feedback, mark")
        return self


class SandboxMarkOut(out.MarkOut):
    submissionId: str


class AttemptCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr
    mark: Annotated[NonEmptyStr, Field(max_length=40)]
    attemptedAt: DateTimeIn | None = None


class SandboxAttemptOut(BaseModel):
    id: str
    offeringId: str
    assessmentId: str
    email: str
    mark: str
    attemptedAt: DateTimeOut


class ActivityCreate(Placed):
    title: Title
    time: Annotated[Number, Field(ge=0)] | None = None


class SandboxActivityOut(BaseModel):
    activityId: str
    contentId: str
    position: int
    title: str
    time: float | None = None


class UploadedFileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    filename: NonEmptyStr
    mimetype: NonEmptyStr = "application/octet-stream"
    size: FileSize = 0
    url: Str | None = None


class ActivityFeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    facilitatorEmail: EmailStr
    text: Str


class ActivityAttemptCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr
    responseText: Str | None = None
    uploadedFiles: list[UploadedFileIn] = Field(default_factory=list)
    feedback: ActivityFeedbackIn | None = None
    createdAt: DateTimeIn | None = None


class SandboxActivityAttemptOut(ActivityAttemptOut):
    id: str
    createdAt: DateTimeOut
