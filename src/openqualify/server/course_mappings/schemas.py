"""Wire shapes of course mappings: the external course id travels in the path and is stored as it is."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from openqualify.server.db.models import CourseMapping
from openqualify.server.kit.validation import fits

ExternalCourseIdPath = Annotated[str, fits(CourseMapping.external_course_id), Path()]
