"""Courses and versions as authors make them, the organisation's test clock, the outbox."""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.courses.repository import CourseRepository
from openqualify.server.db.models import Course, CourseVersion, Organisation
from openqualify.server.kit.auth import Principal, mark_org_changed
from openqualify.server.kit.clock import OrgClock, system_now
from openqualify.server.kit.errors import ObjectNotFoundError, SchemaValidationError
from openqualify.server.kit.ids import push_id
from openqualify.server.kit.repository import Repository
from openqualify.server.kit.timefmt import RANGE_TEXT, format_datetime, in_range, shift
from openqualify.server.sandbox.core.schemas import (
    ClockAdvance,
    ClockOut,
    ClockSet,
    CourseCreate,
    EmailOut,
    SandboxCourseOut,
    VersionCreate,
    VersionOut,
)
from openqualify.server.users.repository import UserRepository

MAX_EMAILS = 1000
MAX_ADVANCE_DAYS = 36_500
"""One move of the clock: at most 100 years either way (the clock itself stays within the date bounds)."""
_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3_600, "days": 86_400}


async def _course(session: AsyncSession, root_content_id: str) -> Course:
    course = await CourseRepository(session).find_by_root(root_content_id)
    if course is None:
        raise ObjectNotFoundError.of("content", root_content_id)
    return course


def _course_out(course: Course, versions: list[CourseVersion]) -> SandboxCourseOut:
    return SandboxCourseOut(
        rootContentId=course.id,
        contentId=course.latest_content_id,
        draftId=course.draft_id,
        name=course.name,
        tasksEnabled=course.tasks_enabled,
        versions=[
            VersionOut(contentId=v.id, version=v.version, name=v.name, publishedAt=v.published_at, notes=v.notes)
            for v in versions
        ],
    )


def _publish(course: Course, version: int, now: datetime, name: str | None, notes: str | None) -> CourseVersion:
    """A new version; the first one's contentId is the course's rootContentId."""
    content_id = course.id if version == 1 else push_id()
    course.latest_content_id = content_id
    course.draft_id = None
    return CourseVersion(
        id=content_id, course_id=course.id, version=version, name=name or course.name, notes=notes, published_at=now
    )


async def create_course(session: AsyncSession, principal: Principal, body: CourseCreate) -> SandboxCourseOut:
    now = principal.now()
    course = Course(
        id=push_id(),
        name=body.name,
        cover_image_url=body.coverImageUrl,
        tasks_enabled=body.tasksEnabled,
        category=body.category,
        level=body.level,
        topic=body.topic,
        tags=list(body.tags),
        learning_outcomes=[
            {"id": lo.id or f"lo{i + 1}", "description": lo.description} for i, lo in enumerate(body.learningOutcomes)
        ],
        created_at=body.createdAt or now,
    )
    course.draft_id = course.id
    repo = CourseRepository(session)
    await repo.store(course)
    versions: list[CourseVersion] = []
    if body.publish:
        versions.append(await repo.store(_publish(course, 1, now, None, None)))
    return _course_out(course, versions)


async def list_courses(session: AsyncSession) -> list[SandboxCourseOut]:
    repo = CourseRepository(session)
    courses = await repo.all()
    by_course: dict[str, list[CourseVersion]] = {}
    for version in await repo.all_versions():
        by_course.setdefault(version.course_id, []).append(version)
    return [_course_out(course, by_course.get(course.id, [])) for course in courses]


async def publish_version(
    session: AsyncSession, principal: Principal, root_content_id: str, body: VersionCreate | None
) -> SandboxCourseOut:
    course = await _course(session, root_content_id)
    repo = CourseRepository(session)
    versions = await repo.versions(course.id)
    body = body or VersionCreate()
    version = await repo.store(_publish(course, len(versions) + 1, principal.now(), body.name, body.notes))
    return _course_out(course, [*versions, version])


async def back_to_draft(session: AsyncSession, root_content_id: str) -> SandboxCourseOut:
    course = await _course(session, root_content_id)
    if course.draft_id is None:
        course.draft_id = push_id()
    return _course_out(course, await CourseRepository(session).versions(course.id))


async def _org(session: AsyncSession, principal: Principal, *, changing: bool = False) -> Organisation:
    org = await Repository(session).by_key(Organisation, principal.org_id)
    if changing:
        mark_org_changed(session)
    assert org is not None
    return org


def _clock_out(org: Organisation) -> ClockOut:
    clock = OrgClock(frozen_at=org.clock_frozen_at, offset_seconds=org.clock_offset_seconds)
    return ClockOut(now=clock.now(), frozen=org.clock_frozen_at is not None, offsetSeconds=org.clock_offset_seconds)


async def get_clock(session: AsyncSession, principal: Principal) -> ClockOut:
    return _clock_out(await _org(session, principal))


async def set_clock(session: AsyncSession, principal: Principal, body: ClockSet) -> ClockOut:
    org = await _org(session, principal, changing=True)
    if body.now is None:
        org.clock_frozen_at = None
        org.clock_offset_seconds = 0.0
    elif body.frozen:
        org.clock_frozen_at = body.now
        org.clock_offset_seconds = 0.0
    else:
        org.clock_frozen_at = None
        org.clock_offset_seconds = (body.now - system_now()).total_seconds()
    return _clock_out(org)


def advance_seconds(body: ClockAdvance) -> float:
    """The move in seconds, refused (SchemaValidationError saying the bound) past 100 years either way; summed
    as floats so that no amount, however large, overflows on the way."""
    parts = [getattr(body, unit) * factor for unit, factor in _UNIT_SECONDS.items()]
    total = sum(parts) if all(math.isfinite(part) for part in parts) else math.inf
    if not math.isfinite(total) or abs(total) > MAX_ADVANCE_DAYS * 86_400:
        raise SchemaValidationError(
            f"data should move the clock by at most {MAX_ADVANCE_DAYS} days (100 years) either way"
        )
    return total


async def advance_clock(session: AsyncSession, principal: Principal, body: ClockAdvance) -> ClockOut:
    seconds = advance_seconds(body)
    org = await _org(session, principal, changing=True)
    now = OrgClock(frozen_at=org.clock_frozen_at, offset_seconds=org.clock_offset_seconds).now()
    moved = shift(now, seconds)
    if not in_range(moved):
        raise SchemaValidationError(
            f"data would move the clock to {format_datetime(moved)}: the clock should be a date-time {RANGE_TEXT}"
        )
    if org.clock_frozen_at is not None:
        org.clock_frozen_at = moved
    else:
        org.clock_offset_seconds += seconds
    return _clock_out(org)


async def list_emails(session: AsyncSession, limit: int = 100) -> list[EmailOut]:
    """The e-mails the API would have sent, newest first (`limit` clamped to 1..1000)."""
    return [
        EmailOut(id=e.id, to=to, kind=e.kind, subject=e.subject, offeringId=e.offering_id, createdAt=e.created_at)
        for e, to in await UserRepository(session).sent_emails(max(1, min(limit, MAX_EMAILS)))
    ]
