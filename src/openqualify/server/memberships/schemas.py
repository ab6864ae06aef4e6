"""Wire shapes of offering members (the contract's `OfferingUser`, `OfferingUserAddResponse`,
`OfferingUserResponse`, `TransferRequest`). A user's offerings use `offerings.schemas.OfferingOut`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from openqualify.server.kit.validation import Bool, EmailStr, Str
from openqualify.server.users.schemas import (
    AccountOut,
    FirstName,
    InviteOut,
    LastName,
    PersonId,
    PersonOut,
    ProfileRequestOut,
    UserMetadataIn,
    UserMetadataOut,
    UserProfileIn,
    UserProfileOut,
)


class OfferingUserIn(BaseModel):
    """One item of `POST /offerings/{offeringId}/users` (validated item by item)."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    firstName: FirstName | None = None
    lastName: LastName | None = None
    personId: PersonId | None = None
    metadata: UserMetadataIn | None = None
    profile: UserProfileIn | None = None
    isFacilitator: Bool = False
    isMarker: Bool = False
    isReadonly: Bool = False
    sendInvite: Bool = True
    sendNotificationEmail: Bool = True


# Shared with the users' shapes; the membership service and bulk add build them by these names.


class OfferingUserAddOut(PersonOut):
    """An added member: the request item with its defaults filled, plus the invitation link when asked."""

    metadata: UserMetadataOut | None = None
    profile: ProfileRequestOut | None = None
    isFacilitator: bool
    isMarker: bool
    isReadonly: bool
    sendInvite: bool
    sendNotificationEmail: bool
    invite: InviteOut | None = None


class ItemErrorOut(BaseModel):
    """A failed item of a bulk add: the flat error body plus the item's e-mail."""

    name: str
    details: str
    email: str | None = None


class OfferingUserOut(PersonOut):
    """The contract's `OfferingUser` as a response (marker lists, group channels' learners)."""

    metadata: UserMetadataOut
    profile: ProfileRequestOut
    isFacilitator: bool
    isMarker: bool
    isReadonly: bool


class OfferingUserResponseOut(AccountOut):
    """A member as `GET /offerings/{offeringId}/users` lists it."""

    profile: UserProfileOut
    isFacilitator: bool
    isMarker: bool
    isReadonly: bool
    marks: list[str]
    markedBy: list[str]
    evaluates: list[str] = Field(default_factory=list)
    evaluatedBy: list[str] = Field(default_factory=list)


class TransferRequest(BaseModel):
    fromOfferingId: Str
    toOfferingId: Str
    sendInvite: Bool = False


__all__ = [
    "ItemErrorOut",
    "OfferingUserAddOut",
    "OfferingUserIn",
    "OfferingUserOut",
    "OfferingUserResponseOut",
    "TransferRequest",
]
