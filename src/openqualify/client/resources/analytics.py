"""Read-only analytics of an offering: marks, submissions, activity attempts, notes and reactions."""

from __future__ import annotations

from ..models import (
    ActivityAttemptOpenResponse,
    AssignmentMarkResponse,
    QuizMarkResponse,
    SocialNotesResponse,
    SubmissionMarkResponse,
    UnitReactionsAnalyticsResponse,
)
from ._resource import Resource, T, operation


class AnalyticsResource(Resource):
    @operation("GET", "/offerings/{offeringId}/analytics/marks/assignments")
    def marks_assignments(self, offering_id: str) -> list[AssignmentMarkResponse]:
        """Marked assignment submissions, one row per learner and assessment."""
        return self._get(offering_id, "marks", "assignments", into=list[AssignmentMarkResponse])

    @operation("GET", "/offerings/{offeringId}/analytics/marks/quizzes")
    def marks_quizzes(self, offering_id: str) -> list[QuizMarkResponse]:
        """Quiz marks, one row per learner and quiz."""
        return self._get(offering_id, "marks", "quizzes", into=list[QuizMarkResponse])

    @operation("GET", "/offerings/{offeringId}/analytics/submissions/assignments")
    def submissions_assignments(self, offering_id: str) -> list[AssignmentMarkResponse]:
        """Every assignment submission, marked or not."""
        return self._get(offering_id, "submissions", "assignments", into=list[AssignmentMarkResponse])

    @operation("GET", "/offerings/{offeringId}/analytics/submissions/open-response/{assessmentId}")
    def submissions_open_response(self, offering_id: str, assessment_id: str) -> list[SubmissionMarkResponse]:
        """Submissions for one open-response assessment."""
        return self._get(
            offering_id, "submissions", "open-response", assessment_id, into=list[SubmissionMarkResponse]
        )

    @operation("GET", "/offerings/{offeringId}/analytics/submissions/{userEmail}/assignments/{assessmentId}")
    def learner_submission(
        self, offering_id: str, email: str, assessment_id: str
    ) -> list[SubmissionMarkResponse]:
        """One learner's submission for an assignment (an empty list when there is none)."""
        return self._get(
            offering_id, "submissions", email, "assignments", assessment_id, into=list[SubmissionMarkResponse]
        )

    @operation("GET", "/offerings/{offeringId}/analytics/activities/responses")
    def activity_responses(self, offering_id: str) -> list[ActivityAttemptOpenResponse]:
        """Learners' attempts at open-response activities."""
        return self._get(offering_id, "activities", "responses", into=list[ActivityAttemptOpenResponse])

    @operation("GET", "/offerings/{offeringId}/analytics/social-notes")
    def social_notes(self, offering_id: str) -> list[SocialNotesResponse]:
        """Social notes learners chose to share."""
        return self._get(offering_id, "social-notes", into=list[SocialNotesResponse])

    @operation("GET", "/offerings/{offeringId}/analytics/unit-reactions")
    def unit_reactions(self, offering_id: str) -> list[UnitReactionsAnalyticsResponse]:
        """Thumbs-up and thumbs-down counts per page."""
        return self._get(offering_id, "unit-reactions", into=list[UnitReactionsAnalyticsResponse])

    def _get(self, offering_id: str, *rest: str, into: type[T]) -> T:
        return self._call("GET", "offerings", offering_id, "analytics", *rest, into=into)
