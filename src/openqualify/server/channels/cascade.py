"""How this area follows membership changes (called by the memberships service)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


async def on_member_removed(session: AsyncSession, offering_id: str, user_id: str) -> None:
    """A member left the offering: drop what only a member may hold (kept data stays)."""


async def on_learner_transferred(
    session: AsyncSession, user_id: str, from_offering_id: str, to_offering_id: str
) -> None:
    """A learner moved between two offerings of the same content: move their learning data."""
