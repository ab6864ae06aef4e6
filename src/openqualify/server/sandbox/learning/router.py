"""`/_sandbox` routes of the learning area (bodies in `schemas`, rules in `service`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body

from openqualify.server.kit.deps import PrincipalDep, SessionDep, UserEmailPath
from openqualify.server.kit.routing import api_router
from openqualify.server.sandbox.learning import schemas, service

router = api_router(tags=["Sandbox"], prefix="/_sandbox")


@router.post("/content/{contentId}/pages", status_code=201, response_model=schemas.PageOut)
async def create_page(
    principal: PrincipalDep, session: SessionDep, contentId: str, body: schemas.PageCreate
) -> schemas.PageOut:
    """Add a page to a course version (a contentId). Every learner's completion in the offerings of that
    version is recomputed: a new page lowers it."""
    return await service.create_page(session, principal, contentId, body)


@router.get("/content/{contentId}/pages", response_model=list[schemas.PageOut])
async def list_pages(principal: PrincipalDep, session: SessionDep, contentId: str) -> list[schemas.PageOut]:
    """The pages of a course version, in order."""
    return await service.list_pages(session, contentId)


@router.put("/offerings/{offeringId}/users/{userEmail}/pages/{pageId}/progress", response_model=schemas.PageProgressOut)
async def record_page_progress(
    principal: PrincipalDep,
    session: SessionDep,
    offeringId: str,
    email: UserEmailPath,
    pageId: str,
    body: schemas.PageProgressIn,
) -> schemas.PageProgressOut:
    """Set what a learner did on a page (viewed, tasks done); their stored completion is recomputed."""
    return await service.record_page_progress(session, principal, offeringId, email, pageId, body)


@router.post("/offerings/{offeringId}/users/{userEmail}/logins", status_code=201, response_model=schemas.LoginOut)
async def record_login(
    principal: PrincipalDep,
    session: SessionDep,
    offeringId: str,
    email: UserEmailPath,
    body: Annotated[schemas.LoginIn | None, Body()] = None,
) -> schemas.LoginOut:
    """Record that a member opened the offering (now, or at `at`): sets the membership's lastLoggedInAt and
    the account's first/last access."""
    return await service.record_login(session, principal, offeringId, email, body)


@router.post("/offerings/{offeringId}/unit-reactions", status_code=201, response_model=schemas.ReactionOut)
async def add_reaction(
    principal: PrincipalDep, session: SessionDep, offeringId: str, body: schemas.ReactionIn
) -> schemas.ReactionOut:
    """A learner's thumbs-up/thumbs-down on a page; reacting again replaces their reaction."""
    return await service.add_reaction(session, principal, offeringId, body)


@router.post("/offerings/{offeringId}/social-notes", status_code=201, response_model=schemas.NoteOut)
async def add_social_note(
    principal: PrincipalDep, session: SessionDep, offeringId: str, body: schemas.NoteIn
) -> schemas.NoteOut:
    """A learner's note on a paragraph of a page; only `shared` notes appear in the analytics."""
    return await service.add_social_note(session, principal, offeringId, body)


@router.post("/offerings/{offeringId}/pulses", status_code=201, response_model=schemas.PulseOut)
async def create_pulse(
    principal: PrincipalDep, session: SessionDep, offeringId: str, body: schemas.PulseCreate
) -> schemas.PulseOut:
    """A pulse question (its id is the pulse base id). MCQ and spatial pulses name their options."""
    return await service.create_pulse(session, principal, offeringId, body)


@router.post("/offerings/{offeringId}/pulses/{pulseId}/runs", status_code=201, response_model=schemas.RunOut)
async def create_run(
    principal: PrincipalDep, session: SessionDep, offeringId: str, pulseId: str, body: schemas.RunCreate
) -> schemas.RunOut:
    """Send the pulse (a run; its id is the pulse instance id), now or at `start`, open `durationMinutes`."""
    return await service.create_run(session, principal, offeringId, pulseId, body)


@router.post(
    "/offerings/{offeringId}/pulses/{pulseId}/runs/{runId}/responses",
    status_code=201,
    response_model=schemas.ResponseOut,
)
async def add_response(
    principal: PrincipalDep, session: SessionDep, offeringId: str, pulseId: str, runId: str, body: schemas.ResponseIn
) -> schemas.ResponseOut:
    """A learner's answer to a run: `textAnswer` (submit_text), `multiChoiceAnswer` (MCQ) or `spatialAnswer`."""
    return await service.add_response(session, principal, offeringId, pulseId, runId, body)
