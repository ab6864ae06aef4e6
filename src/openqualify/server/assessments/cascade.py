"""How this area follows membership changes (called by the memberships service)."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import ActivityAttempt, AssessmentDueOverride, Mark, QuizAttempt, Submission


async def on_member_removed(session: AsyncSession, offering_id: str, user_id: str) -> None:
    """A member left the offering: their work and marks stay (DOMAIN #13); only their own due dates go."""
    await session.execute(
        delete(AssessmentDueOverride).where(
            AssessmentDueOverride.offering_id == offering_id, AssessmentDueOverride.user_id == user_id
        )
    )


async def on_learner_transferred(
    session: AsyncSession, user_id: str, from_offering_id: str, to_offering_id: str
) -> None:
    """A learner moved between two offerings of the same content: their submissions (marks follow them), quiz
    attempts, activity attempts and own due dates move along. Older work they left in the target offering
    (from an earlier membership) gives way to the work they bring."""
    moving = select(Submission.assessment_id).where(
        Submission.offering_id == from_offering_id, Submission.user_id == user_id
    )
    stale = select(Submission.id).where(
        Submission.offering_id == to_offering_id,
        Submission.user_id == user_id,
        Submission.assessment_id.in_(moving),
    )
    await session.execute(delete(Mark).where(Mark.submission_id.in_(stale)))
    await session.execute(
        delete(Submission).where(
            Submission.offering_id == to_offering_id,
            Submission.user_id == user_id,
            Submission.assessment_id.in_(moving),
        )
    )
    await session.execute(
        delete(AssessmentDueOverride).where(
            AssessmentDueOverride.offering_id == to_offering_id, AssessmentDueOverride.user_id == user_id
        )
    )
    for model in (Submission, QuizAttempt, ActivityAttempt, AssessmentDueOverride):
        await session.execute(
            update(model)
            .where(model.offering_id == from_offering_id, model.user_id == user_id)
            .values(offering_id=to_offering_id)
            .execution_options(synchronize_session=False)
        )
