"""`/_sandbox` routes of the core area (bodies in `schemas`, rules in `service`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body

from openqualify.server.kit.deps import PrincipalDep, SessionDep
from openqualify.server.kit.routing import api_router
from openqualify.server.sandbox.core import schemas, service

router = api_router(tags=["Sandbox"], prefix="/_sandbox")


@router.post("/courses", status_code=201, response_model=schemas.SandboxCourseOut)
async def create_course(
    principal: PrincipalDep, session: SessionDep, body: schemas.CourseCreate
) -> schemas.SandboxCourseOut:
    """Create a course; published (version 1) unless `publish` is false, then it stays a draft."""
    return await service.create_course(session, principal, body)


@router.get("/courses", response_model=list[schemas.SandboxCourseOut])
async def list_courses(principal: PrincipalDep, session: SessionDep) -> list[schemas.SandboxCourseOut]:
    return await service.list_courses(session)


@router.post("/courses/{rootContentId}/versions", status_code=201, response_model=schemas.SandboxCourseOut)
async def publish_version(
    principal: PrincipalDep,
    session: SessionDep,
    rootContentId: str,
    body: Annotated[schemas.VersionCreate | None, Body()] = None,
) -> schemas.SandboxCourseOut:
    """Publish the course again: a new contentId with the same rootContentId."""
    return await service.publish_version(session, principal, rootContentId, body)


@router.post("/courses/{rootContentId}/draft", response_model=schemas.SandboxCourseOut)
async def back_to_draft(principal: PrincipalDep, session: SessionDep, rootContentId: str) -> schemas.SandboxCourseOut:
    """Put the course back under construction: it gets a draftId; published versions stay."""
    return await service.back_to_draft(session, rootContentId)


@router.get("/clock", response_model=schemas.ClockOut)
async def get_clock(principal: PrincipalDep, session: SessionDep) -> schemas.ClockOut:
    return await service.get_clock(session, principal)


@router.put("/clock", response_model=schemas.ClockOut)
async def set_clock(principal: PrincipalDep, session: SessionDep, body: schemas.ClockSet) -> schemas.ClockOut:
    """Set the organisation's now. `frozen` stops it there; otherwise it runs on from that instant.
    `{"now": null}` returns to real time."""
    return await service.set_clock(session, principal, body)


@router.post("/clock/advance", response_model=schemas.ClockOut)
async def advance_clock(principal: PrincipalDep, session: SessionDep, body: schemas.ClockAdvance) -> schemas.ClockOut:
    """Move the organisation's clock forward (or back, with negative amounts)."""
    return await service.advance_clock(session, principal, body)


@router.get("/emails", response_model=list[schemas.EmailOut])
async def list_emails(principal: PrincipalDep, session: SessionDep, limit: int = 100) -> list[schemas.EmailOut]:
    """The e-mails the API would have sent (invitations, notifications), newest first."""
    return await service.list_emails(session, limit)
