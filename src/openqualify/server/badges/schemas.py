"""Wire shapes of badges (`Badge`, `AwardedResponse`, `UserBadge`): Open Badges 2.0 BadgeClass inside."""

from __future__ import annotations

from pydantic import BaseModel

from openqualify.server.kit.timefmt import DateTimeOut


class Criteria(BaseModel):
    hasCompletedCourse: bool = True
    hasPassedMandatoryAssessedQuizzes: bool = True


class OpenBadgeCriteria(BaseModel):
    narrative: str


class OpenBadgeClass(BaseModel):
    id: str
    type: str = "BadgeClass"
    name: str
    description: str | None = None
    image: str
    issuer: str
    criteria: OpenBadgeCriteria


class BadgeExpiryOut(BaseModel):
    expires: bool
    expiryType: str | None = None
    expirationDate: DateTimeOut | None = None
    timeframeAmount: float | None = None
    timeframeUnit: str | None = None


class BadgeOut(BaseModel):
    title: str
    description: str | None = None
    badgeUrl: str
    criterias: Criteria
    openBadge: OpenBadgeClass
    badgeExpiry: BadgeExpiryOut


class AwardedOut(BaseModel):
    awarded: bool
    badgeId: str
    badgeUrl: str


class UserBadgeExpiry(BaseModel):
    expires: bool
    expirationDate: DateTimeOut | None = None


class UserBadgeOut(BaseModel):
    offeringId: str
    title: str
    description: str | None = None
    badgeUrl: str
    awardedAt: DateTimeOut
    badgeExpiry: UserBadgeExpiry
    criterias: Criteria
    openBadge: OpenBadgeClass
