"""Assessments, submissions, marks and open-response activities."""

from __future__ import annotations

from ._base import DateTime, Model
from .common import Document
from .users import UserResponse


class ThemeResponse(Model):
    filter: str | None = None
    number_of_questions: str | None = None


class AssessmentResponse(Model):
    id: str | None = None
    title: str | None = None
    type: str | None = None
    content: str | None = None
    open_date: DateTime | None = None
    due_date: DateTime | None = None
    duration_minutes: int | None = None
    max_attempts: int | None = None
    mark_type: str | None = None
    mark_number: str | None = None
    points: str | None = None
    hidden: bool | None = None
    pid: str | None = None
    filename: str | None = None
    documents: list[Document] | None = None
    themes: list[ThemeResponse] | None = None
    total_questions: int | None = None
    total_themes: int | None = None


class AssessmentPendingSubmission(AssessmentResponse):
    offering_id: str | None = None
    offering_name: str | None = None
    users: list[UserResponse] | None = None


class MarkFeedback(Model):
    id: str | None = None
    mark: str | None = None
    feedback: str | None = None
    feedback_by: str | None = None
    marker_id: str | None = None
    created_at: DateTime | None = None


class Mark(Model):
    id: str | None = None
    mark: str | None = None
    feedback: str | None = None
    marked_by: str | None = None
    marker_id: str | None = None
    created_at: DateTime | None = None
    mark_feedback: list[MarkFeedback] | None = None


class Assignments(Model):
    status: str | None = None
    submitted_at: DateTime | None = None
    updated_at: DateTime | None = None
    files: list[Document] | None = None
    marks: list[Mark] | None = None


class _LearnerSubmission(Model):
    """Who handed in what: the fields every submission and mark row shares."""

    assessment_id: str | None = None
    assessment_item_name: str | None = None
    assessment_item_details: str | None = None
    course_name: str | None = None
    learner_email: str | None = None
    learner_first_name: str | None = None
    learner_last_name: str | None = None
    learner_person_id: str | None = None
    submission_date_time: DateTime | None = None


class SubmissionMarkResponse(_LearnerSubmission):
    status: str | None = None
    html: str | None = None
    files: list[Document] | None = None
    marks: list[Mark] | None = None


class AssignmentMarkResponse(_LearnerSubmission):
    mark: str | None = None
    mark_feedback: str | None = None
    marked_by: str | None = None
    marked_date_time: DateTime | None = None
    marked_by_facilitator: bool | None = None
    marked_by_marker: bool | None = None
    marked_by_evaluator: bool | None = None


class QuizMarkResponse(Model):
    quiz_id: str | None = None
    quiz_title: str | None = None
    learner_email: str | None = None
    learner_fullname: str | None = None
    learner_person_id: str | None = None
    mark: str | None = None
    attempts: int | None = None
    last_attempt_at: DateTime | None = None


class OfferingActivitiesResponse(Model):
    activity_id: str | None = None
    title: str | None = None
    time: int | float | None = None


class ActivityAttemptFeedback(Model):
    facilitator_email: str | None = None
    text: str | None = None


class ActivityAttemptFile(Model):
    filename: str | None = None
    mimetype: str | None = None
    size: str | None = None
    url: str | None = None


class ActivityAttemptOpenResponse(Model):
    activity_id: str | None = None
    activity_type: str | None = None
    learner_email: str | None = None
    offering_id: str | None = None
    response_text: str | None = None
    # The contract describes one object; servers send a list. Both are accepted.
    uploaded_files: list[ActivityAttemptFile] | ActivityAttemptFile | None = None
    feedback: ActivityAttemptFeedback | None = None
