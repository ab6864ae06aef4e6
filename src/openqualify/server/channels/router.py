"""`/offerings/{offeringId}/channels` and the channel content analytics."""

from __future__ import annotations

from fastapi import Response

from openqualify.server.channels import schemas, service
from openqualify.server.kit.deps import PrincipalDep, SessionDep
from openqualify.server.kit.json_rows import JSONBytes
from openqualify.server.kit.reads import ReadContextDep
from openqualify.server.kit.routing import api_router

router = api_router(tags=["Channels"])


@router.read("/offerings/{offeringId}/channels", model=list[schemas.ChannelOut])
async def list_channels(ctx: ReadContextDep, offeringId: str) -> list[schemas.ChannelOut]:
    return await service.list_channels(ctx, offeringId)


@router.post("/offerings/{offeringId}/channels", status_code=201, response_model=schemas.ChannelOut)
async def create_channel(
    principal: PrincipalDep, session: SessionDep, offeringId: str, body: schemas.ChannelCreate
) -> schemas.ChannelOut:
    return await service.create_channel(session, principal, offeringId, body)


@router.patch("/offerings/{offeringId}/channels/{channelId}", response_model=schemas.ChannelOut)
async def update_channel(
    principal: PrincipalDep, session: SessionDep, offeringId: str, channelId: str, body: schemas.ChannelPatch
) -> schemas.ChannelOut:
    return await service.update_channel(session, principal, offeringId, channelId, body)


@router.read("/offerings/{offeringId}/channels/{channelId}/learners", model=schemas.ChannelWithLearnersOut)
async def channel_learners(ctx: ReadContextDep, offeringId: str, channelId: str) -> schemas.ChannelWithLearnersOut:
    return await service.channel_learners(await ctx.session(), offeringId, channelId)


@router.post("/offerings/{offeringId}/channels/{channelId}/learners", status_code=204, response_class=Response)
async def add_channel_learner(
    principal: PrincipalDep, session: SessionDep, offeringId: str, channelId: str, body: schemas.ChannelLearnerIn
) -> None:
    await service.add_channel_learner(session, principal, offeringId, channelId, body.email)


@router.delete("/offerings/{offeringId}/channels/{channelId}/learners", status_code=204, response_class=Response)
async def remove_channel_learner(
    principal: PrincipalDep, session: SessionDep, offeringId: str, channelId: str, body: schemas.ChannelLearnerIn
) -> None:
    await service.remove_channel_learner(session, principal, offeringId, channelId, body.email)


@router.read("/offerings/{offeringId}/analytics/channels/{channelId}/posts", model=list[schemas.PostOut], cached=True)
async def list_posts(ctx: ReadContextDep, offeringId: str, channelId: str) -> Response:
    return JSONBytes(await service.list_posts(ctx, offeringId, channelId))


@router.read(
    "/offerings/{offeringId}/analytics/channels/{channelId}/comments", model=list[schemas.CommentOut], cached=True)
async def list_comments(ctx: ReadContextDep, offeringId: str, channelId: str) -> Response:
    return JSONBytes(await service.list_comments(ctx, offeringId, channelId, replies=False))


@router.read(
    "/offerings/{offeringId}/analytics/channels/{channelId}/replies", model=list[schemas.CommentOut], cached=True
)
async def list_replies(ctx: ReadContextDep, offeringId: str, channelId: str) -> Response:
    return JSONBytes(await service.list_comments(ctx, offeringId, channelId, replies=True))
