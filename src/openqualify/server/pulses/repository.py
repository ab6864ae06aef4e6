"""Queries on pulses (scoped to the bound organisation by `kit.tenancy`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import Pulse, PulseAnswerRow, PulseRun, User
from openqualify.server.kit.wire import wire_time


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


async def responses(session: AsyncSession, offering_id: str, *conditions: ColumnElement[bool]) -> Sequence[Row[Any]]:
    """The offering's responses, oldest first, as the columns the wire row needs: pulse id, question, type,
    run id, run start, run duration, user id, first_name, last_name, response_time, answer (times as wire text)."""
    statement = (
        select(
            Pulse.id,
            Pulse.question,
            Pulse.pulse_type,
            PulseRun.id,
            wire_time(PulseRun.start),
            PulseRun.duration_minutes,
            User.id,
            User.first_name,
            User.last_name,
            wire_time(PulseAnswerRow.response_time),
            PulseAnswerRow.answer,
        )
        # A response's pulse is of its offering and its run of its pulse: saying so lets the planner reach pulses
        # and runs through their offering / pulse indexes instead of scanning the organisation's.
        .join(Pulse, (Pulse.id == PulseAnswerRow.pulse_id) & (Pulse.offering_id == offering_id))
        .join(PulseRun, (PulseRun.id == PulseAnswerRow.run_id) & (PulseRun.pulse_id == Pulse.id))
        .join(User, User.id == PulseAnswerRow.user_id)
        .where(PulseAnswerRow.offering_id == offering_id, *conditions)
        .order_by(PulseAnswerRow.response_time, PulseAnswerRow.id)
    )
    return (await session.execute(statement)).all()
