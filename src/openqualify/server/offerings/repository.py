"""Queries on offerings (scoped to the bound organisation by `kit.tenancy`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    ColumnExpressionArgument,
    FromClause,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
)

from openqualify.server.db.models import Course, CourseVersion, Membership, Offering, OfferingBadge
from openqualify.server.kit.odata import Field, ODataQuery, escape_like
from openqualify.server.kit.odata.compiler import LIKE_ESCAPE
from openqualify.server.kit.reads import AnyRow, Reads, org_scope, registered
from openqualify.server.kit.repository import AnySelect, Repository
from openqualify.server.memberships.repository import learner_filter

SummaryRow = Any  # a Row of SUMMARY_COLUMNS


def learners_count() -> ColumnElement[int]:
    """The number of learners of the outer query's offering, as a correlated scalar subquery."""
    return (
        select(func.count(Membership.id))
        .where(Membership.offering_id == Offering.id, *learner_filter())
        .correlate(Offering)
        .scalar_subquery()
    )


def summary_fields() -> Mapping[str, Field]:
    """The `$filter`/`$orderby` properties of `PortfolioActivations`."""
    return {
        "id": Field(Offering.id, "string"),
        "name": Field(Offering.name, "string"),
        "contentId": Field(Offering.content_id, "string"),
        "start": Field(Offering.start, "datetime"),
        "end": Field(Offering.end, "datetime"),
        "info": Field(Offering.info, "string"),
        "learnersCount": Field(learners_count(), "number"),
        "metadata/rootContentId": Field(Offering.course_id, "string"),
    }


def _summary_select() -> AnySelect:
    return select(
        Offering.id,
        Offering.name,
        Offering.content_id,
        Offering.start,
        Offering.end,
        Offering.info,
        Offering.course_id,
        learners_count().label("learners_count"),
    )


# The three time buckets (DOMAIN §3.3): each offering is in exactly one.
def future_clause(now: datetime) -> ColumnElement[bool]:
    return Offering.start > now


def past_clause(now: datetime) -> ColumnElement[bool]:
    return and_(Offering.end.is_not(None), Offering.end < now)


def current_clause(now: datetime) -> ColumnElement[bool]:
    return and_(Offering.start <= now, or_(Offering.end.is_(None), Offering.end >= now))


def running_between(first: datetime | None, last: datetime | None) -> tuple[ColumnElement[bool], ...]:
    """Offerings running at some moment from `first` to `last` (either open): started by `last`, not ended
    before `first`."""
    clauses: list[ColumnElement[bool]] = []
    if last is not None:
        clauses.append(Offering.start <= last)
    if first is not None:
        clauses.append(or_(Offering.end.is_(None), Offering.end >= first))
    return tuple(clauses)


TimeBucket = Literal["current", "past", "future"]
_CLAUSES: dict[TimeBucket, Callable[[datetime], ColumnElement[bool]]] = {
    "current": current_clause,
    "past": past_clause,
    "future": future_clause,
}
# Most relevant first: the latest started of the current ones, the latest ended of the past, the next to start.
_BUCKET_ORDER = {
    "current": (Offering.start.desc(), Offering.id),
    "past": (Offering.end.desc(), Offering.id),
    "future": (Offering.start.asc(), Offering.id),
}


class OfferingRepository(Repository):
    async def find(self, offering_id: str) -> Offering | None:
        """The offering as an entity (by its key: from the session's identity map when loaded already)."""
        return await self.by_key(Offering, offering_id)

    async def find_with_course(self, offering_id: str) -> tuple[Offering, AnyRow] | None:
        """The offering entity and its course's `id`, `name` and `tags`, in one statement."""
        row = (await self.session.execute(_WITH_COURSE_BLOCK, {"offering_id": offering_id})).first()
        return None if row is None else (row[0], row)

    async def find_for_change(self, offering_id: str) -> Offering | None:
        """The offering, locked until the unit of work ends (F1): two PATCHes of one offering check their dates
        and badge against each other's result, one after the other."""
        return await self.entity_for_change(Offering, _COLUMNS_BY_ID, offering_id=offering_id)

    async def with_course(self, *where: ColumnElement[bool]) -> Sequence[AnyRow]:
        """Offerings (rows of `with_course_columns`) matching `where`, in one query, ordered by start then id."""
        return await self.rows(_with_course().where(*where).order_by(Offering.start, Offering.id))

    async def summary(self, query: ODataQuery) -> list[SummaryRow]:
        return list((await self.session.execute(query.apply(_summary_select()))).all())

    async def activations(self, *where: ColumnElement[bool], order_by: Sequence[Any], limit: int) -> list[SummaryRow]:
        """Summary rows (with their learner counts) of the offerings matching `where`, at most `limit`."""
        statement = _summary_select().where(*where).order_by(*order_by).limit(limit)
        return list((await self.session.execute(statement)).all())

    async def bucket_page(
        self, bucket: TimeBucket, now: datetime, limit: int, *where: ColumnElement[bool]
    ) -> list[SummaryRow]:
        """The first `limit` offerings of a time bucket (and `where`), most relevant first, as summary rows."""
        return await self.activations(_CLAUSES[bucket](now), *where, order_by=_BUCKET_ORDER[bucket], limit=limit)

    async def bucket_counts(self, now: datetime, *where: ColumnElement[bool]) -> dict[TimeBucket, int]:
        """How many offerings (of those matching `where`) are current, past and future at `now`."""
        return {bucket: await self.count(clause(now), *where) for bucket, clause in _CLAUSES.items()}

    async def learner_count(self, offering_id: str) -> int:
        """How many learners the offering has (its summary's `learnersCount`)."""
        statement = select(func.count(Membership.id)).where(Membership.offering_id == offering_id, *learner_filter())
        return int((await self.session.execute(statement)).scalar_one())

    async def count(self, *where: ColumnElement[bool]) -> int:
        return int((await self.session.execute(select(func.count(Offering.id)).where(*where))).scalar_one())

    async def search_info(self, pattern: str) -> list[SummaryRow]:
        """Offerings whose `info` contains `pattern`, ignoring case."""
        like = literal(f"%{escape_like(pattern)}%")
        statement = (
            _summary_select()
            .where(func.lower(Offering.info).like(func.lower(like), escape=LIKE_ESCAPE))
            .order_by(Offering.start, Offering.id)
        )
        return list((await self.session.execute(statement)).all())

    async def course(self, course_id: str) -> Course | None:
        return await self.one_or_none(select(Course).where(Course.id == course_id))

    async def version(self, content_id: str) -> CourseVersion | None:
        return await self.one_or_none(select(CourseVersion).where(CourseVersion.id == content_id))

    async def of_content(self, content_id: str) -> list[Offering]:
        """The offerings built on this course version."""
        return await self.scalars(select(Offering).where(Offering.content_id == content_id))

    async def draft_course(self, draft_id: str) -> Course | None:
        """A course under construction whose draft id (or never-published root id) is `draft_id`."""
        return (
            await self.session.execute(
                select(Course).where(
                    or_(Course.draft_id == draft_id, and_(Course.id == draft_id, Course.latest_content_id.is_(None)))
                )
            )
        ).scalars().first()

    async def badge(self, offering_id: str) -> OfferingBadge | None:
        return await self.one_or_none(select(OfferingBadge).where(OfferingBadge.offering_id == offering_id))

    async def has_learners(self, offering_id: str) -> bool:
        statement = select(Membership.id).where(Membership.offering_id == offering_id, *learner_filter()).limit(1)
        return (await self.session.execute(statement)).first() is not None


# --- the read path ------------------------------------------------------------------------------------------

_COLUMNS_BY_ID = registered(
    select(*Offering.__table__.c).where(Offering.id == bindparam("offering_id"), org_scope(Offering))
)


def rows_in_offering(table: FromClause, *order_by: ColumnExpressionArgument[Any]) -> AnySelect:
    """A read-path statement for the rows of `table` in the offering `:offering_id` that checks the offering in
    the same round trip: no row at all when the organisation has no such offering, one row of NULLs when the
    offering has none (`read_rows_in_offering` tells them apart). `table` has `id` and `offering_id` columns."""
    return registered(
        select(Offering.id.label("in_offering"), *table.c)
        .select_from(Offering)
        .outerjoin(table, and_(table.c.offering_id == Offering.id, org_scope(table)))
        .where(Offering.id == bindparam("offering_id"), org_scope(Offering))
        .order_by(*order_by)
    )


async def read_rows_in_offering(
    ctx: Reads, statement: AnySelect, offering_id: str
) -> Sequence[AnyRow] | None:
    """The rows of a `rows_in_offering` statement; None when the organisation has no such offering."""
    rows = await ctx.rows(statement, offering_id=offering_id)
    if not rows:
        return None
    return () if rows[0].id is None else rows


async def read_offering_row(ctx: Reads, offering_id: str) -> AnyRow | None:
    """The offering's row (its columns, as attributes)."""
    return await ctx.first(_COLUMNS_BY_ID, offering_id=offering_id)


def _with_course() -> AnySelect:
    """The offering's columns with its course's `tasks_enabled` and `course_cover` (what `offering_json` shows)."""
    return (
        select(*Offering.__table__.c, Course.tasks_enabled, Course.cover_image_url.label("course_cover"))
        .join(Course, Course.id == Offering.course_id)
        .where(org_scope(Offering, Course))
    )


_OFFERING_BY_ID = registered(_with_course().where(Offering.id == bindparam("offering_id")))


async def read_offering_with_course(ctx: Reads, offering_id: str) -> AnyRow | None:
    """The offering's row with its course's `tasks_enabled` and `course_cover` (`GET /offerings/{offeringId}`,
    the console's offering page)."""
    return await ctx.first(_OFFERING_BY_ID, offering_id=offering_id)


# `find_with_course`: the offering entity and its course's columns that an event's course block names.
_WITH_COURSE_BLOCK = (
    select(Offering, Course.id, Course.name, Course.tags)
    .outerjoin(Course, Course.id == Offering.course_id)
    .where(Offering.id == bindparam("offering_id"))
)
