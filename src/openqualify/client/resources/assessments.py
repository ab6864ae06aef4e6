"""Assessments of an offering, learners' submissions and open-response activities."""

from __future__ import annotations

import builtins
from datetime import datetime

from ..models import (
    AssessmentPendingSubmission,
    AssessmentResponse,
    Assignments,
    OfferingActivitiesResponse,
)
from ._resource import Resource, body, jsonable, operation


class AssessmentsResource(Resource):
    @operation("GET", "/offerings/{offeringId}/assessments")
    def list(self, offering_id: str) -> builtins.list[AssessmentResponse]:
        """The assessments of an offering."""
        return self._call("GET", "offerings", offering_id, "assessments", into=builtins.list[AssessmentResponse])

    @operation("PATCH", "/offerings/{offeringId}/assessments/{assessmentId}")
    def update(
        self,
        offering_id: str,
        assessment_id: str,
        *,
        content: str | None = None,
        open_date: datetime | str | None = None,
        due_date: datetime | str | None = None,
        mark_number: str | None = None,
        mark_type: str | None = None,
    ) -> AssessmentResponse:
        """Change an assessment's brief, dates or marking scheme."""
        payload = body(
            content=content, open_date=open_date, due_date=due_date, mark_number=mark_number, mark_type=mark_type
        )
        return self._call(
            "PATCH", "offerings", offering_id, "assessments", assessment_id, json=payload, into=AssessmentResponse
        )

    @operation("DELETE", "/offerings/{offeringId}/assessments/{assessmentId}/documents/{documentId}")
    def delete_document(self, offering_id: str, assessment_id: str, document_id: str) -> None:
        """Remove a document attached to an assessment."""
        return self._call("DELETE", "offerings", offering_id, "assessments", assessment_id, "documents", document_id)

    @operation("PATCH", "/offerings/{offeringId}/assessments/{assessmentId}/{userEmail}")
    def set_learner_due_date(
        self, offering_id: str, assessment_id: str, email: str, due_date: datetime | str
    ) -> None:
        """Give one learner their own due date for a quiz."""
        return self._call(
            "PATCH", "offerings", offering_id, "assessments", assessment_id, email,
            json={"dueDate": jsonable(due_date)},
        )  # fmt: skip

    @operation("GET", "/offerings/{offeringId}/learners/pending-submission")
    def pending_submission(
        self, offering_id: str, *, days: int | None = None
    ) -> builtins.list[AssessmentPendingSubmission]:
        """Assessments due within `days` (server default 3) with the learners who have not submitted."""
        return self._call(
            "GET", "offerings", offering_id, "learners", "pending-submission",
            params={"days": days}, into=builtins.list[AssessmentPendingSubmission],
        )  # fmt: skip

    @operation("DELETE", "/offerings/{offeringId}/users/{userEmail}/assessments/{assessmentId}")
    def reset_submission(self, offering_id: str, email: str, assessment_id: str) -> None:
        """Send a learner's submission back to draft."""
        return self._call("DELETE", "offerings", offering_id, "users", email, "assessments", assessment_id)

    @operation("GET", "/offerings/{offeringId}/users/{userEmail}/submissions/open-response")
    def open_response_submissions(self, offering_id: str, email: str) -> builtins.list[Assignments]:
        """A learner's open-response submissions with their marks."""
        return self._call(
            "GET", "offerings", offering_id, "users", email, "submissions", "open-response",
            into=builtins.list[Assignments],
        )  # fmt: skip

    @operation("GET", "/offerings/{offeringId}/activities/openresponse")
    def open_response_activities(self, offering_id: str) -> builtins.list[OfferingActivitiesResponse]:
        """The open-response activities in the offering's content."""
        return self._call(
            "GET", "offerings", offering_id, "activities", "openresponse",
            into=builtins.list[OfferingActivitiesResponse],
        )  # fmt: skip
