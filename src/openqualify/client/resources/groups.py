"""Assessment groups of an offering and their learners."""

from __future__ import annotations

import builtins

from ..models import AssessmentGroupResponse, UserResponse
from ._resource import Resource, operation


class GroupsResource(Resource):
    @operation("GET", "/offerings/{offeringId}/groups")
    def list(self, offering_id: str) -> builtins.list[AssessmentGroupResponse]:
        """The offering's assessment groups."""
        return self._call("GET", "offerings", offering_id, "groups", into=builtins.list[AssessmentGroupResponse])

    @operation("POST", "/offerings/{offeringId}/groups")
    def create(self, offering_id: str, title: str) -> AssessmentGroupResponse:
        """Create an assessment group."""
        return self._call(
            "POST", "offerings", offering_id, "groups", json={"title": title}, into=AssessmentGroupResponse
        )

    @operation("GET", "/offerings/{offeringId}/groups/{groupId}/learners")
    def learners(self, offering_id: str, group_id: str) -> builtins.list[UserResponse]:
        """Learners in a group."""
        return self._call(
            "GET", "offerings", offering_id, "groups", group_id, "learners", into=builtins.list[UserResponse]
        )

    @operation("POST", "/offerings/{offeringId}/groups/{groupId}/learners")
    def add_learner(self, offering_id: str, group_id: str, email: str) -> UserResponse:
        """Put a learner in a group."""
        return self._call(
            "POST", "offerings", offering_id, "groups", group_id, "learners", json={"email": email}, into=UserResponse
        )

    @operation("DELETE", "/offerings/{offeringId}/groups/{groupId}/learners/{userEmail}")
    def remove_learner(self, offering_id: str, group_id: str, email: str) -> None:
        """Take a learner out of a group."""
        return self._call("DELETE", "offerings", offering_id, "groups", group_id, "learners", email)
