"""Wire shapes of assessment groups (`AssessmentGroupRequired`, `AssessmentGroupResponse`)."""

from __future__ import annotations

from pydantic import BaseModel

from openqualify.server.kit.timefmt import DateTimeOut
from openqualify.server.kit.validation import NonEmptyStr, Str


class GroupCreate(BaseModel):
    title: NonEmptyStr


class GroupOut(BaseModel):
    id: str
    title: str
    createdAt: DateTimeOut


class GroupLearnerIn(BaseModel):
    """`{email}`; a missing or malformed e-mail is the service's ApiValidationError, as the contract lists."""

    email: Str | None = None
