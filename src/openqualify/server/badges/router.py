"""Badges: an offering's badge, awarding it, a user's badges."""

from __future__ import annotations

from openqualify.server.badges import schemas, service
from openqualify.server.kit.deps import PrincipalDep, SessionDep, UserEmailPath, valid_email
from openqualify.server.kit.reads import ReadContextDep, read_route
from openqualify.server.kit.routing import api_router

router = api_router(tags=["Badges"])


@router.get("/offerings/{offeringId}/badges", response_model=schemas.BadgeOut)
@read_route
async def offering_badge(ctx: ReadContextDep, offeringId: str) -> schemas.BadgeOut:
    return await service.offering_badge(await ctx.session(), offeringId)


@router.post(
    "/offerings/{offeringId}/users/{userEmail}/badges/award", status_code=201, response_model=schemas.AwardedOut
)
async def award_badge(
    principal: PrincipalDep, session: SessionDep, offeringId: str, email: UserEmailPath
) -> schemas.AwardedOut:
    return await service.award(session, principal, offeringId, email)


@router.get("/users/{userEmail}/badges", response_model=list[schemas.UserBadgeOut])
@read_route
async def user_badges(ctx: ReadContextDep, userEmail: str) -> list[schemas.UserBadgeOut]:
    return await service.user_badges(await ctx.session(), valid_email(userEmail, "userEmail"))
