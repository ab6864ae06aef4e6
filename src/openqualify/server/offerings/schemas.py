"""Wire shapes of offerings: `OfferingRequired` (POST), `Offering` (PATCH), `OfferingMetadataResponse`,
`PortfolioActivations` and the four metadata PUT bodies."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from openqualify.server.db.base import ID_LENGTH
from openqualify.server.db.models import Offering, OfferingBadge
from openqualify.server.kit.timefmt import DateTimeIn, DateTimeOut
from openqualify.server.kit.validation import Bool, NonEmptyStr, Number, Str, StrictText, Tags, fits

Category = Annotated[str, fits(Offering.category)]
Level = Annotated[str, fits(Offering.level)]
Topic = Annotated[str, fits(Offering.topic)]
ContentId = Annotated[str, StrictText(ID_LENGTH, min_length=1)]


class OfferingMetadataIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Category | None = None
    level: Level | None = None
    tags: Tags | None = None
    topic: Topic | None = None


TimeframeUnit = Literal["days", "months", "years"]
MAX_TIMEFRAME: dict[str, int] = {"days": 36_500, "months": 1_200, "years": 100}
"""A badge expires at most 100 years after its award (`expires: false` is how a badge says never)."""


class BadgeExpiryIn(BaseModel):
    expires: Bool | None = None
    expiryType: Literal["date", "timeframe"] | None = None
    expirationDate: DateTimeIn | None = None
    timeframeUnit: TimeframeUnit | None = None  # before the amount: the amount's bound depends on it
    timeframeAmount: Number | None = None

    @field_validator("timeframeAmount")
    @classmethod
    def _bounded_timeframe(cls, amount: float | None, info: ValidationInfo) -> float | None:
        unit = info.data.get("timeframeUnit") or "days"
        if amount is not None and amount > MAX_TIMEFRAME[unit]:
            raise ValueError(
                f'should be <= {MAX_TIMEFRAME[unit]} when timeframeUnit is "{unit}" (a badge expires at most '
                "100 years after its award: 36500 days, 1200 months or 100 years)"
            )
        return amount


class BadgeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, fits(OfferingBadge.title)] | None = None
    description: Str | None = None
    requiresApproval: Bool | None = None
    badgeExpiry: BadgeExpiryIn | None = None


class OfferingPatch(BaseModel):
    """`Offering` (PATCH): every field optional. The contract allows unknown top-level properties (ignored).

    `null` is accepted here for every field; the service clears the nullable ones and refuses the others.
    """

    name: Annotated[str, fits(Offering.name, min_length=1)] | None = None
    description: NonEmptyStr | None = None
    overview: Str | None = None
    identifier: Annotated[str, fits(Offering.identifier)] | None = None
    contentId: ContentId | None = None
    rootContentId: Annotated[str, StrictText(ID_LENGTH)] | None = None
    start: DateTimeIn | None = None
    end: DateTimeIn | None = None
    hasEarlyCloseOff: Bool | None = None
    earlyCloseOffDate: DateTimeIn | None = None
    useRelativeDates: Bool | None = None
    isReadonly: Bool | None = None
    trailerVideoUrl: Annotated[str, fits(Offering.trailer_video_url, min_length=1)] | None = None
    metadata: OfferingMetadataIn | None = None
    badge: BadgeIn | None = None


class OfferingCreate(OfferingPatch):
    """`OfferingRequired` (POST): only `start` is required. `overview` is accepted too (PATCH has it)."""

    start: DateTimeIn
    useRelativeDates: Bool = False
    isReadonly: Bool = False
    createDefaultChannels: Bool = False


class CategoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: Category | None = None


class LevelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    level: Level | None = None


class TagsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tags: Tags | None = None


class TopicIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topic: Topic | None = None


class OfferingMetadataOut(BaseModel):
    category: str | None = None
    level: str | None = None
    tags: list[str] = Field(default_factory=list)
    topic: str | None = None
    rootContentId: str | None = None


class OfferingOut(BaseModel):
    """`OfferingMetadataResponse` (no badge: the badge is read through `/offerings/{id}/badges`)."""

    id: str
    name: str | None = None
    description: str | None = None
    overview: str | None = None
    identifier: str | None = None
    contentId: str | None = None
    coverImageUrl: str | None = None
    currency: str | None = None
    price: float | None = None
    enrollmentLimit: int | None = None
    start: DateTimeOut | None = None
    end: DateTimeOut | None = None
    hasEarlyCloseOff: bool = False
    earlyCloseOffDate: DateTimeOut | None = None
    useRelativeDates: bool = False
    isReadonly: bool = False
    tasksEnabled: bool | None = None
    trailerVideoUrl: str | None = None
    metadata: OfferingMetadataOut


class PortfolioMetadataOut(BaseModel):
    rootContentId: str | None = None


class PortfolioActivationOut(BaseModel):
    """`PortfolioActivations`: the projection of `/offerings/summary` and `/offerings/info/{textPattern}`."""

    id: str
    name: str | None = None
    contentId: str | None = None
    start: DateTimeOut | None = None
    end: DateTimeOut | None = None
    info: str = ""
    learnersCount: int = 0
    metadata: PortfolioMetadataOut
