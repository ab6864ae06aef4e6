"""`GET /org`: the organisation behind the token."""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel

from openqualify.server.kit.json_rows import JSONBytes
from openqualify.server.kit.reads import ReadContextDep
from openqualify.server.kit.routing import api_router

router = api_router(tags=["Organisation"])


class OrgOut(BaseModel):
    id: str
    name: str


@router.read("/org", model=OrgOut)
async def get_org(ctx: ReadContextDep) -> Response:
    return JSONBytes({"id": ctx.principal.org_id, "name": ctx.principal.org_name})
