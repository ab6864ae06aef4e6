"""`GET /org`: the organisation behind the token."""

from __future__ import annotations

from pydantic import BaseModel

from openqualify.server.kit.deps import PrincipalDep
from openqualify.server.kit.routing import api_router

router = api_router(tags=["Organisation"])


class OrgOut(BaseModel):
    id: str
    name: str


@router.get("/org", response_model=OrgOut)
async def get_org(principal: PrincipalDep) -> OrgOut:
    return OrgOut(id=principal.org_id, name=principal.org_name)
