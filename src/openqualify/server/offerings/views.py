"""Reading offerings: the time buckets, one offering, the summary (OData) and the `info` search.

`offering_out` / `offerings_out` are also what other resources use to answer with `OfferingMetadataResponse`
(e.g. `GET /users/{email}/offerings`): pass the WHERE clauses, get the list in one query.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import Offering
from openqualify.server.kit.auth import Principal
from openqualify.server.kit.errors import ObjectNotFoundError, TextPatternError
from openqualify.server.kit.json_rows import present
from openqualify.server.kit.odata import ODataQuery
from openqualify.server.kit.reads import Reads
from openqualify.server.offerings import schemas
from openqualify.server.offerings.repository import (
    OfferingRepository,
    SummaryRow,
    TimeBucket,
    current_clause,
    future_clause,
    past_clause,
    read_offering_with_course,
    running_between,
    summary_fields,
)

Bucket = Literal["all", "current", "past", "future"]
MIN_PATTERN_LENGTH = 3


def _text(value: str | None) -> str | None:
    """The response's strings have minLength 1: an empty value is left out."""
    return value or None


def offering_json(offering: Any, tasks_enabled: bool | None, course_cover: str | None) -> dict[str, Any]:
    """`OfferingMetadataResponse` as JSON-ready values, from an `Offering` or a row of its columns."""
    return present(
        {
            "id": offering.id,
            "name": _text(offering.name),
            "description": _text(offering.description),
            "overview": _text(offering.overview),
            "identifier": offering.identifier,
            "contentId": offering.content_id,
            "coverImageUrl": _text(offering.cover_image_url) or _text(course_cover),
            "currency": offering.currency,
            "price": offering.price,
            "enrollmentLimit": offering.enrollment_limit,
            "start": offering.start,
            "end": offering.end,
            "hasEarlyCloseOff": bool(offering.has_early_close_off),
            "earlyCloseOffDate": offering.early_close_off_date,
            "useRelativeDates": bool(offering.use_relative_dates),
            "isReadonly": bool(offering.is_readonly),
            "tasksEnabled": tasks_enabled,
            "trailerVideoUrl": _text(offering.trailer_video_url),
            "metadata": present(
                {
                    "category": offering.category,
                    "level": offering.level,
                    "tags": list(offering.tags or []),
                    "topic": offering.topic,
                    "rootContentId": offering.course_id,
                }
            ),
        }
    )


async def offering_by_id(ctx: Reads, offering_id: str) -> dict[str, Any]:
    """`GET /offerings/{offeringId}`, on the read path."""
    row = await read_offering_with_course(ctx, offering_id)
    if row is None:
        raise ObjectNotFoundError.of("offering", offering_id)
    return offering_json(row, row.tasks_enabled, row.course_cover)


def offering_out(offering: Any, tasks_enabled: bool | None, course_cover: str | None) -> schemas.OfferingOut:
    """`offering_json` as the response model, for routes that answer with it."""
    return schemas.OfferingOut.model_validate(offering_json(offering, tasks_enabled, course_cover))


def offering_row_out(row: Any) -> schemas.OfferingOut:
    """A row of `OfferingRepository.with_course` (or `read_offering_with_course`) as the response model."""
    return offering_out(row, row.tasks_enabled, row.course_cover)


async def offerings_out(session: AsyncSession, *where: ColumnElement[bool]) -> list[schemas.OfferingOut]:
    """Offerings matching `where` (all when none), ordered by start then id, in one query."""
    return [offering_row_out(row) for row in await OfferingRepository(session).with_course(*where)]


async def list_offerings(session: AsyncSession, principal: Principal, bucket: Bucket) -> list[schemas.OfferingOut]:
    now = principal.now()
    clauses = {"current": current_clause, "past": past_clause, "future": future_clause}
    if bucket == "all":
        return await offerings_out(session)
    return await offerings_out(session, clauses[bucket](now))


async def bucket_page(
    session: AsyncSession, bucket: TimeBucket, now: datetime, limit: int, *where: ColumnElement[bool]
) -> list[SummaryRow]:
    """The first `limit` offerings of a time bucket (and `where`), most relevant first, as summary rows (with
    learner counts)."""
    return await OfferingRepository(session).bucket_page(bucket, now, limit, *where)


async def bucket_counts(session: AsyncSession, now: datetime, *where: ColumnElement[bool]) -> dict[TimeBucket, int]:
    """How many offerings (of those matching `where`) are current, past and future at `now`."""
    return await OfferingRepository(session).bucket_counts(now, *where)


def current_offerings(now: datetime) -> ColumnElement[bool]:
    """The condition selecting current offerings (for other resources' counts over them)."""
    return current_clause(now)


def offerings_running(first: datetime | None, last: datetime | None) -> tuple[ColumnElement[bool], ...]:
    """The conditions selecting offerings running at some moment between `first` and `last` (either open)."""
    return running_between(first, last)


def activation_out(row: SummaryRow) -> schemas.PortfolioActivationOut:
    return schemas.PortfolioActivationOut(
        id=row.id,
        name=row.name,
        contentId=row.content_id,
        start=row.start,
        end=row.end,
        info=row.info or "",
        learnersCount=row.learners_count or 0,
        metadata=schemas.PortfolioMetadataOut(rootContentId=row.course_id),
    )


async def summary(
    session: AsyncSession, top: str | None, orderby: str | None, filter: str | None
) -> list[schemas.PortfolioActivationOut]:
    query = ODataQuery.from_params(
        top,
        orderby,
        filter,
        summary_fields(),
        default_order=[Offering.start.asc()],
        tiebreak=Offering.id,
    )
    return [activation_out(row) for row in await OfferingRepository(session).summary(query)]


async def search_info(session: AsyncSession, pattern: str) -> list[schemas.PortfolioActivationOut]:
    if len(pattern) < MIN_PATTERN_LENGTH:
        raise TextPatternError(f"Text pattern must be a minimum of {MIN_PATTERN_LENGTH} characters in length.")
    rows = await OfferingRepository(session).search_info(pattern)
    if not rows:
        raise ObjectNotFoundError(f"No offering matches the text pattern {pattern}.")
    return [activation_out(row) for row in rows]
