"""The blocks events are made of, named as the API's own read operations name them.

Every block keeps all its keys (null when unknown), so a receiver's mapping (a Zapier field, a warehouse
column) never meets a missing key. Tags are flat on each object (`offering.tags`, `course.tags`), where the API
nests them under `metadata`: receivers filter on them directly. Pages and assessments have no tags in the API
yet, so theirs are empty lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from openqualify.server.kit.timefmt import format_datetime

# Model attribute -> the API's name, for `changed` lists.
USER_FIELDS = {
    "email": "email",
    "first_name": "firstName",
    "last_name": "lastName",
    "person_id": "personId",
    "tags": "metadata.tags",
    "display_name": "profile.displayName",
    "mobile": "profile.mobile",
}
OFFERING_FIELDS = {
    "name": "name",
    "description": "description",
    "overview": "overview",
    "identifier": "identifier",
    "content_id": "contentId",
    "start": "start",
    "end": "end",
    "has_early_close_off": "hasEarlyCloseOff",
    "early_close_off_date": "earlyCloseOffDate",
    "use_relative_dates": "useRelativeDates",
    "is_readonly": "isReadonly",
    "trailer_video_url": "trailerVideoUrl",
    "category": "metadata.category",
    "level": "metadata.level",
    "tags": "metadata.tags",
    "topic": "metadata.topic",
}


def _get(source: Any, name: str) -> Any:
    """An attribute of an entity or a row, or a key of a mapping (the bulk paths pass column dicts)."""
    if isinstance(source, Mapping):
        return source.get(name)
    return getattr(source, name, None)


def when(value: datetime | None) -> str | None:
    return format_datetime(value) if value is not None else None


def person(user: Any) -> dict[str, Any]:
    """A learner (or any member): who did it. Dropped from anonymous events."""
    return {
        "id": _get(user, "id"),
        "email": _get(user, "email"),
        "firstName": _get(user, "first_name"),
        "lastName": _get(user, "last_name"),
        "personId": _get(user, "person_id"),
    }


def account(user: Any) -> dict[str, Any]:
    """A user as the user events describe it: the person and the account's tags."""
    return {**person(user), "tags": list(_get(user, "tags") or [])}


def offering_block(offering: Any, *, detailed: bool = False) -> dict[str, Any]:
    block = {"id": offering.id, "name": offering.name, "tags": list(offering.tags or [])}
    if detailed:
        block.update(
            identifier=offering.identifier,
            contentId=offering.content_id,
            start=when(offering.start),
            end=when(offering.end),
        )
    return block


def course_block(course: Any, content_id: str) -> dict[str, Any]:
    """The course version an offering runs (`contentId`) and the course's own id, name and tags."""
    return {
        "contentId": content_id,
        "rootContentId": _get(course, "id"),
        "name": _get(course, "name"),
        "tags": list(_get(course, "tags") or []),
    }


def page_block(page: Any) -> dict[str, Any]:
    return {"id": page.id, "title": page.title, "tags": []}


def assessment_block(assessment: Any) -> dict[str, Any]:
    return {"id": assessment.id, "title": assessment.title, "type": assessment.type, "tags": []}


def role_of(is_facilitator: bool, is_marker: bool) -> str:
    return "facilitator" if is_facilitator else "marker" if is_marker else "learner"


def changed_fields(history: Mapping[str, bool], names: Mapping[str, str]) -> list[str]:
    """The API names of the attributes that changed."""
    return [names[attribute] for attribute, changed in history.items() if changed and attribute in names]
