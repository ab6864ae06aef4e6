"""Queries on assessments and learners' work (scoped to the bound organisation by `kit.tenancy`)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import Select, and_, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import (
    Activity,
    Assessment,
    AssessmentDocument,
    AssessmentDueOverride,
    AssessmentSetting,
    Mark,
    Offering,
    Submission,
    User,
)
from openqualify.server.kit.errors import ObjectNotFoundError
from openqualify.server.kit.reads import ReadContext, org_scope, registered

AssessmentRow = tuple[Assessment, AssessmentSetting | None]


_ASSESSMENTS_OF_CONTENT = registered(
    select(*Assessment.__table__.c)
    .where(Assessment.content_id == bindparam("content_id"), org_scope(Assessment))
    .order_by(Assessment.position, Assessment.id)
)
_SETTINGS_OF_OFFERING = registered(
    select(*AssessmentSetting.__table__.c).where(
        AssessmentSetting.offering_id == bindparam("offering_id"), org_scope(AssessmentSetting)
    )
)
# Joined to the content's assessments (not an IN list of their ids): a statement without expanding parameters
# compiles once, and on SQLite runs straight through sqlite3 (`db.compiled`).
_DOCUMENTS_IN_OFFERING = registered(
    select(*AssessmentDocument.__table__.c)
    .join(Assessment, and_(Assessment.id == AssessmentDocument.assessment_id, org_scope(Assessment)))
    .where(
        Assessment.content_id == bindparam("content_id"),
        or_(AssessmentDocument.offering_id.is_(None), AssessmentDocument.offering_id == bindparam("offering_id")),
        org_scope(AssessmentDocument),
    )
    .order_by(AssessmentDocument.created_at, AssessmentDocument.id)
)


AssessmentsView = tuple[Sequence[Any], dict[str, Any], dict[str, list[Any]]]


async def read_assessments(ctx: ReadContext, offering: Any) -> AssessmentsView:
    """On the read path: the offering's assessments in course order, its settings per assessment, and the
    documents visible in it per assessment (rows with the models' attribute names)."""
    assessments = await ctx.rows(_ASSESSMENTS_OF_CONTENT, content_id=offering.content_id)
    settings = {s.assessment_id: s for s in await ctx.rows(_SETTINGS_OF_OFFERING, offering_id=offering.id)}
    documents: dict[str, list[Any]] = {}
    if assessments:
        rows = await ctx.rows(_DOCUMENTS_IN_OFFERING, content_id=offering.content_id, offering_id=offering.id)
        for document in rows:
            documents.setdefault(document.assessment_id, []).append(document)
    return assessments, settings, documents


def _with_settings(offering: Offering) -> Select[tuple[Assessment, AssessmentSetting]]:
    return select(Assessment, AssessmentSetting).outerjoin(
        AssessmentSetting,
        and_(AssessmentSetting.assessment_id == Assessment.id, AssessmentSetting.offering_id == offering.id),
    )


async def assessments_of(session: AsyncSession, offering: Offering) -> list[AssessmentRow]:
    """The offering's assessments (its content's), in course order, each with the offering's settings."""
    rows = await session.execute(
        _with_settings(offering)
        .where(Assessment.content_id == offering.content_id)
        .order_by(Assessment.position, Assessment.id)
    )
    return [(a, s) for a, s in rows.all()]


async def find_assessment(session: AsyncSession, offering: Offering, assessment_id: str) -> AssessmentRow | None:
    row = (
        await session.execute(
            _with_settings(offering).where(Assessment.id == assessment_id, Assessment.content_id == offering.content_id)
        )
    ).first()
    return (row[0], row[1]) if row else None


async def get_assessment(session: AsyncSession, offering: Offering, assessment_id: str) -> AssessmentRow:
    """An assessment of the offering's content, or 404 `The assessment X was not found.`."""
    found = await find_assessment(session, offering, assessment_id)
    if found is None:
        raise ObjectNotFoundError.of("assessment", assessment_id)
    return found


async def documents_of(
    session: AsyncSession, offering_id: str, assessment_ids: Collection[str]
) -> dict[str, list[AssessmentDocument]]:
    """Documents visible in the offering (course-wide ones and the offering's own), per assessment."""
    if not assessment_ids:
        return {}
    rows = await session.execute(
        select(AssessmentDocument)
        .where(
            AssessmentDocument.assessment_id.in_(assessment_ids),
            or_(AssessmentDocument.offering_id.is_(None), AssessmentDocument.offering_id == offering_id),
        )
        .order_by(AssessmentDocument.created_at, AssessmentDocument.id)
    )
    found: dict[str, list[AssessmentDocument]] = {}
    for document in rows.scalars():
        found.setdefault(document.assessment_id, []).append(document)
    return found


async def find_document(session: AsyncSession, assessment_id: str, document_id: str) -> AssessmentDocument | None:
    return (
        await session.execute(
            select(AssessmentDocument).where(
                AssessmentDocument.id == document_id, AssessmentDocument.assessment_id == assessment_id
            )
        )
    ).scalar_one_or_none()


async def due_override(
    session: AsyncSession, offering_id: str, assessment_id: str, user_id: str
) -> AssessmentDueOverride | None:
    return await session.get(AssessmentDueOverride, (offering_id, assessment_id, user_id))


async def due_overrides(
    session: AsyncSession, offering_id: str, assessment_ids: Collection[str]
) -> dict[tuple[str, str], AssessmentDueOverride]:
    """Learners' own due dates, keyed by (assessment id, user id)."""
    if not assessment_ids:
        return {}
    rows = await session.execute(
        select(AssessmentDueOverride).where(
            AssessmentDueOverride.offering_id == offering_id,
            AssessmentDueOverride.assessment_id.in_(assessment_ids),
        )
    )
    return {(o.assessment_id, o.user_id): o for o in rows.scalars()}


async def find_submission(
    session: AsyncSession, offering_id: str, assessment_id: str, user_id: str
) -> Submission | None:
    return (
        await session.execute(
            select(Submission).where(
                Submission.offering_id == offering_id,
                Submission.assessment_id == assessment_id,
                Submission.user_id == user_id,
            )
        )
    ).scalar_one_or_none()


async def marks_of(session: AsyncSession, submission_ids: Collection[str]) -> dict[str, list[Mark]]:
    """Marks per submission, oldest first."""
    if not submission_ids:
        return {}
    rows = await session.execute(
        select(Mark).where(Mark.submission_id.in_(submission_ids)).order_by(Mark.created_at, Mark.id)
    )
    found: dict[str, list[Mark]] = {}
    for mark in rows.scalars():
        found.setdefault(mark.submission_id, []).append(mark)
    return found


async def users_by_id(session: AsyncSession, ids: Iterable[str | None]) -> dict[str, User]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = await session.execute(select(User).where(User.id.in_(wanted)))
    return {user.id: user for user in rows.scalars()}


async def activities_of(session: AsyncSession, content_id: str) -> list[Activity]:
    rows = await session.execute(
        select(Activity).where(Activity.content_id == content_id).order_by(Activity.position, Activity.id)
    )
    return list(rows.scalars())
