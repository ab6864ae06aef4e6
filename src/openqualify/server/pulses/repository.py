"""Queries on pulses (scoped to the bound organisation by `kit.tenancy`)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import Pulse, PulseAnswerRow, PulseRun, User

ResponseRow = tuple[PulseAnswerRow, Pulse, PulseRun, User]


async def answered_pulse_ids(session: AsyncSession, offering_id: str) -> list[str]:
    """Base ids of the offering's pulses that have at least one response, oldest pulse first."""
    statement = (
        select(Pulse.id)
        .where(
            Pulse.offering_id == offering_id,
            exists().where(PulseAnswerRow.pulse_id == Pulse.id),
        )
        .order_by(Pulse.created_at, Pulse.id)
    )
    return list((await session.execute(statement)).scalars())


async def find_pulse(session: AsyncSession, offering_id: str, pulse_id: str) -> Pulse | None:
    return (
        await session.execute(select(Pulse).where(Pulse.id == pulse_id, Pulse.offering_id == offering_id))
    ).scalar_one_or_none()


async def responses(session: AsyncSession, offering_id: str, *conditions: ColumnElement[bool]) -> list[ResponseRow]:
    statement = (
        select(PulseAnswerRow, Pulse, PulseRun, User)
        .join(Pulse, Pulse.id == PulseAnswerRow.pulse_id)
        .join(PulseRun, PulseRun.id == PulseAnswerRow.run_id)
        .join(User, User.id == PulseAnswerRow.user_id)
        .where(PulseAnswerRow.offering_id == offering_id, *conditions)
        .order_by(PulseAnswerRow.response_time, PulseAnswerRow.id)
    )
    return [(answer, pulse, run, user) for answer, pulse, run, user in await session.execute(statement)]
