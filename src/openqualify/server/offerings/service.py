"""Offerings: creation, merge-patch updates, metadata, with the contract's rules (DOMAIN §1.7, §3.3, §4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.channels.defaults import create_default_channels
from openqualify.server.db.models import Course, Offering, OfferingBadge
from openqualify.server.event_hub import emitters as hub
from openqualify.server.kit.auth import Principal
from openqualify.server.kit.errors import (
    IncompatibleParametersError,
    InvalidContentError,
    MissingInfoError,
    ObjectExistsError,
    ObjectNotFoundError,
    SchemaValidationError,
)
from openqualify.server.kit.ids import push_id
from openqualify.server.offerings import schemas
from openqualify.server.offerings.repository import OfferingRepository
from openqualify.server.offerings.views import offering_out

MISSING_BADGE = "The field 'Offering Badge' is missing or invalid."
# PATCH fields that `null` may not clear, with the JSON type the contract gives them.
_NOT_NULLABLE = {
    "name": "string",
    "start": "string",
    "contentId": "string",
    "rootContentId": "string",
    "hasEarlyCloseOff": "boolean",
    "useRelativeDates": "boolean",
    "isReadonly": "boolean",
    "metadata": "object",
    "badge": "object",
}


def info_of(identifier: str | None, name: str | None) -> str:
    """The searchable `info` text: the identifier, then the name (DOMAIN §4 #6)."""
    return " ".join(part for part in (identifier, name) if part)


# --- content ------------------------------------------------------------------------------------------


async def resolve_content(
    repo: OfferingRepository, content_id: str | None, root_content_id: str | None
) -> tuple[str, Course]:
    """The contentId an offering will use and its course (DOMAIN §4 #8)."""
    if not content_id and not root_content_id:
        raise InvalidContentError("You need to specify content_id or rootContentId.")
    course: Course | None = None
    chosen: str | None = None
    if content_id:
        version = await repo.version(content_id)
        if version is None:
            if await repo.draft_course(content_id) is not None:
                raise InvalidContentError(f"The content {content_id} has not been published.")
            raise ObjectNotFoundError.of("content", content_id)
        chosen = version.id
        course = await repo.course(version.course_id)
    if root_content_id:
        root = await repo.course(root_content_id)
        if root is None:
            raise ObjectNotFoundError.of("content", root_content_id)
        if course is not None and course.id != root.id:
            raise IncompatibleParametersError(
                f"contentId {content_id} is not a version of the course rootContentId {root_content_id}."
            )
        if chosen is None:
            if root.latest_content_id is None:
                raise InvalidContentError(f"The content {root_content_id} has not been published.")
            chosen = root.latest_content_id
        course = root
    assert chosen is not None and course is not None
    return chosen, course


# --- dates ----------------------------------------------------------------------------------------------


def check_dates(start: datetime, end: datetime | None, has_close_off: bool, close_off: datetime | None) -> None:
    if end is not None and end < start:
        raise IncompatibleParametersError("end cannot be before start.")
    if has_close_off and close_off is None:
        raise IncompatibleParametersError("earlyCloseOffDate is required when hasEarlyCloseOff is true.")
    if not has_close_off and close_off is not None:
        raise IncompatibleParametersError("earlyCloseOffDate cannot be set when hasEarlyCloseOff is false.")
    if close_off is not None and (close_off < start or (end is not None and close_off > end)):
        raise IncompatibleParametersError("earlyCloseOffDate must be between start and end.")


# --- badge ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Expiry:
    expires: bool = False
    expiry_type: str | None = None
    expiration_date: datetime | None = None
    timeframe_amount: float | None = None
    timeframe_unit: str | None = None


def _expiry(data: schemas.BadgeExpiryIn | None) -> _Expiry:
    """Validated expiry settings; `expires` defaults to whether a type is given."""
    if data is None:
        return _Expiry()
    expires = data.expires if data.expires is not None else data.expiryType is not None
    if not expires:
        return _Expiry()
    if data.expiryType is None:
        raise MissingInfoError("The field 'badgeExpiry.expiryType' is missing or invalid.")
    if data.expiryType == "date":
        if data.expirationDate is None:
            raise MissingInfoError("The field 'badgeExpiry.expirationDate' is missing or invalid.")
        return _Expiry(True, "date", expiration_date=data.expirationDate)
    if data.timeframeAmount is None or data.timeframeAmount <= 0:
        raise MissingInfoError("The field 'badgeExpiry.timeframeAmount' is missing or invalid.")
    if data.timeframeUnit is None:
        raise MissingInfoError("The field 'badgeExpiry.timeframeUnit' is missing or invalid.")
    return _Expiry(True, "timeframe", timeframe_amount=data.timeframeAmount, timeframe_unit=data.timeframeUnit)


def badge_row(offering_id: str, badge: schemas.BadgeIn, now: datetime) -> OfferingBadge:
    """A validated badge row (MissingInfoError without a title or with incomplete expiry settings)."""
    if not badge.title:
        raise MissingInfoError(MISSING_BADGE)
    expiry = _expiry(badge.badgeExpiry)
    return OfferingBadge(
        offering_id=offering_id,
        id=push_id(),
        title=badge.title,
        description=badge.description,
        requires_approval=bool(badge.requiresApproval),
        expires=expiry.expires,
        expiry_type=expiry.expiry_type,
        expiration_date=expiry.expiration_date,
        timeframe_amount=expiry.timeframe_amount,
        timeframe_unit=expiry.timeframe_unit,
        created_at=now,
    )


# --- create ---------------------------------------------------------------------------------------------


async def create_offering(
    session: AsyncSession, principal: Principal, body: schemas.OfferingCreate
) -> schemas.OfferingOut:
    repo = OfferingRepository(session)
    content_id, course = await resolve_content(repo, body.contentId, body.rootContentId)
    has_close_off = body.hasEarlyCloseOff if body.hasEarlyCloseOff is not None else body.earlyCloseOffDate is not None
    check_dates(body.start, body.end, has_close_off, body.earlyCloseOffDate)
    now = principal.now()
    offering_id = push_id()
    badge = badge_row(offering_id, body.badge, now) if body.badge is not None else None
    metadata = body.metadata or schemas.OfferingMetadataIn()
    name = body.name or course.name
    offering = Offering(
        id=offering_id,
        content_id=content_id,
        course_id=course.id,
        name=name,
        description=body.description,
        overview=body.overview,
        identifier=body.identifier,
        info=info_of(body.identifier, name),
        start=body.start,
        end=body.end,
        has_early_close_off=has_close_off,
        early_close_off_date=body.earlyCloseOffDate,
        use_relative_dates=body.useRelativeDates,
        is_readonly=body.isReadonly,
        trailer_video_url=body.trailerVideoUrl,
        category=metadata.category,
        level=metadata.level,
        topic=metadata.topic,
        tags=list(metadata.tags or []),
        created_at=now,
    )
    repo.add(offering)
    await session.flush()  # the offering first: badge and channels refer to it
    if badge is not None:
        repo.add(badge)
    if body.createDefaultChannels:
        await create_default_channels(session, offering, now)
    await hub.offering_created(session, offering)
    await session.flush()
    return offering_out(offering, course.tasks_enabled, course.cover_image_url)


# --- update ---------------------------------------------------------------------------------------------


async def _for_change(repo: OfferingRepository, offering_id: str) -> tuple[Offering, Course]:
    """The offering (locked until the unit of work ends) and its course, or 404."""
    offering = await repo.find_for_change(offering_id)
    if offering is None:
        raise ObjectNotFoundError.of("offering", offering_id)
    course = await repo.by_key(Course, offering.course_id)
    assert course is not None  # a foreign key
    return offering, course


def _close_off(body: schemas.OfferingPatch, offering: Offering) -> tuple[bool, datetime | None]:
    """Merged (hasEarlyCloseOff, earlyCloseOffDate): setting a date switches the flag on, clearing it
    (or turning the flag off) clears the date."""
    fields = body.model_fields_set
    if "earlyCloseOffDate" in fields:
        date = body.earlyCloseOffDate
        has = body.hasEarlyCloseOff if "hasEarlyCloseOff" in fields else date is not None
        return bool(has), date
    if "hasEarlyCloseOff" in fields:
        has = bool(body.hasEarlyCloseOff)
        return has, offering.early_close_off_date if has else None
    return offering.has_early_close_off, offering.early_close_off_date


async def update_offering(
    session: AsyncSession, principal: Principal, offering_id: str, body: schemas.OfferingPatch
) -> schemas.OfferingOut:
    fields = body.model_fields_set
    for field, kind in _NOT_NULLABLE.items():
        if field in fields and getattr(body, field) is None:
            raise SchemaValidationError(f"data.{field} should be {kind}")
    repo = OfferingRepository(session)
    offering, course = await _for_change(repo, offering_id)
    now = principal.now()

    if body.contentId or body.rootContentId:
        content_id, version_course = await resolve_content(repo, body.contentId, body.rootContentId)
        if version_course.id != offering.course_id:
            raise IncompatibleParametersError(
                f"The content {content_id} is not a version of the course {offering.course_id}."
            )
        new_content_id: str | None = content_id
    else:
        new_content_id = None

    start = body.start if body.start is not None else offering.start
    end = body.end if "end" in fields else offering.end
    has_close_off, close_off = _close_off(body, offering)
    check_dates(start, end, has_close_off, close_off)

    toggles_relative = body.useRelativeDates is not None and body.useRelativeDates != offering.use_relative_dates
    if toggles_relative and await repo.has_learners(offering.id):
        raise IncompatibleParametersError("useRelativeDates cannot be changed when the offering already has learners.")

    badge: OfferingBadge | None = None
    if body.badge is not None:
        if await repo.badge(offering.id) is not None:
            raise ObjectExistsError(f"The badge already exists in the offering {offering.id}.")
        if offering.start <= now:
            raise IncompatibleParametersError("A badge cannot be added to an offering that has already started.")
        badge = badge_row(offering.id, body.badge, now)

    _apply(offering, body, start, end, has_close_off, close_off)
    if new_content_id is not None:
        offering.content_id = new_content_id
    if badge is not None:
        repo.add(badge)
    await hub.offering_updated(session, offering)
    await session.flush()
    return offering_out(offering, course.tasks_enabled, course.cover_image_url)


def _apply(
    offering: Offering,
    body: schemas.OfferingPatch,
    start: datetime,
    end: datetime | None,
    has_close_off: bool,
    close_off: datetime | None,
) -> None:
    fields = body.model_fields_set
    if body.name is not None:
        offering.name = body.name
    # Nullable text fields: present means set (null clears).
    for field, attribute in (
        ("description", "description"),
        ("overview", "overview"),
        ("identifier", "identifier"),
        ("trailerVideoUrl", "trailer_video_url"),
    ):
        if field in fields:
            setattr(offering, attribute, getattr(body, field))
    offering.start, offering.end = start, end
    offering.has_early_close_off, offering.early_close_off_date = has_close_off, close_off
    if body.useRelativeDates is not None:
        offering.use_relative_dates = body.useRelativeDates
    if body.isReadonly is not None:
        offering.is_readonly = body.isReadonly
    if body.metadata is not None:
        _merge_metadata(offering, body.metadata.model_dump(include=body.metadata.model_fields_set))
    offering.info = info_of(offering.identifier, offering.name)


def _merge_metadata(offering: Offering, values: dict[str, Any]) -> None:
    for key, value in values.items():
        if key == "tags":
            offering.tags = list(value or [])
        else:
            setattr(offering, key, value)


# --- metadata PUTs --------------------------------------------------------------------------------------


async def set_metadata(
    session: AsyncSession, principal: Principal, offering_id: str, field: str, value: Any
) -> schemas.OfferingOut:
    """Replace one metadata field (`category`, `level`, `tags` or `topic`); absent or null clears it."""
    offering, course = await _for_change(OfferingRepository(session), offering_id)
    _merge_metadata(offering, {field: value})
    await hub.offering_updated(session, offering)
    await session.flush()
    return offering_out(offering, course.tasks_enabled, course.cover_image_url)
