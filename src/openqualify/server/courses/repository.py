"""Queries on courses, their versions, activations and collaborator permissions (organisation-scoped by
`kit.tenancy`)."""

from __future__ import annotations

from sqlalchemy import and_, bindparam, func, literal, null, or_, select, union_all
from sqlalchemy.orm import aliased

from openqualify.server.db.models import Course, CoursePermission, CourseVersion, Membership, Offering, User
from openqualify.server.kit.reads import AnyRow, Reads, SideBySide, org_scope, registered
from openqualify.server.kit.repository import Repository
from openqualify.server.memberships.repository import learner_filter

# A contentId names a published version (first choice) or a course by its draft id or own id: both branches in
# one statement (one round trip), the version's first (`rank`).
_CONTENT = SideBySide(Course, CourseVersion)
_CONTENT_BY_ID = registered(
    union_all(
        select(literal(0).label("rank"), *_CONTENT.columns)
        .select_from(CourseVersion)
        .join(Course, and_(Course.id == CourseVersion.course_id, org_scope(Course)))
        .where(CourseVersion.id == bindparam("content_id"), org_scope(CourseVersion)),
        select(
            literal(1).label("rank"),
            *_CONTENT.columns[: len(Course.__table__.c)],
            *(null().label(column.name) for column in _CONTENT.columns[len(Course.__table__.c) :]),
        ).where(
            or_(Course.draft_id == bindparam("content_id"), Course.id == bindparam("content_id")), org_scope(Course)
        ),
    )
    .order_by("rank")
    .limit(1)
)


async def read_content(ctx: Reads, content_id: str) -> tuple[AnyRow, AnyRow | None] | None:
    """The course behind a contentId (a published version's id, or a draft id) and the version, as rows."""
    row = await ctx.first(_CONTENT_BY_ID, content_id=content_id)
    if row is None:
        return None
    course, version = _CONTENT.split(row[1:])
    return course, version


class CourseRepository(Repository):
    async def all_with_latest(self) -> list[tuple[Course, CourseVersion | None]]:
        """Every course with its latest published version (None for a course never published)."""
        latest = aliased(CourseVersion)
        rows = await self.session.execute(
            select(Course, latest)
            .outerjoin(latest, latest.id == Course.latest_content_id)
            .order_by(Course.created_at, Course.id)
        )
        return [(course, version) for course, version in rows.all()]

    async def all(self) -> list[Course]:
        return await self.scalars(select(Course).order_by(Course.created_at, Course.id))

    async def versions(self, course_id: str) -> list[CourseVersion]:
        """The course's published versions, oldest first."""
        return await self.scalars(
            select(CourseVersion).where(CourseVersion.course_id == course_id).order_by(CourseVersion.version)
        )

    async def all_versions(self) -> list[CourseVersion]:
        """Every published version, by course then version."""
        return await self.scalars(select(CourseVersion).order_by(CourseVersion.course_id, CourseVersion.version))

    async def find_by_root(self, root_content_id: str) -> Course | None:
        return await self.one_or_none(select(Course).where(Course.id == root_content_id))

    async def activations(self, content_id: str) -> list[tuple[Offering, int]]:
        """Offerings built on this exact contentId with their learner counts, by start."""
        counts = (
            select(Membership.offering_id, func.count().label("learners"))
            .join(Offering, Offering.id == Membership.offering_id)
            .where(Offering.content_id == content_id, *learner_filter())
            .group_by(Membership.offering_id)
            .subquery()
        )
        rows = await self.session.execute(
            select(Offering, func.coalesce(counts.c.learners, 0))
            .outerjoin(counts, counts.c.offering_id == Offering.id)
            .where(Offering.content_id == content_id)
            .order_by(Offering.start, Offering.id)
        )
        return [(offering, int(count)) for offering, count in rows.all()]

    async def permissions(self, course_id: str) -> list[tuple[CoursePermission, User]]:
        rows = await self.session.execute(
            select(CoursePermission, User)
            .join(User, User.id == CoursePermission.user_id)
            .where(CoursePermission.course_id == course_id)
            .order_by(User.email_key)
        )
        return [(permission, user) for permission, user in rows.all()]

    async def permission(self, course_id: str, user_id: str) -> CoursePermission | None:
        return await self.one_or_none(
            select(CoursePermission).where(CoursePermission.course_id == course_id, CoursePermission.user_id == user_id)
        )
