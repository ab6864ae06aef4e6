"""Wire shapes of organisation users (the contract's `User`, `UserResponse`, `SuspendedRequest`)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from openqualify.server.db.models import User
from openqualify.server.kit.timefmt import DateTimeOut
from openqualify.server.kit.validation import Bool, EmailStr, Tags, fits

FirstName = Annotated[str, fits(User.first_name, min_length=1)]
LastName = Annotated[str, fits(User.last_name, min_length=1)]
PersonId = Annotated[str, fits(User.person_id, min_length=1)]
DisplayName = Annotated[str, fits(User.display_name)]


class UserMetadataIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tags: Tags | None = None


class UserProfileIn(BaseModel):
    displayName: DisplayName | None = None


class UserPatch(BaseModel):
    """`User` as PATCH takes it: every field optional, no others allowed."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr | None = None
    firstName: FirstName | None = None
    lastName: LastName | None = None
    personId: PersonId | None = None
    metadata: UserMetadataIn | None = None
    profile: UserProfileIn | None = None
    sendInvite: Bool = True


class UserCreate(UserPatch):
    """`User` as POST takes it: an account needs its e-mail."""

    email: EmailStr


class SuspendedRequest(BaseModel):
    suspended: Bool | None = None


# The pieces of a user that other resources' responses show too (members, channel learners, pending users).


class PersonOut(BaseModel):
    """The first fields of the contract's `User` as responses show it."""

    email: str
    firstName: str | None = None
    lastName: str | None = None
    personId: str | None = None


def full_name(first_name: str | None, last_name: str | None) -> str | None:
    """The one full name: the given names that are not empty, space-separated; None when neither is."""
    return " ".join(part for part in (first_name, last_name) if part) or None


def person(user: Any) -> dict[str, Any]:
    """The one User → person mapping: `PersonOut`'s fields from a `User` or a row of its columns. Names and
    `personId` have minLength 1 in every response schema of the contract, so an empty one is left out."""
    return {
        "email": user.email,
        "firstName": user.first_name or None,
        "lastName": user.last_name or None,
        "personId": user.person_id or None,
    }


def person_with_profile(user: Any) -> dict[str, Any]:
    """`person`, with the contract's `User` request shape's `metadata` and `profile` (as responses echo it)."""
    return {
        **person(user),
        "metadata": {"tags": list(user.tags or [])},
        "profile": {"displayName": user.display_name},
    }


class AccountOut(BaseModel):
    """The first fields of a stored user (`UserResponse`, `OfferingUserResponse`): its id, then a `PersonOut`."""

    id: str
    email: str
    firstName: str | None = None
    lastName: str | None = None
    personId: str | None = None
    avatarUrl: str | None = None


class UserMetadataOut(BaseModel):
    tags: list[str] = Field(default_factory=list)


class ProfileRequestOut(BaseModel):  # a profile as the contract's `User` (request schema) has it
    displayName: str | None = None


class UserProfileOut(BaseModel):
    displayName: str | None = None
    mobile: str | None = None


class InviteOut(BaseModel):
    url: str | None = None


class UserOut(AccountOut):
    metadata: UserMetadataOut
    profile: UserProfileOut
    firstAccessAt: DateTimeOut | None = None
    lastAccessAt: DateTimeOut | None = None
    invite: InviteOut | None = None
