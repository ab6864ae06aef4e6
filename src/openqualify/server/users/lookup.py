"""Finding an organisation user or answering 404 `The user X was not found.`: shared by every resource."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import User
from openqualify.server.kit.errors import ObjectNotFoundError
from openqualify.server.users.repository import UserRepository


async def get_user(session: AsyncSession, email: str) -> User:
    """The account as an entity, locked for change in a unit of work (`UserRepository.find_by_email`), or 404."""
    user = await UserRepository(session).find_by_email(email)
    if user is None:
        raise ObjectNotFoundError.of("user", email)
    return user
