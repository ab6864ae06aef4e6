"""Wire shapes of assessment management (the contract's `Assessment`, `AssessmentResponse`, `Document`, `Mark`,
`Assignments`, `AssessmentPendingSubmission`, `OfferingActivitiesResponse`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict

from openqualify.server.db.models import AssessmentSetting
from openqualify.server.kit.timefmt import DateTimeOut, OptDateTimeIn
from openqualify.server.kit.validation import NOT_NULL, Str, fits
from openqualify.server.users.schemas import PersonOut, ProfileRequestOut

ASSESSMENT_TYPES = ("quiz", "assignment", "open-response")
MARK_TYPES = ("percentage", "points", "grade", "competency")
SUBMISSION_STATUSES = ("draft", "submitted", "marked")

AssessmentType = Literal["quiz", "assignment", "open-response"]
MarkType = Literal["percentage", "points", "grade", "competency"]


# Optional fields that, when present, must hold a value of their type (JSON null is not a string).
OptStr = Annotated[Str | None, NOT_NULL]
OptMarkNumber = Annotated[Annotated[str, fits(AssessmentSetting.mark_number, min_length=1)] | None, NOT_NULL]
OptMarkType = Annotated[MarkType | None, NOT_NULL]
OptDateTime = OptDateTimeIn


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




class PendingUserOut(PersonOut):
    """The contract's `User` (request schema, additionalProperties false): only its own fields."""

    metadata: UserMetadataOut
    profile: ProfileRequestOut


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
