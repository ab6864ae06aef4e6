"""Assessment management: an offering's assessments, its own settings, learners' due dates and submissions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.assessments import dates, repository, schemas, views
from openqualify.server.assessments.lookup import get_assessment, get_assessment_for_change
from openqualify.server.assessments.repository import HANDED_IN, AssessmentRepository
from openqualify.server.db.models import Assessment, AssessmentDueOverride, AssessmentSetting
from openqualify.server.event_hub import emitters as hub
from openqualify.server.kit.auth import Principal
from openqualify.server.kit.errors import (
    AssessmentNotSubmittedError,
    InvalidParameterError,
    ObjectInvalidPropertyError,
    ObjectNotFoundError,
    OfferingIncompatibleDatesError,
    ValidationError,
)
from openqualify.server.kit.reads import ReadContext
from openqualify.server.kit.timefmt import format_datetime
from openqualify.server.memberships.lookup import get_member
from openqualify.server.offerings.lookup import found_in_offering, get_offering
from openqualify.server.users.lookup import get_user

RELATIVE_DATES_DETAILS = "The specified offering has relative dates enabled. Absolute task dates can not be set."


def invalid_property(thing: str, prop: str, expected: str) -> ObjectInvalidPropertyError:
    """The contract's `The A property B is invalid. Expected value: C`."""
    return ObjectInvalidPropertyError(f"The {thing} property {prop} is invalid. Expected value: {expected}")


def before_open(due: datetime) -> str:
    return f'The specified parameter dueDate has an invalid value "{format_datetime(due)} is before the openDate".'


async def list_assessments(ctx: ReadContext, offering_id: str) -> list[schemas.AssessmentOut]:
    view = found_in_offering(await repository.read_assessments(ctx, offering_id), offering_id)
    return [
        views.assessment_out(a, view.settings.get(a.id), view.offering, view.documents.get(a.id, ()))
        for a in view.assessments
    ]


def _setting(
    session: AsyncSession, offering_id: str, assessment: Assessment, setting: AssessmentSetting | None, now: datetime
) -> AssessmentSetting:
    """The offering's settings row for the assessment, created on first change."""
    if setting is None:
        setting = AssessmentSetting(
            offering_id=offering_id, assessment_id=assessment.id, removed_document_ids=[], updated_at=now
        )
        AssessmentRepository(session).add(setting)
    setting.updated_at = now
    return setting


async def update_assessment(
    session: AsyncSession, principal: Principal, offering_id: str, assessment_id: str, body: schemas.AssessmentPatch
) -> schemas.AssessmentOut:
    offering = await get_offering(session, offering_id)
    assessment, setting = await get_assessment_for_change(session, offering, assessment_id)
    fields = body.model_fields_set
    sets_dates = body.openDate is not None or body.dueDate is not None
    if sets_dates and offering.use_relative_dates:
        raise OfferingIncompatibleDatesError(RELATIVE_DATES_DETAILS)
    if sets_dates:
        new_open = body.openDate or dates.open_date(assessment, setting, offering)
        new_due = body.dueDate or dates.due_date(assessment, setting, offering)
        if new_open is not None and new_due is not None and new_due < new_open:
            raise ValidationError(before_open(new_due))
    if fields & {"content", "openDate", "dueDate", "markNumber", "markType"}:
        setting = _setting(session, offering.id, assessment, setting, principal.now())
        if body.content is not None:
            setting.content = body.content
        if body.openDate is not None:
            setting.open_date = body.openDate
        if body.dueDate is not None:
            setting.due_date = body.dueDate
        if body.markNumber is not None:
            setting.mark_number = body.markNumber
        if body.markType is not None:
            setting.mark_type = body.markType
        await session.flush()
    view = await repository.read_assessments(AssessmentRepository(session), offering.id)
    assert view is not None  # the offering was found above
    return views.assessment_out(assessment, setting, offering, view.documents.get(assessment.id, ()))


async def set_learner_due_date(
    session: AsyncSession,
    principal: Principal,
    offering_id: str,
    assessment_id: str,
    email: str,
    body: schemas.LearnerDueDate,
) -> None:
    """A learner's own due date for a quiz (also on offerings with relative dates: it is an override)."""
    offering = await get_offering(session, offering_id)
    assessment, setting = await get_assessment(session, offering, assessment_id)
    user, membership = await get_member(session, offering, email)
    if assessment.type != "quiz":
        raise invalid_property("assessment", "type", "quiz")
    if not membership.is_learner:
        raise invalid_property("user", "role", "learner")
    if body.dueDate is None:
        raise InvalidParameterError("The specified parameter dueDate is missing.")
    opens = dates.learner_open_date(assessment, setting, offering, membership)
    if opens is not None and body.dueDate < opens:
        raise InvalidParameterError(before_open(body.dueDate))
    now = principal.now()
    repo = AssessmentRepository(session)
    override = await repo.due_override(offering.id, assessment.id, user.id)
    if override is None:
        repo.add(
            AssessmentDueOverride(
                offering_id=offering.id,
                assessment_id=assessment.id,
                user_id=user.id,
                due_date=body.dueDate,
                updated_at=now,
            )
        )
    else:
        override.due_date = body.dueDate
        override.updated_at = now
    await session.flush()


async def delete_document(
    session: AsyncSession, principal: Principal, offering_id: str, assessment_id: str, document_id: str
) -> None:
    """Remove a document from the offering's assessment; a course-wide document stays in other offerings."""
    offering = await get_offering(session, offering_id)
    assessment, setting = await get_assessment_for_change(session, offering, assessment_id)
    repo = AssessmentRepository(session)
    document = await repo.find_document(assessment.id, document_id)
    removed = set(setting.removed_document_ids or ()) if setting is not None else set()
    if document is None or document.offering_id not in (None, offering.id) or document.id in removed:
        raise ObjectNotFoundError.of("document", document_id)
    if document.offering_id == offering.id:
        await repo.delete(document)
    else:
        setting = _setting(session, offering.id, assessment, setting, principal.now())
        setting.removed_document_ids = [*(setting.removed_document_ids or ()), document.id]
    await session.flush()


async def reset_to_draft(
    session: AsyncSession, principal: Principal, offering_id: str, email: str, assessment_id: str
) -> None:
    """Send a learner's submitted (or marked) work back to draft, so they can change and resubmit it."""
    offering = await get_offering(session, offering_id)
    user = await get_user(session, email)
    assessment, _ = await get_assessment(session, offering, assessment_id)
    if assessment.type == "quiz":
        raise invalid_property("assessment", "type", "assignment or open-response")
    submission = await AssessmentRepository(session).find_submission(offering.id, assessment.id, user.id)
    if submission is None or submission.status not in HANDED_IN:
        raise AssessmentNotSubmittedError(f"The user {user.email} has not submitted assessment {assessment.id}.")
    submission.status = "draft"
    submission.submitted_at = None
    submission.updated_at = principal.now()
    await hub.assessment_reset(session, offering, assessment, user, submission)
    await session.flush()


async def open_response_submissions(session: AsyncSession, offering_id: str, email: str) -> list[schemas.AssignmentOut]:
    """The learner's work on the offering's open-response assessments (drafts included), in course order."""
    offering = await get_offering(session, offering_id)
    user = await get_user(session, email)
    repo = AssessmentRepository(session)
    submissions = await repo.open_response_submissions(offering, user.id)
    marks = await repo.marks_of([s.id for s in submissions])
    users = await repo.users_by_id(views.mark_user_ids(m for ms in marks.values() for m in ms))
    return [views.assignment_out(s, marks.get(s.id, ()), users) for s in submissions]


async def list_activities(session: AsyncSession, offering_id: str) -> list[schemas.ActivityOut]:
    offering = await get_offering(session, offering_id)
    return [
        schemas.ActivityOut(activityId=a.id, title=a.title, time=a.time_minutes)
        for a in await AssessmentRepository(session).activities_of(offering.content_id)
    ]
