"""`/_sandbox` routes of the data area (bodies in `schemas`, rules in `service`)."""

from __future__ import annotations

from openqualify.server.kit.deps import PrincipalDep, SessionDep, UserEmailPath
from openqualify.server.kit.routing import api_router
from openqualify.server.sandbox.data import schemas, service

router = api_router(tags=["Sandbox"], prefix="/_sandbox")


@router.post("/reset", response_model=schemas.CountsOut)
async def reset(principal: PrincipalDep, session: SessionDep) -> schemas.CountsOut:
    """Delete every course, offering, user and activity of this organisation (tokens and clock stay)."""
    return await service.reset(session, principal)


@router.post("/demo", status_code=201, response_model=schemas.CountsOut)
async def demo(principal: PrincipalDep, session: SessionDep) -> schemas.CountsOut:
    """Fill this (empty) organisation with the deterministic demo data of `openqualify serve --demo`."""
    return await service.demo(session, principal)


@router.get("/export", response_model=schemas.ExportDocument)
async def export(principal: PrincipalDep, session: SessionDep) -> schemas.ExportDocument:
    """Everything this organisation owns (except its tokens), table by table, as JSON."""
    return await service.export(session, principal)


@router.post("/import", response_model=schemas.CountsOut)
async def import_(principal: PrincipalDep, session: SessionDep, body: schemas.ExportDocument) -> schemas.CountsOut:
    """Replace this organisation's data with an export (all or nothing)."""
    return await service.import_(session, principal, body)


@router.put("/offerings/{offeringId}/users/{userEmail}/start", response_model=schemas.LearnerStartOut)
async def set_learner_start(
    principal: PrincipalDep, session: SessionDep, offeringId: str, email: UserEmailPath, body: schemas.LearnerStartIn
) -> schemas.LearnerStartOut:
    """A member's own opening date, from which relative due dates count (`null`: the offering's start)."""
    return await service.set_learner_start(session, offeringId, email, body)
