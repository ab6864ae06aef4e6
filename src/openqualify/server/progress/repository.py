"""Queries of learner activity (scoped to the bound organisation by `kit.tenancy`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Row,
    String,
    and_,
    bindparam,
    case,
    cast,
    delete,
    exists,
    func,
    select,
    update,
)
from sqlalchemy.sql.util import find_tables

from openqualify.server.db.models import (
    CoursePage,
    LearnerProgress,
    Membership,
    Offering,
    PageProgress,
    SocialNote,
    UnitReaction,
    User,
)
from openqualify.server.kit.json_rows import wire_time
from openqualify.server.kit.reads import AnyRow, ReadContext, org_scope, registered
from openqualify.server.kit.repository import AnySelect, Repository
from openqualify.server.memberships.repository import learner_filter

# No stored row means nothing done yet.
COMPLETION = func.coalesce(LearnerProgress.completion, 0)


def _with_completion(statement: AnySelect) -> AnySelect:
    return statement.outerjoin(
        LearnerProgress,
        (LearnerProgress.offering_id == Membership.offering_id) & (LearnerProgress.user_id == Membership.user_id),
    )


def _uses_completion(condition: ColumnElement[bool]) -> bool:
    return LearnerProgress.__table__ in find_tables(condition, check_columns=True)


def _with_completion_if_used(statement: AnySelect, condition: ColumnElement[bool]) -> AnySelect:
    """Join the stored completion only when `condition` reads it (a LEFT JOIN on its key adds no rows)."""
    return _with_completion(statement) if _uses_completion(condition) else statement


def is_learner_somewhere() -> ColumnElement[bool]:
    """Correlated EXISTS: the user is a learner in at least one offering."""
    return exists().where(Membership.user_id == User.id, *learner_filter())


def learner_offering_exists(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """Correlated EXISTS over the user's learner offerings (with their completion) meeting `condition`."""
    inner = select(Membership.id).where(Membership.user_id == User.id, *learner_filter(), condition)
    return _with_completion_if_used(inner, condition).exists()


def learner_in_offering(offering_id: str, condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """The same test as `learner_offering_exists` for an offering known in advance, written as
    `users.id IN (learners of the offering)`: both databases then start from the offering's memberships."""
    inner = select(Membership.user_id).where(Membership.offering_id == offering_id, *learner_filter(), condition)
    return User.id.in_(_with_completion_if_used(inner, condition))


PageUser = Row[tuple[str, str, str | None, str | None, str | None]]


def _fraction_sql() -> ColumnElement[float]:
    """A page's weight in the completion (`completion.page_fraction` in SQL) of a PageProgress joined to its page."""
    return case(
        (PageProgress.viewed.is_(False), 0.0),
        (CoursePage.task_count <= 0, 1.0),
        (PageProgress.tasks_done >= CoursePage.task_count, 1.0),
        else_=cast(PageProgress.tasks_done, Float) / CoursePage.task_count,
    )


class ProgressRepository(Repository):
    async def completion_of(self, offering_id: str, user_id: str) -> int:
        value = await self.one_or_none(
            select(LearnerProgress.completion).where(
                LearnerProgress.offering_id == offering_id, LearnerProgress.user_id == user_id
            )
        )
        return int(value or 0)

    async def learner_offerings(self, user_ids: Sequence[str]) -> list[tuple[str, str, str, int]]:
        """(user id, offering id, offering name, completion) of every offering these users learn in, in one query."""
        if not user_ids:
            return []
        # The completion as a probe per membership (not a join): the join made PostgreSQL scan every stored
        # completion of the organisation to answer for one page of users.
        completion = (
            select(LearnerProgress.completion)
            .where(LearnerProgress.offering_id == Membership.offering_id, LearnerProgress.user_id == Membership.user_id)
            .scalar_subquery()
        )
        statement = (
            select(Membership.user_id, Membership.offering_id, Offering.name, func.coalesce(completion, 0))
            .join(Offering, Offering.id == Membership.offering_id)
            .where(Membership.user_id.in_(list(user_ids)), *learner_filter())
            .order_by(Membership.user_id, Offering.start, Offering.id)
        )
        return [(u, o, name, int(c)) for u, o, name, c in await self.session.execute(statement)]

    async def offering_sizes(self, offering_ids: Sequence[str], cap: int) -> dict[str, int]:
        """Members of each offering, counted up to `cap`: a plan hint only, never shown to the caller.

        It reads the (offering_id, user_id) index alone, so the organisation criterion is skipped: offering ids
        are primary keys, another organisation's id counts its own members, and the number only chooses between
        two equivalent forms of the same filter.
        """
        sizes: dict[str, int] = {}
        for offering_id in offering_ids:
            capped = select(Membership.offering_id).where(Membership.offering_id == offering_id).limit(cap).subquery()
            statement = select(func.count()).select_from(capped).execution_options(skip_org_scope=True)
            sizes[offering_id] = int((await self.session.execute(statement)).scalar_one())
        return sizes

    async def users_page(
        self, where: ColumnElement[bool] | None, order_by: Sequence[Any], limit: int
    ) -> list[PageUser]:
        """(id, email, first name, last name, person id) of one page of learners: columns, not entities.

        The caller's filter comes first: SQLite tests the terms in the written order, and a filter such as
        `offerings/any(...)` both is more selective than "learner somewhere" and implies it.
        """
        statement = select(User.id, User.email, User.first_name, User.last_name, User.person_id)
        if where is not None:
            statement = statement.where(where)
        statement = statement.where(is_learner_somewhere()).order_by(*order_by).limit(limit)
        return list(await self.session.execute(statement))

    async def completion_counts(self, *where: ColumnElement[bool]) -> list[tuple[str, int, int]]:
        """(offering id, completion, learners) over the learners of the offerings matching `where` (conditions on
        `Offering`), counted in SQL: at most 101 rows per offering, whatever its size."""
        counts = select(Membership.offering_id, LearnerProgress.completion, func.count(Membership.id)).join(
            Offering, Offering.id == Membership.offering_id
        )
        statement = (
            _with_completion(counts)
            .where(*learner_filter(), *where)
            .group_by(Membership.offering_id, LearnerProgress.completion)
        )
        return [(offering_id, int(completion or 0), int(count)) for offering_id, completion, count in
                await self.session.execute(statement)]

    async def outcomes(self, offering_ids: Sequence[str]) -> dict[str, tuple[int, float, int]]:
        """Per offering: (learners, mean completion, learners at 100 %), counted in SQL, for these offerings."""
        completed = func.sum(case((COMPLETION >= 100, 1), else_=0))
        found: dict[str, tuple[int, float, int]] = {}
        ids = list(offering_ids)
        for start in range(0, len(ids), 1000):  # bound the IN list (SQLite's variables)
            statement = (
                _with_completion(
                    select(Membership.offering_id, func.count(Membership.id), func.avg(COMPLETION), completed)
                )
                .where(Membership.offering_id.in_(ids[start : start + 1000]), *learner_filter())
                .group_by(Membership.offering_id)
            )
            for offering_id, learners, mean, done in await self.session.execute(statement):
                found[offering_id] = (int(learners), float(mean or 0), int(done or 0))
        return found

    async def people_learning(self, *where: ColumnElement[bool]) -> int:
        """How many people learn in the offerings matching `where` (conditions on `Offering`): each person once,
        however many of those offerings they are in."""
        statement = (
            select(func.count(func.distinct(Membership.user_id)))
            .join(Offering, Offering.id == Membership.offering_id)
            .where(*learner_filter(), *where)
        )
        return int((await self.session.execute(statement)).scalar_one())

    async def page_titles(self, content_id: str) -> dict[str, str]:
        """Page id -> title of a course version's pages, in page order."""
        statement = (
            select(CoursePage.id, CoursePage.title)
            .where(CoursePage.content_id == content_id)
            .order_by(CoursePage.position, CoursePage.id)
        )
        return {page_id: title for page_id, title in await self.session.execute(statement)}

    async def page(self, content_id: str, page_id: str) -> CoursePage | None:
        """A page of this course version."""
        return await self.one_or_none(
            select(CoursePage).where(CoursePage.id == page_id, CoursePage.content_id == content_id)
        )

    async def pages(self, content_id: str) -> list[CoursePage]:
        """The course version's pages, in order."""
        return await self.scalars(
            select(CoursePage).where(CoursePage.content_id == content_id).order_by(CoursePage.position, CoursePage.id)
        )

    async def last_page_position(self, content_id: str) -> int | None:
        return await self.one_or_none(select(func.max(CoursePage.position)).where(CoursePage.content_id == content_id))

    async def page_progress(self, offering_id: str, user_id: str, page_id: str) -> PageProgress | None:
        return await self.one_or_none(
            select(PageProgress).where(
                PageProgress.offering_id == offering_id,
                PageProgress.user_id == user_id,
                PageProgress.page_id == page_id,
            )
        )

    async def reaction(self, offering_id: str, page_id: str, user_id: str) -> UnitReaction | None:
        return await self.one_or_none(
            select(UnitReaction).where(
                UnitReaction.offering_id == offering_id,
                UnitReaction.page_id == page_id,
                UnitReaction.user_id == user_id,
            )
        )

    async def page_count(self, content_id: str) -> int:
        return int(
            (
                await self.session.execute(
                    select(func.count()).select_from(CoursePage).where(CoursePage.content_id == content_id)
                )
            ).scalar_one()
        )

    async def fraction_sums(self, offering: Offering, user_ids: set[str] | None) -> list[tuple[str, float]]:
        """(user id, sum of the page fractions) of the learners with page progress in the offering (of these
        users), summed in SQL over the pages of the offering's course version."""
        sums = (
            select(PageProgress.user_id, func.sum(_fraction_sql()))
            .join(CoursePage, CoursePage.id == PageProgress.page_id)
            .where(PageProgress.offering_id == offering.id, CoursePage.content_id == offering.content_id)
            .group_by(PageProgress.user_id)
        )
        if user_ids is not None:
            sums = sums.where(PageProgress.user_id.in_(user_ids))
        return [(user_id, float(total or 0)) for user_id, total in await self.session.execute(sums)]

    async def stored_completions(self, offering_id: str, user_ids: set[str] | None) -> dict[str, LearnerProgress]:
        """The stored completion rows of the offering (of these users), by user id."""
        stored = select(LearnerProgress).where(LearnerProgress.offering_id == offering_id)
        if user_ids is not None:
            stored = stored.where(LearnerProgress.user_id.in_(user_ids))
        return {row.user_id: row for row in await self.scalars(stored)}

    async def move_progress(self, user_id: str, from_offering_id: str, to_offering_id: str) -> None:
        """Move the user's page progress and stored completion to the target offering; their leftovers there
        (from an earlier membership) are deleted first."""
        for model in (PageProgress, LearnerProgress):
            await self.execute(delete(model).where(model.offering_id == to_offering_id, model.user_id == user_id))
            await self.execute(
                update(model)
                .where(model.offering_id == from_offering_id, model.user_id == user_id)
                .values(offering_id=to_offering_id)
            )


# --- the read path ------------------------------------------------------------------------------------------

_OFFERING_LEARNERS = registered(
    select(
        bindparam("course_id", type_=String()).label("course_id"),
        User.email,
        User.first_name,
        User.last_name,
        User.person_id,
        cast(COMPLETION, String).label("completion"),
        wire_time(Membership.last_logged_in_at),
    )
    .select_from(Membership)
    .join(User, and_(User.id == Membership.user_id, org_scope(User)))
    .outerjoin(
        LearnerProgress,
        and_(
            LearnerProgress.offering_id == Membership.offering_id,
            LearnerProgress.user_id == Membership.user_id,
            org_scope(LearnerProgress),
        ),
    )
    .where(Membership.offering_id == bindparam("offering_id"), *learner_filter(), org_scope(Membership))
    .order_by(User.email_key, User.id)
)


async def read_offering_learners(ctx: ReadContext, offering_id: str, course_id: str) -> Sequence[AnyRow]:
    """The offering's learners by e-mail, in the wire order of `LearnerProgressResponse`: the course id, e-mail,
    first and last name, person id, completion (text) and last login (wire text); columns only, driven from the
    offering's memberships, on the read path."""
    return await ctx.rows(_OFFERING_LEARNERS, offering_id=offering_id, course_id=course_id)


_SHARED_NOTES = registered(
    select(
        User.id, User.person_id, User.email, User.first_name, User.last_name, SocialNote.page_id,
        SocialNote.paragraph_id, SocialNote.content,
    )
    .select_from(SocialNote)
    .join(User, and_(User.id == SocialNote.user_id, org_scope(User)))
    .where(SocialNote.offering_id == bindparam("offering_id"), SocialNote.shared.is_(True), org_scope(SocialNote))
    .order_by(SocialNote.created_at, SocialNote.id)
)


async def read_shared_notes(ctx: ReadContext, offering_id: str) -> Sequence[AnyRow]:
    """The offering's shared notes, oldest first, in the wire order of `SocialNotesResponse`: user id, person
    id, e-mail, first name, last name, page id, paragraph id, content."""
    return await ctx.rows(_SHARED_NOTES, offering_id=offering_id)


_REACTION_COUNTS = registered(
    select(
        UnitReaction.page_id,
        func.sum(case((UnitReaction.reaction == "thumbs-up", 1), else_=0)),
        func.sum(case((UnitReaction.reaction == "thumbs-down", 1), else_=0)),
    )
    .select_from(UnitReaction)
    .join(CoursePage, and_(CoursePage.id == UnitReaction.page_id, org_scope(CoursePage)))
    .where(UnitReaction.offering_id == bindparam("offering_id"), org_scope(UnitReaction))
    .group_by(UnitReaction.page_id, CoursePage.position)
    .order_by(CoursePage.position, UnitReaction.page_id)
)


async def read_reaction_counts(ctx: ReadContext, offering_id: str) -> list[tuple[str, int, int]]:
    """(page id, thumbs up, thumbs down) of every page with a reaction, in page order; counted in SQL."""
    return [(page_id, int(up or 0), int(down or 0)) for page_id, up, down in
            await ctx.rows(_REACTION_COUNTS, offering_id=offering_id)]
