"""Writing learning activity: course pages, page progress (completion recomputed), logins, unit reactions, social
notes, pulses with their runs and responses."""

from __future__ import annotations

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
from openqualify.server.event_hub import emitters as hub
from openqualify.server.kit.auth import Principal
from openqualify.server.kit.errors import ObjectNotFoundError, SchemaValidationError
from openqualify.server.kit.ids import push_id
from openqualify.server.memberships.lookup import get_learner, get_member
from openqualify.server.offerings.lookup import get_offering
from openqualify.server.offerings.repository import OfferingRepository
from openqualify.server.progress.completion import recompute
from openqualify.server.progress.repository import ProgressRepository
from openqualify.server.pulses.repository import PulseRepository
from openqualify.server.pulses.schemas import PULSE_TYPES
from openqualify.server.sandbox.learning.schemas import (
    AnswerIn,
    LoginIn,
    LoginOut,
    NoteIn,
    NoteOut,
    PageCreate,
    PageOut,
    PageProgressIn,
    PageProgressOut,
    PulseCreate,
    PulseOut,
    ReactionIn,
    ReactionOut,
    ResponseIn,
    ResponseOut,
    RunCreate,
    RunOut,
)

_ANSWER_KIND = {
    "submit_text": "textAnswer",
    "MCQ": "multiChoiceAnswer",
    "spatial_triangular": "spatialAnswer",
    "spatial_planar": "spatialAnswer",
    "spatial_linear": "spatialAnswer",
}
assert set(_ANSWER_KIND) == set(PULSE_TYPES)


async def _content(session: AsyncSession, content_id: str) -> CourseVersion:
    version = await OfferingRepository(session).version(content_id)
    if version is None:
        raise ObjectNotFoundError.of("content", content_id)
    return version


async def _page(session: AsyncSession, offering: Offering, page_id: str) -> CoursePage:
    """A page of the offering's course version."""
    page = await ProgressRepository(session).page(offering.content_id, page_id)
    if page is None:
        raise ObjectNotFoundError.of("page", page_id)
    return page


def _page_out(page: CoursePage) -> PageOut:
    return PageOut(
        id=page.id, contentId=page.content_id, title=page.title, taskCount=page.task_count, position=page.position
    )


async def create_page(session: AsyncSession, principal: Principal, content_id: str, body: PageCreate) -> PageOut:
    version = await _content(session, content_id)
    repo = ProgressRepository(session)
    position = body.position
    if position is None:
        last = await repo.last_page_position(version.id)
        position = 0 if last is None else int(last) + 1
    now = principal.now()
    page = await repo.store(
        CoursePage(
            id=push_id(),
            content_id=version.id,
            title=body.title,
            task_count=body.taskCount,
            position=position,
            created_at=now,
        )
    )
    for offering in await OfferingRepository(session).of_content(version.id):
        await recompute(session, offering, now)
    return _page_out(page)


async def list_pages(session: AsyncSession, content_id: str) -> list[PageOut]:
    version = await _content(session, content_id)
    return [_page_out(page) for page in await ProgressRepository(session).pages(version.id)]


async def record_page_progress(
    session: AsyncSession, principal: Principal, offering_id: str, email: str, page_id: str, body: PageProgressIn
) -> PageProgressOut:
    offering = await get_offering(session, offering_id)
    user, _ = await get_learner(session, offering, email)
    page = await _page(session, offering, page_id)
    if body.tasksDone > page.task_count:
        raise SchemaValidationError(f"data.tasksDone should be <= {page.task_count} (the page's taskCount)")
    now = principal.now()
    repo = ProgressRepository(session)
    row = await repo.page_progress(offering.id, user.id, page.id)
    if row is None:
        row = PageProgress(id=push_id(), offering_id=offering.id, user_id=user.id, page_id=page.id, updated_at=now)
        repo.add(row)
    row.viewed = body.viewed
    row.tasks_done = body.tasksDone
    row.updated_at = now
    await repo.flush()
    if body.viewed:
        await hub.page_viewed(session, offering, user, page, row.tasks_done)
    completion = (await recompute(session, offering, now, [user.id]))[user.id]
    return PageProgressOut(
        offeringId=offering.id,
        email=user.email,
        pageId=page.id,
        viewed=row.viewed,
        tasksDone=row.tasks_done,
        completion=str(completion),
    )


async def record_login(
    session: AsyncSession, principal: Principal, offering_id: str, email: str, body: LoginIn | None
) -> LoginOut:
    offering = await get_offering(session, offering_id)
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


async def add_reaction(session: AsyncSession, principal: Principal, offering_id: str, body: ReactionIn) -> ReactionOut:
    offering = await get_offering(session, offering_id)
    user, _ = await get_learner(session, offering, body.email)
    page = await _page(session, offering, body.pageId)
    repo = ProgressRepository(session)
    row = await repo.reaction(offering.id, page.id, user.id)
    if row is None:
        row = UnitReaction(
            id=push_id(),
            offering_id=offering.id,
            page_id=page.id,
            user_id=user.id,
            reaction=body.reaction,
            created_at=principal.now(),
        )
        repo.add(row)
    row.reaction = body.reaction
    await repo.flush()
    await hub.unit_reacted(session, offering, user, page, row.reaction)
    return ReactionOut(id=row.id, offeringId=offering.id, pageId=page.id, email=user.email, reaction=row.reaction)


async def add_social_note(session: AsyncSession, principal: Principal, offering_id: str, body: NoteIn) -> NoteOut:
    offering = await get_offering(session, offering_id)
    user, _ = await get_learner(session, offering, body.email)
    page = await _page(session, offering, body.pageId)
    note = await ProgressRepository(session).store(
        SocialNote(
            id=push_id(),
            offering_id=offering.id,
            page_id=page.id,
            user_id=user.id,
            paragraph_id=body.paragraphId,
            content=body.content,
            shared=body.shared,
            created_at=body.createdAt or principal.now(),
        )
    )
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
    pulse = await PulseRepository(session).find(offering.id, pulse_id)
    if pulse is None:
        raise ObjectNotFoundError.of("pulse", pulse_id)
    return pulse


async def create_pulse(session: AsyncSession, principal: Principal, offering_id: str, body: PulseCreate) -> PulseOut:
    offering = await get_offering(session, offering_id)
    if body.pulseType != "submit_text" and not body.options:
        raise SchemaValidationError(f"data.options should NOT have fewer than 1 items for a {body.pulseType} pulse")
    pulse = await PulseRepository(session).store(
        Pulse(
            id=push_id(),
            offering_id=offering.id,
            question=body.question,
            pulse_type=body.pulseType,
            options=list(body.options),
            created_at=principal.now(),
        )
    )
    return PulseOut(
        id=pulse.id,
        offeringId=offering.id,
        question=pulse.question,
        pulseType=pulse.pulse_type,
        options=list(pulse.options),
    )


async def create_run(
    session: AsyncSession, principal: Principal, offering_id: str, pulse_id: str, body: RunCreate
) -> RunOut:
    offering = await get_offering(session, offering_id)
    pulse = await _pulse(session, offering, pulse_id)
    run = await PulseRepository(session).store(
        PulseRun(
            id=push_id(), pulse_id=pulse.id, start=body.start or principal.now(), duration_minutes=body.durationMinutes
        )
    )
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


async def add_response(
    session: AsyncSession, principal: Principal, offering_id: str, pulse_id: str, run_id: str, body: ResponseIn
) -> ResponseOut:
    offering = await get_offering(session, offering_id)
    pulse = await _pulse(session, offering, pulse_id)
    repo = PulseRepository(session)
    run = await repo.find_run(pulse.id, run_id)
    if run is None:
        raise ObjectNotFoundError.of("pulse run", run_id)
    user, _ = await get_learner(session, offering, body.email)
    answer = _check_answer(pulse, body.response)
    row: PulseAnswerRow = await repo.store(
        PulseAnswerRow(
            id=push_id(),
            offering_id=offering.id,
            pulse_id=pulse.id,
            run_id=run.id,
            user_id=user.id,
            response_time=body.responseTime or principal.now(),
            answer=answer,
        )
    )
    await hub.pulse_responded(session, offering, pulse, user, row)
    return ResponseOut(
        id=row.id, pulseId=pulse.id, runId=run.id, learnerId=user.id, responseTime=row.response_time, response=answer
    )


