"""Learners' progress through offerings."""

from __future__ import annotations

from ..models import AllProgressResponse, LearnerProgressResponse, LearnerResponse, UserOfferingProgress
from ._resource import Resource, operation


class ProgressResource(Resource):
    @operation("GET", "/offerings/{offeringId}/analytics/learners-progress")
    def offering(self, offering_id: str) -> list[LearnerProgressResponse]:
        """Completion of every learner in an offering."""
        return self._call(
            "GET", "offerings", offering_id, "analytics", "learners-progress", into=list[LearnerProgressResponse]
        )

    @operation("GET", "/users/all/progress")
    def all(
        self, *, top: int | None = None, orderby: str | None = None, filter: str | None = None
    ) -> AllProgressResponse:
        """Every learner with their completion per offering (`$top`, `$orderby`, `$filter`)."""
        params = {"$top": top, "$orderby": orderby, "$filter": filter}
        return self._call("GET", "users", "all", "progress", params=params, into=AllProgressResponse)

    @operation("GET", "/users/{userEmail}/progress")
    def user(self, email: str) -> LearnerResponse:
        """One learner's completion across their offerings."""
        return self._call("GET", "users", email, "progress", into=LearnerResponse)

    @operation("GET", "/users/{userEmail}/offerings/{offeringId}/progress")
    def user_offering(self, email: str, offering_id: str) -> UserOfferingProgress:
        """One learner's completion in one offering."""
        return self._call("GET", "users", email, "offerings", offering_id, "progress", into=UserOfferingProgress)
