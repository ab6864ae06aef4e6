"""Queries on pulses (scoped to the bound organisation by `kit.tenancy`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, exists, select

from openqualify.server.db.models import Pulse, PulseAnswerRow, PulseRun, User
from openqualify.server.kit.json_rows import wire_time
from openqualify.server.kit.reads import ReadContext, org_scope, registered
from openqualify.server.kit.repository import Repository


class PulseRepository(Repository):
    async def answered_pulse_ids(self, offering_id: str) -> list[str]:
        """Base ids of the offering's pulses that have at least one response, oldest pulse first."""
        statement = (
            select(Pulse.id)
            .where(
                Pulse.offering_id == offering_id,
                exists().where(PulseAnswerRow.pulse_id == Pulse.id),
            )
            .order_by(Pulse.created_at, Pulse.id)
        )
        return await self.scalars(statement)

    async def find(self, offering_id: str, pulse_id: str) -> Pulse | None:
        return await self.one_or_none(select(Pulse).where(Pulse.id == pulse_id, Pulse.offering_id == offering_id))

    async def find_run(self, pulse_id: str, run_id: str) -> PulseRun | None:
        return await self.one_or_none(select(PulseRun).where(PulseRun.id == run_id, PulseRun.pulse_id == pulse_id))


# --- the read path ------------------------------------------------------------------------------------------


def _responses_statement(*, one_pulse: bool, typed: bool) -> Any:
    """The offering's responses (of one pulse, of one type), between two instants, oldest first, as the columns of
    the wire row in its order: pulse id, run id, question, type, run start, run duration, user id, first name,
    last name, response time (times as wire text), answer."""
    conditions = [
        PulseAnswerRow.offering_id == bindparam("offering_id"),
        PulseAnswerRow.response_time >= bindparam("earliest"),
        PulseAnswerRow.response_time <= bindparam("latest"),
        org_scope(PulseAnswerRow),
    ]
    if one_pulse:
        conditions.append(PulseAnswerRow.pulse_id == bindparam("pulse_id"))
    if typed:
        conditions.append(Pulse.pulse_type == bindparam("pulse_type"))
    return registered(
        select(
            Pulse.id,
            PulseRun.id,
            Pulse.question,
            Pulse.pulse_type,
            wire_time(PulseRun.start),
            PulseRun.duration_minutes,
            User.id,
            User.first_name,
            User.last_name,
            wire_time(PulseAnswerRow.response_time),
            PulseAnswerRow.answer,
        )
        .select_from(PulseAnswerRow)
        # A response's pulse is of its offering and its run of its pulse: saying so lets the planner reach pulses
        # and runs through their offering / pulse indexes instead of scanning the organisation's.
        .join(Pulse, and_(Pulse.id == PulseAnswerRow.pulse_id, Pulse.offering_id == bindparam("offering_id"),
                          org_scope(Pulse)))
        .join(PulseRun, and_(PulseRun.id == PulseAnswerRow.run_id, PulseRun.pulse_id == Pulse.id,
                             org_scope(PulseRun)))
        .join(User, and_(User.id == PulseAnswerRow.user_id, org_scope(User)))
        .where(*conditions)
        .order_by(PulseAnswerRow.response_time, PulseAnswerRow.id)
    )


# Built once, by (one pulse, one type).
_RESPONSES = {
    (one_pulse, typed): _responses_statement(one_pulse=one_pulse, typed=typed)
    for one_pulse in (False, True)
    for typed in (False, True)
}


async def read_responses(
    ctx: ReadContext,
    offering_id: str,
    earliest: datetime,
    latest: datetime,
    *,
    pulse_id: str | None = None,
    pulse_type: str | None = None,
) -> Sequence[Any]:
    """Rows of `_responses_statement` on the read path."""
    statement = _RESPONSES[(pulse_id is not None, pulse_type is not None)]
    params: dict[str, Any] = {"offering_id": offering_id, "earliest": earliest, "latest": latest}
    if pulse_id is not None:
        params["pulse_id"] = pulse_id
    if pulse_type is not None:
        params["pulse_type"] = pulse_type
    return await ctx.rows(statement, **params)
