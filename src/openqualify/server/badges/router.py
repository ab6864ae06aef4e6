"""Badges: an offering's badge, awarding it, a user's badges."""

from __future__ import annotations

from openqualify.server.badges import schemas, service
from openqualify.server.kit.deps import PrincipalDep, SessionDep, UserEmailPath
from openqualify.server.kit.reads import ReadContextDep
from openqualify.server.kit.routing import api_router

router = api_router(tags=["Badges"])


@router.read("/offerings/{offeringId}/badges", model=schemas.BadgeOut)
async def offering_badge(ctx: ReadContextDep, offeringId: str) -> schemas.BadgeOut:
    return await service.offering_badge(await ctx.session(), offeringId)


@router.post(
    "/offerings/{offeringId}/users/{userEmail}/badges/award", status_code=201, response_model=schemas.AwardedOut
)
async def award_badge(
    principal: PrincipalDep, session: SessionDep, offeringId: str, email: UserEmailPath
) -> schemas.AwardedOut:
    return await service.award(session, principal, offeringId, email)


@router.read("/users/{userEmail}/badges", model=list[schemas.UserBadgeOut])
async def user_badges(ctx: ReadContextDep, userEmail: UserEmailPath) -> list[schemas.UserBadgeOut]:
    return await service.user_badges(await ctx.session(), userEmail)
