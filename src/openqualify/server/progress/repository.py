"""Queries of learner activity (scoped to the bound organisation by `kit.tenancy`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import (
    CoursePage,
    LearnerProgress,
    Membership,
    Offering,
    SocialNote,
    UnitReaction,
    User,
)
from openqualify.server.memberships.lookup import learner_filter

# No stored row means nothing done yet.
COMPLETION = func.coalesce(LearnerProgress.completion, 0)


def _with_completion(statement: Select[Any]) -> Select[Any]:
    return statement.outerjoin(
        LearnerProgress,
        (LearnerProgress.offering_id == Membership.offering_id) & (LearnerProgress.user_id == Membership.user_id),
    )


async def offering_learners(session: AsyncSession, offering_id: str) -> list[tuple[User, Membership, int]]:
    """The offering's learners with their completion, by e-mail."""
    statement = _with_completion(
        select(User, Membership, COMPLETION)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.offering_id == offering_id, *learner_filter())
    ).order_by(User.email_key, User.id)
    return [(user, membership, int(completion)) for user, membership, completion in await session.execute(statement)]


async def completion_of(session: AsyncSession, offering_id: str, user_id: str) -> int:
    value = (
        await session.execute(
            select(LearnerProgress.completion).where(
                LearnerProgress.offering_id == offering_id, LearnerProgress.user_id == user_id
            )
        )
    ).scalar_one_or_none()
    return int(value or 0)


async def learner_offerings(session: AsyncSession, user_ids: Sequence[str]) -> list[tuple[str, str, str, int]]:
    """(user id, offering id, offering name, completion) of every offering these users learn in, in one query."""
    if not user_ids:
        return []
    statement = _with_completion(
        select(Membership.user_id, Membership.offering_id, Offering.name, COMPLETION)
        .join(Offering, Offering.id == Membership.offering_id)
        .where(Membership.user_id.in_(list(user_ids)), *learner_filter())
    ).order_by(Membership.user_id, Offering.start, Offering.id)
    return [(u, o, name, int(c)) for u, o, name, c in await session.execute(statement)]


def is_learner_somewhere() -> ColumnElement[bool]:
    """Correlated EXISTS: the user is a learner in at least one offering."""
    return exists().where(Membership.user_id == User.id, *learner_filter())


def learner_offering_exists(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """Correlated EXISTS over the user's learner offerings (with their completion) meeting `condition`."""
    inner = _with_completion(select(Membership.id).where(Membership.user_id == User.id, *learner_filter(), condition))
    return inner.exists()


async def users_page(
    session: AsyncSession, where: ColumnElement[bool] | None, order_by: Sequence[Any], limit: int
) -> list[User]:
    statement = select(User).where(is_learner_somewhere())
    if where is not None:
        statement = statement.where(where)
    statement = statement.order_by(*order_by).limit(limit)
    return list((await session.execute(statement)).scalars())


async def shared_notes(session: AsyncSession, offering_id: str) -> list[tuple[SocialNote, User]]:
    statement = (
        select(SocialNote, User)
        .join(User, User.id == SocialNote.user_id)
        .where(SocialNote.offering_id == offering_id, SocialNote.shared.is_(True))
        .order_by(SocialNote.created_at, SocialNote.id)
    )
    return [(note, user) for note, user in await session.execute(statement)]


async def reaction_counts(session: AsyncSession, offering_id: str) -> list[tuple[str, int, int]]:
    """(page id, thumbs up, thumbs down) of every page with a reaction, in page order; counted in SQL."""
    up = func.sum(case((UnitReaction.reaction == "thumbs-up", 1), else_=0))
    down = func.sum(case((UnitReaction.reaction == "thumbs-down", 1), else_=0))
    statement = (
        select(UnitReaction.page_id, up, down)
        .join(CoursePage, CoursePage.id == UnitReaction.page_id)
        .where(UnitReaction.offering_id == offering_id)
        .group_by(UnitReaction.page_id, CoursePage.position)
        .order_by(CoursePage.position, UnitReaction.page_id)
    )
    return [(page_id, int(u or 0), int(d or 0)) for page_id, u, d in await session.execute(statement)]
