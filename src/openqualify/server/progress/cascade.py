"""How learner activity follows membership changes (called by the memberships service).

- A member leaves: everything is kept (progress, notes, reactions, pulse answers, badge award). Lists built on
  membership (learners-progress, /users/.../progress) stop showing the offering; the badge stays awarded; if
  the person comes back, their progress is there again.
- A learner is transferred (same course version on both sides): what describes the learner's own journey
  moves with them: page progress, stored completion and the badge award (when the target offering has a
  badge). What they contributed to the source class stays there as its history: shared social notes, unit
  reactions and pulse answers.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.badges.repository import BadgeRepository
from openqualify.server.progress.repository import ProgressRepository


async def on_member_removed(session: AsyncSession, offering_id: str, user_id: str) -> None:
    """A member left the offering: their learning data is kept (see the module docstring)."""


async def on_learner_transferred(
    session: AsyncSession, user_id: str, from_offering_id: str, to_offering_id: str
) -> None:
    """Move the learner's page progress, stored completion and badge award to the target offering."""
    # Leftovers of an earlier membership in the target give way to the progress being moved.
    await ProgressRepository(session).move_progress(user_id, from_offering_id, to_offering_id)
    await BadgeRepository(session).move_award(user_id, from_offering_id, to_offering_id)
