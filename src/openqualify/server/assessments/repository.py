"""Queries on assessments and learners' work (scoped to the bound organisation by `kit.tenancy`)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, delete, func, or_, select, update

from openqualify.server.db.models import (
    Activity,
    ActivityAttempt,
    Assessment,
    AssessmentDocument,
    AssessmentDueOverride,
    AssessmentSetting,
    Mark,
    Offering,
    QuizAttempt,
    Submission,
    User,
)
from openqualify.server.kit.reads import Reads, SideBySide, org_scope, registered
from openqualify.server.kit.repository import Repository

AssessmentRow = tuple[Assessment, AssessmentSetting | None]

HANDED_IN = ("submitted", "marked")
"""The one "handed in" rule: work submitted or marked counts as handed in; a draft does not."""


def handed_in(submission: Any = Submission) -> ColumnElement[bool]:
    """`HANDED_IN` as SQL: plain comparisons rather than `IN`, so that a read-path statement compiles once."""
    return or_(*(submission.status == status for status in HANDED_IN))


# The offering, its content's assessments in course order, the offering's settings of each and the documents
# visible in it, side by side in one statement (one round trip; the offering's check included).
_VIEW = SideBySide(Offering, Assessment, AssessmentSetting, AssessmentDocument)
_ASSESSMENTS_IN_OFFERING = registered(
    select(*_VIEW.columns)
    .select_from(Offering)
    .outerjoin(Assessment, and_(Assessment.content_id == Offering.content_id, org_scope(Assessment)))
    .outerjoin(
        AssessmentSetting,
        and_(
            AssessmentSetting.assessment_id == Assessment.id,
            AssessmentSetting.offering_id == Offering.id,
            org_scope(AssessmentSetting),
        ),
    )
    .outerjoin(
        AssessmentDocument,
        and_(
            AssessmentDocument.assessment_id == Assessment.id,
            or_(AssessmentDocument.offering_id.is_(None), AssessmentDocument.offering_id == Offering.id),
            org_scope(AssessmentDocument),
        ),
    )
    .where(Offering.id == bindparam("offering_id"), org_scope(Offering))
    .order_by(Assessment.position, Assessment.id, AssessmentDocument.created_at, AssessmentDocument.id)
)


@dataclass(frozen=True, slots=True)
class AssessmentsView:
    """What the offering's assessments list needs (rows with the models' attribute names)."""

    offering: Any
    assessments: list[Any]
    settings: dict[str, Any]  # by assessment id
    documents: dict[str, list[Any]]  # visible in the offering, by assessment id, oldest first


async def read_assessments(ctx: Reads, offering_id: str) -> AssessmentsView | None:
    """The offering's assessments (its content's, in course order) with the offering's settings of each and the
    documents visible in it (course-wide ones and the offering's own); None when the organisation has no such
    offering."""
    rows = await ctx.rows(_ASSESSMENTS_IN_OFFERING, offering_id=offering_id)
    if not rows:
        return None
    view = AssessmentsView(_VIEW.split(rows[0])[0], [], {}, {})
    for row in rows:
        _, assessment, setting, document = _VIEW.split(row)
        if assessment is None:
            continue
        if not view.assessments or view.assessments[-1].id != assessment.id:
            view.assessments.append(assessment)
            if setting is not None:
                view.settings[assessment.id] = setting
        if document is not None:
            view.documents.setdefault(assessment.id, []).append(document)
    return view


def _with_settings(offering: Offering) -> Select[Assessment, AssessmentSetting | None]:
    return select(Assessment, AssessmentSetting).outerjoin(
        AssessmentSetting,
        and_(AssessmentSetting.assessment_id == Assessment.id, AssessmentSetting.offering_id == offering.id),
    )


class AssessmentRepository(Repository):
    async def find(self, offering: Offering, assessment_id: str) -> AssessmentRow | None:
        row = (
            await self.session.execute(
                _with_settings(offering).where(
                    Assessment.id == assessment_id, Assessment.content_id == offering.content_id
                )
            )
        ).first()
        return (row[0], row[1]) if row else None

    async def setting_for_change(self, offering_id: str, assessment_id: str) -> AssessmentSetting | None:
        """The offering's settings row of the assessment, locked until the unit of work ends (F1): changes that
        check it (dates in order, a document not removed yet) run one after the other."""
        statement = select(AssessmentSetting).where(
            AssessmentSetting.offering_id == offering_id, AssessmentSetting.assessment_id == assessment_id
        )
        return await self.one_or_none(await self.for_change(statement))

    async def find_document(self, assessment_id: str, document_id: str) -> AssessmentDocument | None:
        """In a unit of work, locked until it ends (F1): of two removals at once, the second finds none."""
        statement = select(AssessmentDocument).where(
            AssessmentDocument.id == document_id, AssessmentDocument.assessment_id == assessment_id
        )
        return await self.one_or_none(await self.for_change(statement))

    async def due_override(self, offering_id: str, assessment_id: str, user_id: str) -> AssessmentDueOverride | None:
        return await self.session.get(AssessmentDueOverride, (offering_id, assessment_id, user_id))

    async def due_overrides(
        self, offering_id: str, assessment_ids: Collection[str]
    ) -> dict[tuple[str, str], AssessmentDueOverride]:
        """Learners' own due dates, keyed by (assessment id, user id)."""
        if not assessment_ids:
            return {}
        overrides = await self.scalars(
            select(AssessmentDueOverride).where(
                AssessmentDueOverride.offering_id == offering_id,
                AssessmentDueOverride.assessment_id.in_(assessment_ids),
            )
        )
        return {(o.assessment_id, o.user_id): o for o in overrides}

    async def find_submission(self, offering_id: str, assessment_id: str, user_id: str) -> Submission | None:
        """In a unit of work, locked until it ends (F1): of two resets at once, the second finds a draft."""
        statement = select(Submission).where(
            Submission.offering_id == offering_id,
            Submission.assessment_id == assessment_id,
            Submission.user_id == user_id,
        )
        return await self.one_or_none(await self.for_change(statement))

    async def open_response_submissions(self, offering: Offering, user_id: str) -> list[Submission]:
        """The user's work on the offering's open-response assessments (drafts included), in course order."""
        return await self.scalars(
            select(Submission)
            .join(Assessment, Assessment.id == Submission.assessment_id)
            .where(
                Submission.offering_id == offering.id,
                Submission.user_id == user_id,
                Assessment.type == "open-response",
                Assessment.content_id == offering.content_id,
            )
            .order_by(Assessment.position, Assessment.id)
        )

    async def handed_in_pairs(self, offering_id: str) -> set[tuple[str, str]]:
        """(assessment id, user id) of the offering's work handed in: submitted or marked work, and attempted
        quizzes."""
        submitted = await self.session.execute(
            select(Submission.assessment_id, Submission.user_id).where(
                Submission.offering_id == offering_id, handed_in()
            )
        )
        attempted = await self.session.execute(
            select(QuizAttempt.assessment_id, QuizAttempt.user_id)
            .where(QuizAttempt.offering_id == offering_id)
            .distinct()
        )
        return {(a, u) for a, u in submitted.all()} | {(a, u) for a, u in attempted.all()}

    async def marks_of(self, submission_ids: Collection[str]) -> dict[str, list[Mark]]:
        """Marks per submission, oldest first."""
        if not submission_ids:
            return {}
        marks = await self.scalars(
            select(Mark).where(Mark.submission_id.in_(submission_ids)).order_by(Mark.created_at, Mark.id)
        )
        found: dict[str, list[Mark]] = {}
        for mark in marks:
            found.setdefault(mark.submission_id, []).append(mark)
        return found

    async def users_by_id(self, ids: Iterable[str | None]) -> dict[str, User]:
        wanted = {i for i in ids if i}
        if not wanted:
            return {}
        return {user.id: user for user in await self.scalars(select(User).where(User.id.in_(wanted)))}

    async def activities_of(self, content_id: str) -> list[Activity]:
        return await self.scalars(
            select(Activity).where(Activity.content_id == content_id).order_by(Activity.position, Activity.id)
        )

    async def last_position(self, model: type[Assessment] | type[Activity], content_id: str) -> int | None:
        """The highest position of the course version's assessments (or activities)."""
        return await self.one_or_none(select(func.max(model.position)).where(model.content_id == content_id))

    async def drop_due_overrides(self, offering_id: str, user_id: str) -> None:
        """The user's own due dates in the offering."""
        await self.execute(
            delete(AssessmentDueOverride).where(
                AssessmentDueOverride.offering_id == offering_id, AssessmentDueOverride.user_id == user_id
            )
        )

    async def move_work(self, user_id: str, from_offering_id: str, to_offering_id: str) -> None:
        """Move the user's submissions (marks follow them), quiz attempts, activity attempts and own due dates
        between two offerings. Work of theirs already in the target on the same assessments (from an earlier
        membership) and their due dates there are deleted first."""
        moving = select(Submission.assessment_id).where(
            Submission.offering_id == from_offering_id, Submission.user_id == user_id
        )
        stale = select(Submission.id).where(
            Submission.offering_id == to_offering_id,
            Submission.user_id == user_id,
            Submission.assessment_id.in_(moving),
        )
        await self.execute(delete(Mark).where(Mark.submission_id.in_(stale)))
        await self.execute(
            delete(Submission).where(
                Submission.offering_id == to_offering_id,
                Submission.user_id == user_id,
                Submission.assessment_id.in_(moving),
            )
        )
        await self.drop_due_overrides(to_offering_id, user_id)
        for model in (Submission, QuizAttempt, ActivityAttempt, AssessmentDueOverride):
            await self.execute(
                update(model)
                .where(model.offering_id == from_offering_id, model.user_id == user_id)
                .values(offering_id=to_offering_id)
                .execution_options(synchronize_session=False)
            )
