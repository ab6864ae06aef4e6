"""Which open and due dates an assessment has in an offering, and for one learner.

An assessment carries absolute dates, day offsets, or both. On an offering with relative dates the offsets win
(counted from the offering's start, or from the learner's own start for learner dates); otherwise the offering's
own dates (PATCH) win, then the course's absolute dates, then the offsets from the offering's start.
Offsets saturate at the last (first) instant a date can hold: a start stored before the date bounds existed
(9999-12-31) plus 30 days is 9999-12-31T23:59:59.999Z, not an OverflowError.
"""

from __future__ import annotations

from datetime import datetime

from openqualify.server.db.models import Assessment, AssessmentSetting, Membership, Offering
from openqualify.server.kit.timefmt import shift


def _offset(start: datetime, days: int | None) -> datetime | None:
    return None if days is None else shift(start, days * 86_400.0)


def open_date(assessment: Assessment, setting: AssessmentSetting | None, offering: Offering) -> datetime | None:
    if offering.use_relative_dates and assessment.open_offset_days is not None:
        return _offset(offering.start, assessment.open_offset_days)
    if setting is not None and setting.open_date is not None:
        return setting.open_date
    return assessment.open_date or _offset(offering.start, assessment.open_offset_days)


def due_date(assessment: Assessment, setting: AssessmentSetting | None, offering: Offering) -> datetime | None:
    if offering.use_relative_dates and assessment.due_offset_days is not None:
        return _offset(offering.start, assessment.due_offset_days)
    if setting is not None and setting.due_date is not None:
        return setting.due_date
    return assessment.due_date or _offset(offering.start, assessment.due_offset_days)


def learner_start(offering: Offering, membership: Membership | None) -> datetime:
    if membership is not None and membership.start_date is not None:
        return membership.start_date
    return offering.start


def learner_open_date(
    assessment: Assessment, setting: AssessmentSetting | None, offering: Offering, membership: Membership | None
) -> datetime | None:
    if offering.use_relative_dates and assessment.open_offset_days is not None:
        return _offset(learner_start(offering, membership), assessment.open_offset_days)
    return open_date(assessment, setting, offering)


def learner_due_date(
    assessment: Assessment,
    setting: AssessmentSetting | None,
    offering: Offering,
    membership: Membership | None,
    override: datetime | None = None,
) -> datetime | None:
    """The learner's own due date: their override, else their relative date, else the offering's."""
    if override is not None:
        return override
    if offering.use_relative_dates and assessment.due_offset_days is not None:
        return _offset(learner_start(offering, membership), assessment.due_offset_days)
    return due_date(assessment, setting, offering)
