"""Wire shapes of assessment management (the contract's `Assessment`, `AssessmentResponse`, `Document`, `Mark`,
`Assignments`, `AssessmentPendingSubmission`, `OfferingActivitiesResponse`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict

from openqualify.server.db.models import AssessmentSetting
from openqualify.server.kit.timefmt import DateTimeOut, parse_datetime
from openqualify.server.kit.validation import Str, fits, not_null

ASSESSMENT_TYPES = ("quiz", "assignment", "open-response")
MARK_TYPES = ("percentage", "points", "grade", "competency")
SUBMISSION_STATUSES = ("draft", "submitted", "marked")

AssessmentType = Literal["quiz", "assignment", "open-response"]
MarkType = Literal["percentage", "points", "grade", "competency"]


def _not_null_datetime(value: object) -> object:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("should be string")
    try:
        return parse_datetime(value)
    except ValueError:
        raise ValueError('should match format "date-time"') from None


# Optional fields that, when present, must hold a value of their type (JSON null is not a string).
OptStr = not_null(Str)
OptMarkNumber = not_null(fits(AssessmentSetting.mark_number, min_length=1))
OptMarkType = not_null(MarkType)
OptDateTime = Annotated[datetime | None, BeforeValidator(_not_null_datetime)]


class AssessmentPatch(BaseModel):
    """`Assessment`: what an offering may change on one of its assessments."""

    content: OptStr = None
    openDate: OptDateTime = None
    dueDate: OptDateTime = None
    markNumber: OptMarkNumber = None
    markType: OptMarkType = None


class LearnerDueDate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dueDate: OptDateTime = None


class DocumentOut(BaseModel):
    id: str
    filename: str | None = None
    mimetype: str | None = None
    size: int | None = None
    url: str | None = None
    createdAt: DateTimeOut | None = None


class ThemeOut(BaseModel):
    filter: str | None = None
    numberOfQuestions: str | None = None


class AssessmentOut(BaseModel):
    id: str
    title: str
    type: str
    content: str | None = None
    openDate: DateTimeOut | None = None
    dueDate: DateTimeOut | None = None
    durationMinutes: int | None = None
    maxAttempts: int | None = None
    markType: str | None = None
    markNumber: str | None = None
    points: str | None = None
    hidden: bool = False
    pid: str | None = None
    filename: str | None = None
    documents: list[DocumentOut]
    themes: list[ThemeOut] | None = None
    totalQuestions: int | None = None
    totalThemes: int | None = None


class UserMetadataOut(BaseModel):
    tags: list[str]


class UserProfileOut(BaseModel):
    displayName: str | None = None


class PendingUserOut(BaseModel):
    """The contract's `User` (request schema, additionalProperties false): only its own fields."""

    email: str
    firstName: str | None = None
    lastName: str | None = None
    personId: str | None = None
    metadata: UserMetadataOut
    profile: UserProfileOut


class PendingSubmissionOut(AssessmentOut):
    offeringId: str
    offeringName: str
    users: list[PendingUserOut]


class MarkFeedbackOut(BaseModel):
    id: str
    mark: str | None = None
    feedback: str | None = None
    feedbackBy: str | None = None
    markerId: str | None = None
    createdAt: DateTimeOut | None = None


class MarkOut(BaseModel):
    id: str
    mark: str | None = None
    feedback: str | None = None
    markedBy: str | None = None
    markerId: str | None = None
    createdAt: DateTimeOut
    markFeedback: list[MarkFeedbackOut]


class AssignmentOut(BaseModel):
    """`Assignments`: a learner's submission with its marks."""

    status: str
    submittedAt: DateTimeOut | None = None
    updatedAt: DateTimeOut | None = None
    files: list[DocumentOut]
    marks: list[MarkOut]


class ActivityOut(BaseModel):
    activityId: str
    title: str
    time: float | None = None
