"""Organisation users: accounts, invitations, suspension and organisation permissions."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import EmailOutbox, User
from openqualify.server.event_hub import emitters as hub
from openqualify.server.kit.auth import Principal
from openqualify.server.kit.errors import (
    InvalidParameterError,
    MissingInfoError,
    ObjectAlreadyIsError,
    ObjectExistsError,
    ObjectNotFoundError,
    UserSuspendedError,
)
from openqualify.server.kit.ids import push_id
from openqualify.server.kit.reads import AnyRow, ReadContext
from openqualify.server.users import repository, schemas
from openqualify.server.users.lookup import get_user
from openqualify.server.users.repository import Account, UserRepository, email_key

INVITE_BASE_URL = "https://app.iqualify.com/invite/"
PERMISSIONS = ("builder", "manager")


@dataclass(frozen=True, slots=True)
class NewUser:
    """What it takes to open an account (from `POST /users` or from adding someone to an offering)."""

    email: str
    first_name: str | None = None
    last_name: str | None = None
    person_id: str | None = None
    display_name: str | None = None
    tags: tuple[str, ...] = ()


def invite_url(user: User | Account | AnyRow) -> str:
    return f"{INVITE_BASE_URL}{user.invite_code}"


def to_out(user: User | AnyRow, *, with_invite: bool = False) -> schemas.UserOut:
    return schemas.UserOut(
        id=user.id,
        **schemas.person(user),
        avatarUrl=user.avatar_url,
        metadata=schemas.UserMetadataOut(tags=list(user.tags or [])),
        profile=schemas.UserProfileOut(displayName=user.display_name, mobile=user.mobile),
        firstAccessAt=user.first_access_at,
        lastAccessAt=user.last_access_at,
        invite=schemas.InviteOut(url=invite_url(user)) if with_invite else None,
    )


def suspended_error(user: User | Account) -> UserSuspendedError:
    return UserSuspendedError(f"The user ({user.email}) has been suspended.")


def new_user_values(data: NewUser, now: datetime, *, invites_sent: int = 0) -> dict[str, Any]:
    """The columns of a new account (without `org_id`, which the session or the caller adds)."""
    return {
        "id": push_id(),
        "email": data.email.strip(),
        "email_key": email_key(data.email),
        "first_name": data.first_name,
        "last_name": data.last_name,
        "person_id": data.person_id,
        "display_name": data.display_name,
        "mobile": None,
        "avatar_url": None,
        "tags": list(data.tags),
        "invite_code": secrets.token_urlsafe(16),
        "invite_sent_count": invites_sent,
        "suspended": False,
        "is_builder": False,
        "is_manager": False,
        "first_access_at": None,
        "last_access_at": None,
        "created_at": now,
    }


def new_user_row(data: NewUser, now: datetime) -> User:
    return User(**new_user_values(data, now))


def send_email(
    repo: UserRepository, user: User, kind: str, subject: str, now: datetime, offering_id: str | None = None
) -> None:
    """Record an e-mail the real service would send; the sandbox lists them."""
    repo.record_email(
        EmailOutbox(
            id=push_id(), user_id=user.id, kind=kind, subject=subject, offering_id=offering_id, created_at=now
        )
    )
    if kind == "invite":
        user.invite_sent_count += 1


async def read_user_out(ctx: ReadContext, email: str) -> schemas.UserOut:
    """`GET /users/{userEmail}` on the read path."""
    row = await repository.read_user(ctx, email)
    if row is None:
        raise ObjectNotFoundError.of("user", email)
    return to_out(row)


async def create_user(
    session: AsyncSession, principal: Principal, body: schemas.UserCreate
) -> schemas.UserOut:
    repo = UserRepository(session)
    existing = await repo.find_by_email(body.email)
    if existing is not None:
        if existing.suspended:
            raise suspended_error(existing)
        raise ObjectExistsError(f"The user {existing.email} already exists.")
    now = principal.now()
    user = new_user_row(
        NewUser(
            email=body.email,
            first_name=body.firstName,
            last_name=body.lastName,
            person_id=body.personId,
            display_name=body.profile.displayName if body.profile else None,
            tags=tuple(body.metadata.tags or ()) if body.metadata else (),
        ),
        now,
    )
    repo.add(user)
    await session.flush()  # the user row first: the outbox row refers to it
    if body.sendInvite:
        send_email(repo, user, "invite", "You have been invited to iQualify", now)
    await hub.user_created(session, user)
    await session.flush()
    return to_out(user, with_invite=not body.sendInvite)


async def update_user(
    session: AsyncSession, principal: Principal, email: str, body: schemas.UserPatch | None
) -> schemas.UserOut:
    user = await get_user(session, email)
    if body is None:
        return to_out(user)
    fields = body.model_fields_set
    if body.email is not None and email_key(body.email) != user.email_key:
        taken = await UserRepository(session).find_by_email(body.email)
        if taken is not None:
            raise ObjectExistsError(f"The user {taken.email} already exists.")
        user.email = body.email.strip()
        user.email_key = email_key(body.email)
    elif body.email is not None:
        user.email = body.email.strip()
    if "firstName" in fields and body.firstName is not None:
        user.first_name = body.firstName
    if "lastName" in fields and body.lastName is not None:
        user.last_name = body.lastName
    if "personId" in fields and body.personId is not None:
        user.person_id = body.personId
    if body.metadata is not None and body.metadata.tags is not None:
        user.tags = list(body.metadata.tags)
    if body.profile is not None and "displayName" in body.profile.model_fields_set:
        user.display_name = body.profile.displayName
    await hub.user_updated(session, user)
    await session.flush()
    return to_out(user)


async def set_suspended(
    session: AsyncSession, principal: Principal, email: str, body: schemas.SuspendedRequest
) -> None:
    if body.suspended is None:
        raise InvalidParameterError("The specified parameter suspended is missing.")
    user = await get_user(session, email)
    if user.suspended == body.suspended:
        state = "suspended" if user.suspended else "active"
        raise ObjectExistsError(f"The user {user.email} is already {state}.")
    user.suspended = body.suspended
    await hub.user_suspended(session, user)


async def resend_invite(session: AsyncSession, principal: Principal, email: str) -> None:
    user = await get_user(session, email)
    send_email(UserRepository(session), user, "invite", "Your invitation to iQualify", principal.now())


async def grant_permission(
    session: AsyncSession, principal: Principal, email: str, permission: str
) -> schemas.UserOut:
    user = await get_user(session, email)
    for field, value in (("firstName", user.first_name), ("lastName", user.last_name)):
        if not value:
            raise MissingInfoError(f"The field '{field}' is missing or invalid.")
    attribute = "is_builder" if permission == "builder" else "is_manager"
    if getattr(user, attribute):
        raise ObjectAlreadyIsError(f"The user {user.email} is already a {permission}.")
    setattr(user, attribute, True)
    await hub.permission_added(session, user, permission)
    await session.flush()
    return to_out(user)
