"""Courses: the list, a version's detail, its activations, shared metadata and collaborator permissions."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.courses import repository, schemas
from openqualify.server.courses.repository import CourseRepository
from openqualify.server.db.models import Course, CoursePermission, CourseVersion, Offering
from openqualify.server.event_hub import emitters as hub
from openqualify.server.kit.auth import Principal
from openqualify.server.kit.errors import IncompatibleParametersError, ObjectIsNotError, ObjectNotFoundError
from openqualify.server.kit.ids import push_id
from openqualify.server.kit.reads import AnyRow, ReadContext, Reads
from openqualify.server.users.lookup import get_user
from openqualify.server.users.schemas import full_name


def _outcomes(course: Course | Any) -> list[schemas.LearningOutcomeOut]:
    outcomes: list[Any] = course.learning_outcomes or []
    return [
        schemas.LearningOutcomeOut(id=item.get("id"), description=item.get("description"))
        for item in outcomes
        if isinstance(item, dict)
    ]


def _name(course: Course | Any, version: CourseVersion | Any | None) -> str:
    """A published version carries the name it was published under; a draft shows the course's."""
    return version.name if version is not None else course.name


def to_course_out(course: Course, latest: CourseVersion | None) -> schemas.CourseOut:
    return schemas.CourseOut(
        id=course.latest_content_id or course.draft_id or course.id,
        name=_name(course, latest),
        coverImageUrl=course.cover_image_url,
        createdAt=course.created_at,
        metadata=schemas.CourseMetadataOut(learning_outcomes=_outcomes(course)),
    )


def to_meta_out(content_id: str, course: Course | Any, version: CourseVersion | Any | None) -> schemas.CourseMetaOut:
    return schemas.CourseMetaOut(
        id=content_id,
        name=_name(course, version),
        coverImageUrl=course.cover_image_url,
        createdAt=course.created_at,
        tasksEnabled=course.tasks_enabled,
        metadata=schemas.CourseMetaMetadataOut(
            category=course.category,
            level=course.level,
            tags=list(course.tags or []),
            topic=course.topic,
            rootContentId=course.id,
            learning_outcomes=_outcomes(course),
        ),
    )


def to_activation_out(offering: Offering, learners: int) -> schemas.ActivationOut:
    return schemas.ActivationOut(
        id=offering.id,
        name=offering.name,
        info=offering.info or "",
        start=offering.start,
        end=offering.end,
        learnersCount=str(learners),
        metadata=schemas.ActivationMetadataOut(rootContentId=offering.course_id),
    )


async def _content(reads: Reads, content_id: str) -> tuple[AnyRow, AnyRow | None]:
    """The course behind a contentId and the version it names (rows), or 404."""
    found = await repository.read_content(reads, content_id)
    if found is None:
        raise ObjectNotFoundError.of("content", content_id)
    return found


async def list_courses(session: AsyncSession) -> list[schemas.CourseOut]:
    return [to_course_out(course, latest) for course, latest in await CourseRepository(session).all_with_latest()]


async def get_course(ctx: ReadContext, content_id: str) -> schemas.CourseMetaOut:
    return to_meta_out(content_id, *await _content(ctx, content_id))


async def activations(session: AsyncSession, content_id: str) -> list[schemas.ActivationOut]:
    repo = CourseRepository(session)
    await _content(repo, content_id)
    rows = await repo.activations(content_id)
    return [to_activation_out(offering, learners) for offering, learners in rows]


async def set_metadata(
    session: AsyncSession, content_id: str, field: str, value: str | list[str]
) -> schemas.CourseMetaOut:
    """Replace one metadata field; the metadata belongs to the course, so every version shows the change."""
    repo = CourseRepository(session)
    found, version = await _content(repo, content_id)
    course = await repo.by_key(Course, found.id)  # the entity, to change it
    assert course is not None
    setattr(course, field, list(value) if isinstance(value, list) else value)
    await session.flush()
    return to_meta_out(content_id, course, version)


async def permissions(session: AsyncSession, content_id: str) -> list[schemas.UserPermissionOut]:
    repo = CourseRepository(session)
    course, _ = await _content(repo, content_id)
    return [
        schemas.UserPermissionOut(
            email=user.email,
            name=full_name(user.first_name, user.last_name),
            isBuilder=permission.is_builder,
            isReviewer=permission.is_reviewer,
        )
        for permission, user in await repo.permissions(course.id)
    ]


async def grant_permission(
    session: AsyncSession, principal: Principal, root_content_id: str, email: str, body: schemas.PermissionIn
) -> schemas.PermissionGrantedOut:
    """Make the user a builder or a reviewer of the course (exactly one of the two); replaces a previous grant."""
    repo = CourseRepository(session)
    course = await repo.find_by_root(root_content_id)
    if course is None:
        raise ObjectNotFoundError.of("content", root_content_id)
    user = await get_user(session, email)
    if body.isBuilder and body.isReviewer:
        # The contract's example names this error ObjectIsNotError (not MultipleObjectsError): kept as is.
        raise ObjectIsNotError("There are multiple permission with value true (isBuilder | isReviewer).")
    if not body.isBuilder and not body.isReviewer:
        raise IncompatibleParametersError("isReviewer must be true when isBuilder is false.")
    if body.isBuilder and not user.is_builder:
        raise ObjectIsNotError(f"The user {user.email} is not a builder.")
    permission = await repo.permission(course.id, user.id)
    if permission is None or (permission.is_builder, permission.is_reviewer) != (body.isBuilder, body.isReviewer):
        await hub.permission_added(session, user, "builder" if body.isBuilder else "reviewer", course)
    if permission is None:
        repo.add(
            CoursePermission(
                id=push_id(),
                course_id=course.id,
                user_id=user.id,
                is_builder=body.isBuilder,
                is_reviewer=body.isReviewer,
                created_at=principal.now(),
            )
        )
    else:
        permission.is_builder = body.isBuilder
        permission.is_reviewer = body.isReviewer
    await session.flush()
    return schemas.PermissionGrantedOut(contentId=course.id)
