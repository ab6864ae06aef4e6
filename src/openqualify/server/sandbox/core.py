"""Sandbox control plane, core: courses and their versions, the organisation's clock, sent e-mails.

The contract cannot create courses or publish versions, and has no notion of a test clock; integrators
need both to build realistic scenarios.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Body
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import Course, CourseVersion, EmailOutbox, Organisation, User
from openqualify.server.kit.auth import Principal, mark_org_changed
from openqualify.server.kit.clock import OrgClock, system_now
from openqualify.server.kit.deps import PrincipalDep, SessionDep
from openqualify.server.kit.errors import ObjectNotFoundError, SchemaValidationError
from openqualify.server.kit.ids import push_id
from openqualify.server.kit.routing import api_router
from openqualify.server.kit.timefmt import DateTimeIn, DateTimeOut
from openqualify.server.kit.validation import Bool, NonEmptyStr, Number, Str

router = api_router(tags=["Sandbox"], prefix="/_sandbox")


class LearningOutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Str | None = None
    description: NonEmptyStr


class CourseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: NonEmptyStr
    coverImageUrl: Str | None = None
    tasksEnabled: Bool = True
    category: Str | None = None
    level: Str | None = None
    topic: Str | None = None
    tags: list[Str] = Field(default_factory=list)
    learningOutcomes: list[LearningOutcomeIn] = Field(default_factory=list)
    publish: Bool = True
    createdAt: DateTimeIn | None = None


class VersionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    notes: Str | None = None
    name: NonEmptyStr | None = None


class VersionOut(BaseModel):
    contentId: str
    version: int
    name: str
    publishedAt: DateTimeOut
    notes: str | None = None


class SandboxCourseOut(BaseModel):
    rootContentId: str
    contentId: str | None = None
    draftId: str | None = None
    name: str
    tasksEnabled: bool
    versions: list[VersionOut]


class ClockOut(BaseModel):
    now: DateTimeOut
    frozen: bool
    offsetSeconds: float


class ClockSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    now: DateTimeIn | None = None
    frozen: Bool = True


class ClockAdvance(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seconds: Number = 0
    minutes: Number = 0
    hours: Number = 0
    days: Number = 0


class EmailOut(BaseModel):
    id: str
    to: str
    kind: str
    subject: str
    offeringId: str | None = None
    createdAt: DateTimeOut


async def _course(session: AsyncSession, root_content_id: str) -> Course:
    course = (await session.execute(select(Course).where(Course.id == root_content_id))).scalar_one_or_none()
    if course is None:
        raise ObjectNotFoundError.of("content", root_content_id)
    return course


async def _versions(session: AsyncSession, course_id: str) -> list[CourseVersion]:
    rows = await session.execute(
        select(CourseVersion).where(CourseVersion.course_id == course_id).order_by(CourseVersion.version)
    )
    return list(rows.scalars())


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


@router.post("/courses", status_code=201, response_model=SandboxCourseOut)
async def create_course(principal: PrincipalDep, session: SessionDep, body: CourseCreate) -> SandboxCourseOut:
    """Create a course; published (version 1) unless `publish` is false, then it stays a draft."""
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
    session.add(course)
    await session.flush()
    versions: list[CourseVersion] = []
    if body.publish:
        versions.append(_publish(course, 1, now, None, None))
        session.add(versions[0])
        await session.flush()
    return _course_out(course, versions)


@router.get("/courses", response_model=list[SandboxCourseOut])
async def list_courses(principal: PrincipalDep, session: SessionDep) -> list[SandboxCourseOut]:
    courses = list((await session.execute(select(Course).order_by(Course.created_at, Course.id))).scalars())
    rows = await session.execute(select(CourseVersion).order_by(CourseVersion.course_id, CourseVersion.version))
    by_course: dict[str, list[CourseVersion]] = {}
    for version in rows.scalars():
        by_course.setdefault(version.course_id, []).append(version)
    return [_course_out(course, by_course.get(course.id, [])) for course in courses]


@router.post("/courses/{rootContentId}/versions", status_code=201, response_model=SandboxCourseOut)
async def publish_version(
    principal: PrincipalDep,
    session: SessionDep,
    rootContentId: str,
    body: Annotated[VersionCreate | None, Body()] = None,
) -> SandboxCourseOut:
    """Publish the course again: a new contentId with the same rootContentId."""
    course = await _course(session, rootContentId)
    versions = await _versions(session, course.id)
    body = body or VersionCreate()
    version = _publish(course, len(versions) + 1, principal.now(), body.name, body.notes)
    session.add(version)
    await session.flush()
    return _course_out(course, [*versions, version])


@router.post("/courses/{rootContentId}/draft", response_model=SandboxCourseOut)
async def back_to_draft(principal: PrincipalDep, session: SessionDep, rootContentId: str) -> SandboxCourseOut:
    """Put the course back under construction: it gets a draftId; published versions stay."""
    course = await _course(session, rootContentId)
    if course.draft_id is None:
        course.draft_id = push_id()
    return _course_out(course, await _versions(session, course.id))


async def _org(session: AsyncSession, principal: Principal, *, changing: bool = False) -> Organisation:
    org = await session.get(Organisation, principal.org_id)
    if changing:
        mark_org_changed(session)
    assert org is not None
    return org


def _clock_out(org: Organisation) -> ClockOut:
    clock = OrgClock(frozen_at=org.clock_frozen_at, offset_seconds=org.clock_offset_seconds)
    return ClockOut(now=clock.now(), frozen=org.clock_frozen_at is not None, offsetSeconds=org.clock_offset_seconds)


@router.get("/clock", response_model=ClockOut)
async def get_clock(principal: PrincipalDep, session: SessionDep) -> ClockOut:
    return _clock_out(await _org(session, principal))


@router.put("/clock", response_model=ClockOut)
async def set_clock(principal: PrincipalDep, session: SessionDep, body: ClockSet) -> ClockOut:
    """Set the organisation's now. `frozen` stops it there; otherwise it runs on from that instant.
    `{"now": null}` returns to real time."""
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


@router.post("/clock/advance", response_model=ClockOut)
async def advance_clock(principal: PrincipalDep, session: SessionDep, body: ClockAdvance) -> ClockOut:
    """Move the organisation's clock forward (or back, with negative amounts)."""
    delta = timedelta(seconds=body.seconds, minutes=body.minutes, hours=body.hours, days=body.days)
    if abs(delta.days) > 36_500:
        raise SchemaValidationError("[clock] value should be within 100 years")
    org = await _org(session, principal, changing=True)
    if org.clock_frozen_at is not None:
        org.clock_frozen_at = org.clock_frozen_at + delta
    else:
        org.clock_offset_seconds += delta.total_seconds()
    return _clock_out(org)


@router.get("/emails", response_model=list[EmailOut])
async def list_emails(principal: PrincipalDep, session: SessionDep, limit: int = 100) -> list[EmailOut]:
    """The e-mails the API would have sent (invitations, notifications), newest first."""
    rows = await session.execute(
        select(EmailOutbox, User.email)
        .join(User, User.id == EmailOutbox.user_id)
        .order_by(EmailOutbox.created_at.desc(), EmailOutbox.id.desc())
        .limit(max(1, min(limit, 1000)))
    )
    return [
        EmailOut(id=e.id, to=to, kind=e.kind, subject=e.subject, offeringId=e.offering_id, createdAt=e.created_at)
        for e, to in rows.all()
    ]
