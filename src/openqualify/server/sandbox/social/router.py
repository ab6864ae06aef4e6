"""`/_sandbox` routes of the social area (bodies in `schemas`, rules in `service`)."""

from __future__ import annotations

from openqualify.server.channels import schemas as channel_schemas
from openqualify.server.kit.deps import PrincipalDep, SessionDep
from openqualify.server.kit.routing import api_router
from openqualify.server.sandbox.social import schemas, service

router = api_router(tags=["Sandbox"], prefix="/_sandbox")


@router.post(
    "/offerings/{offeringId}/channels/{channelId}/posts", status_code=201, response_model=channel_schemas.PostOut
)
async def create_post(
    principal: PrincipalDep, session: SessionDep, offeringId: str, channelId: str, body: schemas.PostCreate
) -> channel_schemas.PostOut:
    """Start a thread in a channel. `isFacilitatorPost` defaults to the author's facilitator role in the
    offering; `createdAt` defaults to the organisation's now."""
    return await service.create_post(session, principal, offeringId, channelId, body)


@router.post("/posts/{postId}/comments", status_code=201, response_model=channel_schemas.CommentOut)
async def create_comment(
    principal: PrincipalDep, session: SessionDep, postId: str, body: schemas.CommentCreate
) -> channel_schemas.CommentOut:
    """Comment on a post (listed by `/analytics/channels/{channelId}/comments`)."""
    return await service.create_comment(session, principal, postId, body)


@router.post("/comments/{commentId}/replies", status_code=201, response_model=channel_schemas.CommentOut)
async def create_reply(
    principal: PrincipalDep, session: SessionDep, commentId: str, body: schemas.CommentCreate
) -> channel_schemas.CommentOut:
    """Reply to a comment (listed by `/analytics/channels/{channelId}/replies`)."""
    return await service.create_reply(session, principal, commentId, body)


@router.put("/posts/{postId}/moderation", response_model=channel_schemas.PostOut)
async def moderate_post(
    principal: PrincipalDep, session: SessionDep, postId: str, body: schemas.ModerationIn | None = None
) -> channel_schemas.PostOut:
    """Moderate (mute, with a reason and a moderator) a post; no body (or `null`) clears moderation."""
    return await service.moderate_post(session, postId, body)


@router.put("/comments/{commentId}/moderation", response_model=channel_schemas.CommentOut)
async def moderate_comment(
    principal: PrincipalDep, session: SessionDep, commentId: str, body: schemas.ModerationIn | None = None
) -> channel_schemas.CommentOut:
    """Moderate a comment or reply; no body (or `null`) clears moderation."""
    return await service.moderate_comment(session, commentId, body)
