"""Links between offerings and external (e.g. SIS or shop) course ids."""

from __future__ import annotations

import builtins

from ._resource import Resource, operation


class CourseMappingsResource(Resource):
    @operation("GET", "/course-mappings")
    def list(self) -> dict[str, str]:
        """Every mapping of the organisation, as `{offeringId: externalCourseId}`."""
        return self._call("GET", "course-mappings", into=dict[str, str])

    @operation("GET", "/course-mappings/externalcourse/{externalCourseId}")
    def offerings_for(self, external_course_id: str) -> builtins.list[str]:
        """Ids of the offerings mapped to an external course id."""
        return self._call("GET", "course-mappings", "externalcourse", external_course_id, into=builtins.list[str])

    @operation("GET", "/course-mappings/{offeringId}")
    def for_offering(self, offering_id: str) -> builtins.list[str]:
        """External course ids mapped to an offering."""
        return self._call("GET", "course-mappings", offering_id, into=builtins.list[str])

    @operation("PUT", "/course-mappings/{offeringId}/{externalCourseId}")
    def add(self, offering_id: str, external_course_id: str) -> builtins.list[str]:
        """Map an offering to an external course id; returns the offering's mappings afterwards."""
        return self._call("PUT", "course-mappings", offering_id, external_course_id, into=builtins.list[str])

    @operation("DELETE", "/course-mappings/{offeringId}/{externalCourseId}")
    def remove(self, offering_id: str, external_course_id: str) -> builtins.list[str]:
        """Remove a mapping; returns the offering's remaining mappings."""
        return self._call("DELETE", "course-mappings", offering_id, external_course_id, into=builtins.list[str])
