"""Wire shapes of assessment data (the contract's `AssignmentMarkResponse`, `QuizMarkResponse`,
`SubmissionMarkResponse`, `ActivityAttemptOpenResponse`)."""

from __future__ import annotations

from pydantic import BaseModel

from openqualify.server.assessments.schemas import DocumentOut, MarkOut
from openqualify.server.kit.timefmt import DateTimeOut


class LearnerFields(BaseModel):
    learnerEmail: str
    learnerFirstName: str | None = None
    learnerLastName: str | None = None
    learnerPersonId: str | None = None


class AssignmentMarkOut(LearnerFields):
    """One learner's submission to one assessment, flattened with its latest mark (if any)."""

    assessmentId: str
    assessmentItemName: str
    assessmentItemDetails: str | None = None
    courseName: str | None = None
    submissionDateTime: DateTimeOut | None = None
    mark: str | None = None
    markFeedback: str | None = None
    markedBy: str | None = None
    markedDateTime: DateTimeOut | None = None
    markedByFacilitator: bool | None = None
    markedByMarker: bool | None = None
    markedByEvaluator: bool | None = None


class SubmissionMarkOut(LearnerFields):
    assessmentId: str
    assessmentItemName: str
    assessmentItemDetails: str | None = None
    courseName: str | None = None
    submissionDateTime: DateTimeOut | None = None
    status: str
    html: str | None = None
    files: list[DocumentOut]
    marks: list[MarkOut]


class QuizMarkOut(BaseModel):
    """One learner's result on one quiz: the last attempt's mark and how many attempts they made."""

    quizId: str
    quizTitle: str
    learnerEmail: str
    learnerFullname: str | None = None
    learnerPersonId: str | None = None
    mark: str
    attempts: int
    lastAttemptAt: DateTimeOut


class UploadedFileOut(BaseModel):
    filename: str | None = None
    mimetype: str | None = None
    size: str | None = None
    url: str | None = None


class ActivityFeedbackOut(BaseModel):
    facilitatorEmail: str | None = None
    text: str | None = None


class ActivityAttemptOut(BaseModel):
    activityId: str
    activityType: str
    learnerEmail: str
    offeringId: str
    responseText: str | None = None
    # The contract types this as one object; attempts carry several files, so it is a list (documented erratum).
    uploadedFiles: list[UploadedFileOut]
    feedback: ActivityFeedbackOut | None = None
