"""`GET /offerings/{id}/learners/pending-submission`: learners with work due soon that they have not handed in."""

from __future__ import annotations

import re

from openqualify.server.assessments import dates, schemas, views
from openqualify.server.assessments.repository import AssessmentRepository, read_assessments
from openqualify.server.db.models import User
from openqualify.server.kit.errors import SchemaValidationError
from openqualify.server.kit.reads import ReadContext
from openqualify.server.kit.timefmt import shift
from openqualify.server.memberships.repository import MembershipRepository
from openqualify.server.offerings.lookup import found_in_offering
from openqualify.server.users.schemas import person_with_profile

DEFAULT_DAYS = 3
MAX_DAYS = 36_500
_DIGITS = re.compile(r"[0-9]+")  # ASCII digits only, the whole text (fullmatch)


def parse_days(value: str | None) -> int:
    """`days`: a string holding a non-negative integer; absent means 3."""
    if value is None:
        return DEFAULT_DAYS
    if not _DIGITS.fullmatch(value):
        raise SchemaValidationError("[days] value should be a non-negative integer")
    days = int(value)
    if days > MAX_DAYS:
        raise SchemaValidationError(f"[days] value should be <= {MAX_DAYS}")
    return days


def _user_out(user: User) -> schemas.PendingUserOut:
    return schemas.PendingUserOut(**person_with_profile(user))


async def pending_submission(
    ctx: ReadContext, offering_id: str, days_param: str | None
) -> list[schemas.PendingSubmissionOut]:
    """Visible assessments whose due date (each learner's own) falls within `days` from now, with the current
    learners who have not submitted (assignments, open responses) or attempted (quizzes) them yet."""
    days = parse_days(days_param)
    view = found_in_offering(await read_assessments(ctx, offering_id), offering_id)
    offering = view.offering
    now = ctx.principal.now()
    until = shift(now, days * 86_400.0)
    rows = [(a, view.settings.get(a.id)) for a in view.assessments if not a.hidden]
    if not rows:
        return []
    session = await ctx.session()
    repo = AssessmentRepository(session)
    ids = [a.id for a, _ in rows]
    members = await MembershipRepository(session).learners(offering.id)
    overrides = await repo.due_overrides(offering.id, ids)
    done = await repo.handed_in_pairs(offering.id)

    pending: list[tuple[int, list[User]]] = []
    for index, (assessment, setting) in enumerate(rows):
        users: list[User] = []
        for user, membership in members:
            if (assessment.id, user.id) in done:
                continue
            override = overrides.get((assessment.id, user.id))
            due = dates.learner_due_date(
                assessment, setting, offering, membership, override.due_date if override else None
            )
            if due is not None and now <= due <= until:
                users.append(user)
        if users:
            pending.append((index, users))
    documents = view.documents
    result: list[schemas.PendingSubmissionOut] = []
    for index, users in pending:
        assessment, setting = rows[index]
        fields = views.assessment_fields(assessment, setting, offering, documents.get(assessment.id, ()))
        result.append(
            schemas.PendingSubmissionOut(
                **fields, offeringId=offering.id, offeringName=offering.name, users=[_user_out(u) for u in users]
            )
        )
    return result
