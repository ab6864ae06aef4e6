"""Offering badges and awards."""

from __future__ import annotations

from ..models import AwardedResponse, Badge, UserBadge
from ._resource import Resource, operation


class BadgesResource(Resource):
    @operation("GET", "/offerings/{offeringId}/badges")
    def get(self, offering_id: str) -> Badge:
        """The badge an offering awards."""
        return self._call("GET", "offerings", offering_id, "badges", into=Badge)

    @operation("POST", "/offerings/{offeringId}/users/{userEmail}/badges/award")
    def award(self, offering_id: str, email: str) -> AwardedResponse:
        """Award the offering's badge to a learner now."""
        return self._call("POST", "offerings", offering_id, "users", email, "badges", "award", into=AwardedResponse)

    @operation("GET", "/users/{userEmail}/badges")
    def for_user(self, email: str) -> list[UserBadge]:
        """Badges a user has been awarded."""
        return self._call("GET", "users", email, "badges", into=list[UserBadge])
