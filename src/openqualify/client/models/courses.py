"""Courses, offerings and their projections."""

from __future__ import annotations

from pydantic import Field

from ._base import DateTime, Model


class LearningOutcome(Model):
    id: str | None = None
    description: str | None = None


class CourseListMetadata(Model):
    learning_outcomes: list[LearningOutcome] | None = Field(default=None, alias="learning_outcomes")


class CourseMetadata(CourseListMetadata):
    category: str | None = None
    level: str | None = None
    tags: list[str] | None = None
    topic: str | None = None
    root_content_id: str | None = None


class CourseResponse(Model):
    id: str | None = None
    name: str | None = None
    cover_image_url: str | None = None
    created_at: DateTime | None = None
    metadata: CourseListMetadata | None = None


class CourseMetaResponse(Model):
    id: str | None = None
    name: str | None = None
    cover_image_url: str | None = None
    created_at: DateTime | None = None
    tasks_enabled: bool | None = None
    metadata: CourseMetadata | None = None


class RootContentRef(Model):
    root_content_id: str | None = None


class ActivationResponse(Model):
    id: str | None = None
    name: str | None = None
    info: str | None = None
    start: str | None = None
    end: str | None = None
    learners_count: str | None = None
    metadata: RootContentRef | None = None


class OfferingMetadata(Model):
    category: str | None = None
    level: str | None = None
    tags: list[str] | None = None
    topic: str | None = None
    root_content_id: str | None = None


class OfferingMetadataResponse(Model):
    id: str | None = None
    name: str | None = None
    description: str | None = None
    overview: str | None = None
    identifier: str | None = None
    content_id: str | None = None
    cover_image_url: str | None = None
    currency: str | None = None
    price: int | float | None = None
    enrollment_limit: int | float | None = None
    start: DateTime | None = None
    end: DateTime | None = None
    has_early_close_off: bool | None = None
    early_close_off_date: DateTime | None = None
    use_relative_dates: bool | None = None
    is_readonly: bool | None = None
    tasks_enabled: bool | None = None
    trailer_video_url: str | None = None
    metadata: OfferingMetadata | None = None


class PortfolioActivations(Model):
    id: str | None = None
    name: str | None = None
    content_id: str | None = None
    start: DateTime | None = None
    end: DateTime | None = None
    info: str | None = None
    learners_count: int | float | None = None
    metadata: RootContentRef | None = None
