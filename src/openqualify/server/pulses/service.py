"""Pulses: which pulses were answered, and the learners' responses (filtered by type and response time)."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import Pulse, PulseAnswerRow
from openqualify.server.kit.errors import ObjectNotFoundError, SchemaValidationError
from openqualify.server.kit.timefmt import parse_datetime
from openqualify.server.kit.wire import present
from openqualify.server.offerings.lookup import get_offering
from openqualify.server.pulses import repository as repo
from openqualify.server.pulses import schemas

_TIME_OPERATORS: dict[str, Callable[[Any, Any], ColumnElement[bool]]] = {
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
    "eq": operator.eq,
}
_TIME_FILTER = re.compile(r"^(?:(lt|lte|gt|gte)__)?(.+)$")
# An unencoded `+` of an offset arrives as a space.
_SPACED_OFFSET = re.compile(r" (\d{2}:\d{2})$")


def check_pulse_type(value: str | None) -> str | None:
    if value is not None and value not in schemas.PULSE_TYPES:
        allowed = ", ".join(schemas.PULSE_TYPES)
        raise SchemaValidationError(f"[pulseType] {value} should be equal to one of the allowed values {allowed}")
    return value


def parse_time_filter(raw: str) -> tuple[str, datetime]:
    """`gte__2024-01-01T00:00:00Z` -> ("gte", datetime); a bare date-time means equality.

    A leading or trailing `__` (the contract's own example wraps the value in them) is tolerated.
    """
    text = raw.strip()
    text = text[2:] if text.startswith("__") else text
    text = text[:-2] if text.endswith("__") else text
    match = _TIME_FILTER.match(text)
    if match is not None:
        op, stamp = match.group(1) or "eq", _SPACED_OFFSET.sub(r"+\1", match.group(2))
        try:
            return op, parse_datetime(stamp)
        except ValueError:
            pass
    raise SchemaValidationError(
        f"[responseTime] {raw} should be a date-time, optionally prefixed by lt__, lte__, gt__ or gte__"
    )


def _time_conditions(filters: Sequence[str]) -> list[ColumnElement[bool]]:
    conditions = []
    for raw in filters:
        op, when = parse_time_filter(raw)
        conditions.append(_TIME_OPERATORS[op](PulseAnswerRow.response_time, when))
    return conditions


PulseResponseRow = dict[str, Any]  # schemas.PulseResponseOut, JSON-ready (`kit.wire`)


def _answer(stored: dict[str, Any] | None) -> dict[str, Any]:
    """`PulseAnswer` as stored (validated when it was written), absent parts left out."""
    return present(stored) if stored else {}


def _out(rows: Sequence[Row[Any]]) -> list[PulseResponseRow]:
    """Wire rows straight from column rows: this list runs to thousands of rows."""
    return [
        present(
            {
                "pulseBaseId": pulse_id,
                "pulseInstanceId": run_id,
                "pulseQuestion": question,
                "pulseType": pulse_type,
                "pulseRunStart": start,
                "pulseRunDurationMinutes": duration,
                "learnerId": user_id,
                "learnerFirstName": first_name,
                "learnerLastName": last_name,
                "responseTime": response_time,
                "response": _answer(answer),
            }
        )
        for (
            pulse_id,
            question,
            pulse_type,
            run_id,
            start,
            duration,
            user_id,
            first_name,
            last_name,
            response_time,
            answer,
        ) in rows
    ]


async def pulse_ids(session: AsyncSession, offering_id: str) -> list[str]:
    offering = await get_offering(session, offering_id)
    return await repo.answered_pulse_ids(session, offering.id)


async def all_responses(
    session: AsyncSession, offering_id: str, pulse_type: str | None, response_time: Sequence[str]
) -> list[PulseResponseRow]:
    check_pulse_type(pulse_type)
    conditions = _time_conditions(response_time)
    offering = await get_offering(session, offering_id)
    if pulse_type is not None:
        conditions.append(Pulse.pulse_type == pulse_type)
    return _out(await repo.responses(session, offering.id, *conditions))


async def pulse_responses(session: AsyncSession, offering_id: str, pulse_id: str) -> list[PulseResponseRow]:
    offering = await get_offering(session, offering_id)
    if await repo.find_pulse(session, offering.id, pulse_id) is None:
        raise ObjectNotFoundError.of("pulse", pulse_id)
    return _out(await repo.responses(session, offering.id, PulseAnswerRow.pulse_id == pulse_id))
