"""Wire shapes of courses: `CourseResponse`, `CourseMetaResponse`, `ActivationResponse`, `UserPermission`
and the metadata / permission request bodies."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from openqualify.server.db.models import Course
from openqualify.server.kit.timefmt import DateTimeOut
from openqualify.server.kit.validation import Bool, Tags, fits

# --- input ------------------------------------------------------------------------------------------------


class CategoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: Annotated[str, fits(Course.category)]


class LevelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    level: Annotated[str, fits(Course.level)]


class TagsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tags: Tags


class TopicIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topic: Annotated[str, fits(Course.topic)]


class PermissionIn(BaseModel):
    """The permission to grant; the contract allows other properties (ignored)."""

    isBuilder: Bool = True
    isReviewer: Bool = False


# --- output -----------------------------------------------------------------------------------------------


class LearningOutcomeOut(BaseModel):
    id: str | None = None
    description: str | None = None


class CourseMetadataOut(BaseModel):
    learning_outcomes: list[LearningOutcomeOut] = Field(default_factory=list)


class CourseOut(BaseModel):
    id: str
    name: str
    coverImageUrl: str | None = None
    createdAt: DateTimeOut
    metadata: CourseMetadataOut


class CourseMetaMetadataOut(BaseModel):
    category: str | None = None
    level: str | None = None
    tags: list[str] = Field(default_factory=list)
    topic: str | None = None
    rootContentId: str
    learning_outcomes: list[LearningOutcomeOut] = Field(default_factory=list)


class CourseMetaOut(BaseModel):
    id: str
    name: str
    coverImageUrl: str | None = None
    createdAt: DateTimeOut
    tasksEnabled: bool
    metadata: CourseMetaMetadataOut


class ActivationMetadataOut(BaseModel):
    rootContentId: str


class ActivationOut(BaseModel):
    id: str
    name: str
    info: str
    start: DateTimeOut
    end: DateTimeOut | None = None
    learnersCount: str
    metadata: ActivationMetadataOut


class UserPermissionOut(BaseModel):
    email: str
    name: str | None = None
    isBuilder: bool
    isReviewer: bool


class PermissionGrantedOut(BaseModel):
    contentId: str
