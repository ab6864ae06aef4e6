"""How this area follows membership changes (called by the memberships service)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.assessments.repository import AssessmentRepository


async def on_member_removed(session: AsyncSession, offering_id: str, user_id: str) -> None:
    """A member left the offering: their work and marks stay (DOMAIN #13); only their own due dates go."""
    await AssessmentRepository(session).drop_due_overrides(offering_id, user_id)


async def on_learner_transferred(
    session: AsyncSession, user_id: str, from_offering_id: str, to_offering_id: str
) -> None:
    """A learner moved between two offerings of the same content: their submissions (marks follow them), quiz
    attempts, activity attempts and own due dates move along. Older work they left in the target offering
    (from an earlier membership) gives way to the work they bring."""
    await AssessmentRepository(session).move_work(user_id, from_offering_id, to_offering_id)
