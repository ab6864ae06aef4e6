"""Wire shapes of offering members (the contract's `OfferingUser`, `OfferingUserAddResponse`,
`OfferingUserResponse`, `TransferRequest`). A user's offerings use `offerings.schemas.OfferingOut`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from openqualify.server.kit.validation import Bool, EmailStr, Str
from openqualify.server.users.schemas import (
    FirstName,
    InviteOut,
    LastName,
    PersonId,
    UserMetadataIn,
    UserProfileIn,
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


class MetadataOut(BaseModel):
    tags: list[str] = Field(default_factory=list)


class ProfileRequestOut(BaseModel):
    displayName: str | None = None


class OfferingUserAddOut(BaseModel):
    """An added member: the request item with its defaults filled, plus the invitation link when asked."""

    email: str
    firstName: str | None = None
    lastName: str | None = None
    personId: str | None = None
    metadata: MetadataOut | None = None
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


class OfferingUserOut(BaseModel):
    """The contract's `OfferingUser` as a response (marker lists)."""

    email: str
    firstName: str | None = None
    lastName: str | None = None
    personId: str | None = None
    metadata: MetadataOut
    profile: ProfileRequestOut
    isFacilitator: bool
    isMarker: bool
    isReadonly: bool


class ProfileOut(BaseModel):
    displayName: str | None = None
    mobile: str | None = None


class OfferingUserResponseOut(BaseModel):
    """A member as `GET /offerings/{offeringId}/users` lists it."""

    id: str
    email: str
    firstName: str | None = None
    lastName: str | None = None
    personId: str | None = None
    avatarUrl: str | None = None
    profile: ProfileOut
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
