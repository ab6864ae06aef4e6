"""Courses (authored content), their metadata and collaborator permissions."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from ..models import (
    ActivationResponse,
    CourseMetaResponse,
    CourseResponse,
    PermissionGranted,
    UserPermission,
)
from ._resource import Resource, body, operation


class CoursesResource(Resource):
    @operation("GET", "/courses")
    def list(self) -> builtins.list[CourseResponse]:
        """All courses, drafts and published."""
        return self._call("GET", "courses", into=builtins.list[CourseResponse])

    @operation("GET", "/courses/{contentId}")
    def get(self, content_id: str) -> CourseMetaResponse:
        """One course version with its metadata."""
        return self._call("GET", "courses", content_id, into=CourseMetaResponse)

    @operation("GET", "/courses/{contentId}/activations")
    def activations(self, content_id: str) -> builtins.list[ActivationResponse]:
        """The offerings created from a course version."""
        return self._call("GET", "courses", content_id, "activations", into=builtins.list[ActivationResponse])

    @operation("PUT", "/courses/{contentId}/metadata/category")
    def set_category(self, content_id: str, category: str) -> CourseMetaResponse:
        """Replace the course's category."""
        return self._meta(content_id, "category", category)

    @operation("PUT", "/courses/{contentId}/metadata/level")
    def set_level(self, content_id: str, level: str) -> CourseMetaResponse:
        """Replace the course's level."""
        return self._meta(content_id, "level", level)

    @operation("PUT", "/courses/{contentId}/metadata/tags")
    def set_tags(self, content_id: str, tags: Sequence[str]) -> CourseMetaResponse:
        """Replace the course's whole list of tags."""
        return self._meta(content_id, "tags", builtins.list(tags))

    @operation("PUT", "/courses/{contentId}/metadata/topic")
    def set_topic(self, content_id: str, topic: str) -> CourseMetaResponse:
        """Replace the course's topic."""
        return self._meta(content_id, "topic", topic)

    @operation("GET", "/courses/{contentId}/permissions")
    def permissions(self, content_id: str) -> builtins.list[UserPermission]:
        """Users who may build or review the course."""
        return self._call("GET", "courses", content_id, "permissions", into=builtins.list[UserPermission])

    @operation("POST", "/courses/{rootContentId}/permissions/{userEmail}")
    def grant_permission(
        self,
        root_content_id: str,
        email: str,
        *,
        is_builder: bool | None = None,
        is_reviewer: bool | None = None,
    ) -> PermissionGranted:
        """Make a user a builder (the server's default) or a reviewer of a course."""
        payload = body(is_builder=is_builder, is_reviewer=is_reviewer)
        return self._call(
            "POST", "courses", root_content_id, "permissions", email, json=payload, into=PermissionGranted
        )

    def _meta(self, content_id: str, field: str, value: object) -> CourseMetaResponse:
        return self._call("PUT", "courses", content_id, "metadata", field, json={field: value},
                          into=CourseMetaResponse)
