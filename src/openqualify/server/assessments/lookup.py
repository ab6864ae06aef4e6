"""Finding an assessment of an offering's content or answering 404 `The assessment X was not found.`."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.assessments.repository import AssessmentRepository, AssessmentRow
from openqualify.server.db.models import Offering
from openqualify.server.kit.errors import ObjectNotFoundError


async def get_assessment(session: AsyncSession, offering: Offering, assessment_id: str) -> AssessmentRow:
    """An assessment of the offering's content, or 404 `The assessment X was not found.`."""
    found = await AssessmentRepository(session).find(offering, assessment_id)
    if found is None:
        raise ObjectNotFoundError.of("assessment", assessment_id)
    return found


async def get_assessment_for_change(session: AsyncSession, offering: Offering, assessment_id: str) -> AssessmentRow:
    """`get_assessment` with the offering's settings row of it locked until the unit of work ends (F1)."""
    assessment, setting = await get_assessment(session, offering, assessment_id)
    if setting is not None:
        setting = await AssessmentRepository(session).setting_for_change(offering.id, assessment.id)
    return assessment, setting
