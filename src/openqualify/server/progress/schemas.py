"""Wire shapes of learner activity: progress, social notes and unit reactions."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from openqualify.server.kit.timefmt import DateTimeOut


class LearnerProgressOut(BaseModel):
    """`LearnerProgressResponse`: one learner of one offering."""

    courseId: str
    email: str
    firstName: str | None = None
    lastName: str | None = None
    personId: str | None = None
    completion: str
    lastLoggedInAt: DateTimeOut | None = None



class OfferingProgressRow(BaseModel):
    id: str
    completion: str


class LearnerOut(BaseModel):
    """`LearnerResponse`: one learner across the offerings they learn in."""

    id: str
    email: str
    firstName: str | None = None
    lastName: str | None = None
    personId: str | None = None
    offerings: list[OfferingProgressRow] = Field(default_factory=list)


class OfferingProgressOut(BaseModel):
    """One learner's completion in one offering."""

    id: str
    email: str
    firstName: str | None = None
    lastName: str | None = None
    completion: str


class OfferingName(BaseModel):
    name: str


class AllProgressData(BaseModel):
    progress: list[LearnerOut]
    offerings: dict[str, OfferingName] = Field(default_factory=dict)


class AllProgressOut(BaseModel):
    """`GET /users/all/progress`: a page of learners, the offerings they appear in, the applied `$top`."""

    data: AllProgressData
    top: int


class SocialNoteOut(BaseModel):
    """`SocialNotesResponse`; two of its keys are hyphenated on the wire."""

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True, serialize_by_alias=True)

    userId: str
    personId: str | None = None
    email: str
    firstName: str | None = None
    lastName: str | None = None
    pageId: str
    paragraphId: str = Field(alias="social-note-paragraphId")
    content: str = Field(alias="social-note-content")


class ReactionCounts(BaseModel):
    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True, serialize_by_alias=True)

    thumbsUp: int = Field(alias="thumbs-up")
    thumbsDown: int = Field(alias="thumbs-down")


class UnitReactionsOut(BaseModel):
    """`UnitReactionsAnalyticsResponse` (pageId is a string: the contract's boolean is an erratum)."""

    pageId: str
    feedback: ReactionCounts
