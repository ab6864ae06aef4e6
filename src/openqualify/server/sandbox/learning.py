"""Sandbox control plane, learning: course pages, learners' page progress and logins, unit reactions, social
notes, pulses with their runs and responses.

The contract only reads these; integrators need to write them to build realistic scenarios.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Body
from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import (
    CoursePage,
    CourseVersion,
    Offering,
    PageProgress,
    Pulse,
    PulseAnswerRow,
    PulseRun,
    SocialNote,
    UnitReaction,
)
from openqualify.server.kit.deps import PrincipalDep, SessionDep, UserEmailPath
from openqualify.server.kit.errors import ObjectNotFoundError, SchemaValidationError
from openqualify.server.kit.ids import push_id
from openqualify.server.kit.routing import api_router
from openqualify.server.kit.timefmt import DateTimeIn, DateTimeOut
from openqualify.server.kit.validation import Bool, EmailStr, NonEmptyStr, Number, Str
from openqualify.server.memberships.lookup import get_learner, get_member
from openqualify.server.offerings.lookup import get_offering
from openqualify.server.progress.completion import recompute
from openqualify.server.pulses.schemas import PULSE_TYPES

router = api_router(tags=["Sandbox"], prefix="/_sandbox")

Count = Annotated[int, Strict(), Field(ge=0, le=10_000)]
Title = Annotated[NonEmptyStr, Field(max_length=300)]
PulseType = Literal["submit_text", "MCQ", "spatial_triangular", "spatial_planar", "spatial_linear"]


class PageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Title
    taskCount: Count = 0
    position: Count | None = None


class PageOut(BaseModel):
    id: str
    contentId: str
    title: str
    taskCount: int
    position: int


class PageProgressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    viewed: Bool = True
    tasksDone: Count = 0


class PageProgressOut(BaseModel):
    offeringId: str
    email: str
    pageId: str
    viewed: bool
    tasksDone: int
    completion: str


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: DateTimeIn | None = None


class LoginOut(BaseModel):
    offeringId: str
    email: str
    lastLoggedInAt: DateTimeOut
    firstAccessAt: DateTimeOut
    lastAccessAt: DateTimeOut


class ReactionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr
    pageId: NonEmptyStr
    reaction: Literal["thumbs-up", "thumbs-down"]


class ReactionOut(BaseModel):
    id: str
    offeringId: str
    pageId: str
    email: str
    reaction: str


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr
    pageId: NonEmptyStr
    paragraphId: Annotated[NonEmptyStr, Field(max_length=200)]
    content: NonEmptyStr
    shared: Bool = True
    createdAt: DateTimeIn | None = None


class NoteOut(BaseModel):
    id: str
    offeringId: str
    pageId: str
    email: str
    paragraphId: str
    content: str
    shared: bool
    createdAt: DateTimeOut


class PulseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: NonEmptyStr
    pulseType: PulseType
    options: list[Annotated[NonEmptyStr, Field(max_length=300)]] = Field(default_factory=list)


class PulseOut(BaseModel):
    id: str
    offeringId: str
    question: str
    pulseType: str
    options: list[str]


class RunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: DateTimeIn | None = None
    durationMinutes: Annotated[int, Strict(), Field(ge=1, le=525_600)] = 60


class RunOut(BaseModel):
    id: str
    pulseId: str
    start: DateTimeOut
    durationMinutes: int


class ChoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    option: NonEmptyStr
    value: Bool


class SpatialIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    option: NonEmptyStr
    value: Number


class AnswerIn(BaseModel):
    """Exactly one of the three, matching the pulse's type."""

    model_config = ConfigDict(extra="forbid")
    textAnswer: Str | None = None
    multiChoiceAnswer: list[ChoiceIn] | None = None
    spatialAnswer: list[SpatialIn] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> AnswerIn:
        given = [
            name for name in ("textAnswer", "multiChoiceAnswer", "spatialAnswer") if getattr(self, name) is not None
        ]
        if len(given) != 1:
            raise ValueError("should have exactly one of textAnswer, multiChoiceAnswer, spatialAnswer")
        return self


class ResponseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: EmailStr
    responseTime: DateTimeIn | None = None
    response: AnswerIn


class ResponseOut(BaseModel):
    id: str
    pulseId: str
    runId: str
    learnerId: str
    responseTime: DateTimeOut
    response: dict[str, object]


_ANSWER_KIND = {
    "submit_text": "textAnswer",
    "MCQ": "multiChoiceAnswer",
    "spatial_triangular": "spatialAnswer",
    "spatial_planar": "spatialAnswer",
    "spatial_linear": "spatialAnswer",
}
assert set(_ANSWER_KIND) == set(PULSE_TYPES)


async def _content(session: AsyncSession, content_id: str) -> CourseVersion:
    version = (await session.execute(select(CourseVersion).where(CourseVersion.id == content_id))).scalar_one_or_none()
    if version is None:
        raise ObjectNotFoundError.of("content", content_id)
    return version


async def _page(session: AsyncSession, offering: Offering, page_id: str) -> CoursePage:
    """A page of the offering's course version."""
    page = (
        await session.execute(
            select(CoursePage).where(CoursePage.id == page_id, CoursePage.content_id == offering.content_id)
        )
    ).scalar_one_or_none()
    if page is None:
        raise ObjectNotFoundError.of("page", page_id)
    return page


def _page_out(page: CoursePage) -> PageOut:
    return PageOut(
        id=page.id, contentId=page.content_id, title=page.title, taskCount=page.task_count, position=page.position
    )


@router.post("/content/{contentId}/pages", status_code=201, response_model=PageOut)
async def create_page(principal: PrincipalDep, session: SessionDep, contentId: str, body: PageCreate) -> PageOut:
    """Add a page to a course version (a contentId). Every learner's completion in the offerings of that
    version is recomputed: a new page lowers it."""
    version = await _content(session, contentId)
    position = body.position
    if position is None:
        last = (
            await session.execute(select(func.max(CoursePage.position)).where(CoursePage.content_id == version.id))
        ).scalar_one_or_none()
        position = 0 if last is None else int(last) + 1
    now = principal.now()
    page = CoursePage(
        id=push_id(),
        content_id=version.id,
        title=body.title,
        task_count=body.taskCount,
        position=position,
        created_at=now,
    )
    session.add(page)
    await session.flush()
    for offering in (await session.execute(select(Offering).where(Offering.content_id == version.id))).scalars():
        await recompute(session, offering, now)
    return _page_out(page)


@router.get("/content/{contentId}/pages", response_model=list[PageOut])
async def list_pages(principal: PrincipalDep, session: SessionDep, contentId: str) -> list[PageOut]:
    """The pages of a course version, in order."""
    version = await _content(session, contentId)
    rows = await session.execute(
        select(CoursePage).where(CoursePage.content_id == version.id).order_by(CoursePage.position, CoursePage.id)
    )
    return [_page_out(page) for page in rows.scalars()]


@router.put("/offerings/{offeringId}/users/{userEmail}/pages/{pageId}/progress", response_model=PageProgressOut)
async def record_page_progress(
    principal: PrincipalDep,
    session: SessionDep,
    offeringId: str,
    email: UserEmailPath,
    pageId: str,
    body: PageProgressIn,
) -> PageProgressOut:
    """Set what a learner did on a page (viewed, tasks done); their stored completion is recomputed."""
    offering = await get_offering(session, offeringId)
    user, _ = await get_learner(session, offering, email)
    page = await _page(session, offering, pageId)
    if body.tasksDone > page.task_count:
        raise SchemaValidationError(f"data.tasksDone should be <= {page.task_count} (the page's taskCount)")
    now = principal.now()
    row = (
        await session.execute(
            select(PageProgress).where(
                PageProgress.offering_id == offering.id,
                PageProgress.user_id == user.id,
                PageProgress.page_id == page.id,
            )
        )
    ).scalar_one_or_none()
    if row is None:
        row = PageProgress(id=push_id(), offering_id=offering.id, user_id=user.id, page_id=page.id, updated_at=now)
        session.add(row)
    row.viewed = body.viewed
    row.tasks_done = body.tasksDone
    row.updated_at = now
    await session.flush()
    completion = (await recompute(session, offering, now, [user.id]))[user.id]
    return PageProgressOut(
        offeringId=offering.id,
        email=user.email,
        pageId=page.id,
        viewed=row.viewed,
        tasksDone=row.tasks_done,
        completion=str(completion),
    )


@router.post("/offerings/{offeringId}/users/{userEmail}/logins", status_code=201, response_model=LoginOut)
async def record_login(
    principal: PrincipalDep,
    session: SessionDep,
    offeringId: str,
    email: UserEmailPath,
    body: Annotated[LoginIn | None, Body()] = None,
) -> LoginOut:
    """Record that a member opened the offering (now, or at `at`): sets the membership's lastLoggedInAt and
    the account's first/last access."""
    offering = await get_offering(session, offeringId)
    user, membership = await get_member(session, offering, email)
    at = (body.at if body else None) or principal.now()
    membership.last_logged_in_at = max(membership.last_logged_in_at or at, at)
    user.first_access_at = min(user.first_access_at or at, at)
    user.last_access_at = max(user.last_access_at or at, at)
    await session.flush()
    return LoginOut(
        offeringId=offering.id,
        email=user.email,
        lastLoggedInAt=membership.last_logged_in_at,
        firstAccessAt=user.first_access_at,
        lastAccessAt=user.last_access_at,
    )


@router.post("/offerings/{offeringId}/unit-reactions", status_code=201, response_model=ReactionOut)
async def add_reaction(principal: PrincipalDep, session: SessionDep, offeringId: str, body: ReactionIn) -> ReactionOut:
    """A learner's thumbs-up/thumbs-down on a page; reacting again replaces their reaction."""
    offering = await get_offering(session, offeringId)
    user, _ = await get_learner(session, offering, body.email)
    page = await _page(session, offering, body.pageId)
    row = (
        await session.execute(
            select(UnitReaction).where(
                UnitReaction.offering_id == offering.id,
                UnitReaction.page_id == page.id,
                UnitReaction.user_id == user.id,
            )
        )
    ).scalar_one_or_none()
    if row is None:
        row = UnitReaction(
            id=push_id(),
            offering_id=offering.id,
            page_id=page.id,
            user_id=user.id,
            reaction=body.reaction,
            created_at=principal.now(),
        )
        session.add(row)
    row.reaction = body.reaction
    await session.flush()
    return ReactionOut(id=row.id, offeringId=offering.id, pageId=page.id, email=user.email, reaction=row.reaction)


@router.post("/offerings/{offeringId}/social-notes", status_code=201, response_model=NoteOut)
async def add_social_note(principal: PrincipalDep, session: SessionDep, offeringId: str, body: NoteIn) -> NoteOut:
    """A learner's note on a paragraph of a page; only `shared` notes appear in the analytics."""
    offering = await get_offering(session, offeringId)
    user, _ = await get_learner(session, offering, body.email)
    page = await _page(session, offering, body.pageId)
    note = SocialNote(
        id=push_id(),
        offering_id=offering.id,
        page_id=page.id,
        user_id=user.id,
        paragraph_id=body.paragraphId,
        content=body.content,
        shared=body.shared,
        created_at=body.createdAt or principal.now(),
    )
    session.add(note)
    await session.flush()
    return NoteOut(
        id=note.id,
        offeringId=offering.id,
        pageId=page.id,
        email=user.email,
        paragraphId=note.paragraph_id,
        content=note.content,
        shared=note.shared,
        createdAt=note.created_at,
    )


async def _pulse(session: AsyncSession, offering: Offering, pulse_id: str) -> Pulse:
    pulse = (
        await session.execute(select(Pulse).where(Pulse.id == pulse_id, Pulse.offering_id == offering.id))
    ).scalar_one_or_none()
    if pulse is None:
        raise ObjectNotFoundError.of("pulse", pulse_id)
    return pulse


@router.post("/offerings/{offeringId}/pulses", status_code=201, response_model=PulseOut)
async def create_pulse(principal: PrincipalDep, session: SessionDep, offeringId: str, body: PulseCreate) -> PulseOut:
    """A pulse question (its id is the pulse base id). MCQ and spatial pulses name their options."""
    offering = await get_offering(session, offeringId)
    if body.pulseType != "submit_text" and not body.options:
        raise SchemaValidationError(f"data.options should NOT have fewer than 1 items for a {body.pulseType} pulse")
    pulse = Pulse(
        id=push_id(),
        offering_id=offering.id,
        question=body.question,
        pulse_type=body.pulseType,
        options=list(body.options),
        created_at=principal.now(),
    )
    session.add(pulse)
    await session.flush()
    return PulseOut(
        id=pulse.id,
        offeringId=offering.id,
        question=pulse.question,
        pulseType=pulse.pulse_type,
        options=list(pulse.options),
    )


@router.post("/offerings/{offeringId}/pulses/{pulseId}/runs", status_code=201, response_model=RunOut)
async def create_run(
    principal: PrincipalDep, session: SessionDep, offeringId: str, pulseId: str, body: RunCreate
) -> RunOut:
    """Send the pulse (a run; its id is the pulse instance id), now or at `start`, open `durationMinutes`."""
    offering = await get_offering(session, offeringId)
    pulse = await _pulse(session, offering, pulseId)
    run = PulseRun(
        id=push_id(), pulse_id=pulse.id, start=body.start or principal.now(), duration_minutes=body.durationMinutes
    )
    session.add(run)
    await session.flush()
    return RunOut(id=run.id, pulseId=pulse.id, start=run.start, durationMinutes=run.duration_minutes)


def _check_answer(pulse: Pulse, answer: AnswerIn) -> dict[str, object]:
    kind = _ANSWER_KIND[pulse.pulse_type]
    data = answer.model_dump(exclude_none=True)
    if kind not in data:
        raise SchemaValidationError(
            f"data.response should have required property '{kind}' for a {pulse.pulse_type} pulse"
        )
    if kind != "textAnswer" and pulse.options:
        for item in data[kind]:
            if item["option"] not in pulse.options:
                raise SchemaValidationError(
                    f"data.response.{kind} option '{item['option']}' is not an option of the pulse"
                )
    return data


@router.post(
    "/offerings/{offeringId}/pulses/{pulseId}/runs/{runId}/responses", status_code=201, response_model=ResponseOut
)
async def add_response(
    principal: PrincipalDep, session: SessionDep, offeringId: str, pulseId: str, runId: str, body: ResponseIn
) -> ResponseOut:
    """A learner's answer to a run: `textAnswer` (submit_text), `multiChoiceAnswer` (MCQ) or `spatialAnswer`."""
    offering = await get_offering(session, offeringId)
    pulse = await _pulse(session, offering, pulseId)
    run = (
        await session.execute(select(PulseRun).where(PulseRun.id == runId, PulseRun.pulse_id == pulse.id))
    ).scalar_one_or_none()
    if run is None:
        raise ObjectNotFoundError.of("pulse run", runId)
    user, _ = await get_learner(session, offering, body.email)
    answer = _check_answer(pulse, body.response)
    row = PulseAnswerRow(
        id=push_id(),
        offering_id=offering.id,
        pulse_id=pulse.id,
        run_id=run.id,
        user_id=user.id,
        response_time=body.responseTime or principal.now(),
        answer=answer,
    )
    session.add(row)
    await session.flush()
    return ResponseOut(
        id=row.id, pulseId=pulse.id, runId=run.id, learnerId=user.id, responseTime=row.response_time, response=answer
    )
