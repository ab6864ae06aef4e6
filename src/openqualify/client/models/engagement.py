"""Pulses, unit reactions and badges."""

from __future__ import annotations

from pydantic import Field

from ._base import DateTime, Model


class PulseMCQOption(Model):
    option: str | None = None
    value: bool | None = None


class PulseSpatialOption(Model):
    option: str | None = None
    value: float | None = None


class PulseAnswer(Model):
    text_answer: str | None = None
    multi_choice_answer: list[PulseMCQOption] | None = None
    spatial_answer: list[PulseSpatialOption] | None = None


class PulseResponse(Model):
    pulse_base_id: str | None = None
    pulse_instance_id: str | None = None
    pulse_question: str | None = None
    pulse_type: str | None = None
    pulse_run_start: DateTime | None = None
    pulse_run_duration_minutes: int | None = None
    learner_id: str | None = None
    learner_first_name: str | None = None
    learner_last_name: str | None = None
    response_time: DateTime | None = None
    response: PulseAnswer | None = None


class UnitReactionsFeedback(Model):
    thumbs_up: int | float | None = Field(default=None, alias="thumbs-up")
    thumbs_down: int | float | None = Field(default=None, alias="thumbs-down")


class UnitReactionsAnalyticsResponse(Model):
    page_id: str | None = None
    feedback: UnitReactionsFeedback | None = None


class BadgeExpiry(Model):
    expires: bool | None = None
    expiry_type: str | None = None
    expiration_date: DateTime | None = None
    timeframe_amount: int | float | None = None
    timeframe_unit: str | None = None


class Criteria(Model):
    has_completed_course: bool | None = None
    has_passed_mandatory_assessed_quizzes: bool | None = None


class OpenBadgeCriteria(Model):
    narrative: str | None = None


class OpenBadgeClass(Model):
    id: str | None = None
    type: str | None = None
    name: str | None = None
    description: str | None = None
    image: str | None = None
    issuer: str | None = None
    criteria: OpenBadgeCriteria | None = None


class Badge(Model):
    title: str | None = None
    description: str | None = None
    badge_url: str | None = None
    criterias: Criteria | None = None
    open_badge: OpenBadgeClass | None = None
    badge_expiry: BadgeExpiry | None = None


class AwardedResponse(Model):
    awarded: bool | None = None
    badge_id: str | None = None
    badge_url: str | None = None


class UserBadge(Model):
    offering_id: str | None = None
    title: str | None = None
    description: str | None = None
    badge_url: str | None = None
    awarded_at: DateTime | None = None
    badge_expiry: BadgeExpiry | None = None
    criterias: Criteria | None = None
    open_badge: OpenBadgeClass | None = None
