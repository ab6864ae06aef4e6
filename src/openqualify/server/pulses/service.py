"""Pulses: which pulses were answered, and the learners' responses (filtered by type and response time)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.kit.errors import ObjectNotFoundError, SchemaValidationError
from openqualify.server.kit.json_rows import objects, present
from openqualify.server.kit.reads import ReadContext
from openqualify.server.kit.timefmt import parse_datetime
from openqualify.server.offerings.lookup import get_offering, get_offering_row
from openqualify.server.pulses import repository as repo
from openqualify.server.pulses import schemas
from openqualify.server.pulses.repository import PulseRepository

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


EARLIEST = datetime(1, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)
_TICK = timedelta(microseconds=1)  # what both databases store: a strict bound is the next stored instant


def time_range(filters: Sequence[str]) -> tuple[datetime, datetime]:
    """The `responseTime` filters (all must hold) as one inclusive range [earliest, latest]."""
    earliest, latest = EARLIEST, LATEST
    for raw in filters:
        op, when = parse_time_filter(raw)
        if op in ("gt", "gte", "eq"):
            bound = when + _TICK if op == "gt" and when < LATEST else when
            earliest = max(earliest, bound)
        if op in ("lt", "lte", "eq"):
            bound = when - _TICK if op == "lt" and when > EARLIEST else when
            latest = min(latest, bound)
    return earliest, latest


PulseResponseRow = dict[str, Any]  # schemas.PulseResponseOut, JSON-ready (`kit.json_rows`)
_WIRE_KEYS = (
    "pulseBaseId",
    "pulseInstanceId",
    "pulseQuestion",
    "pulseType",
    "pulseRunStart",
    "pulseRunDurationMinutes",
    "learnerId",
    "learnerFirstName",
    "learnerLastName",
    "responseTime",
    "response",
)


def _out(rows: Sequence[Any]) -> list[PulseResponseRow]:
    """Wire rows straight from column rows in wire order (this list runs to thousands of rows); the stored
    answer (validated when it was written) without its absent parts."""
    result = objects(_WIRE_KEYS, rows)
    for row in result:
        answer = row.get("response")
        row["response"] = present(answer) if answer else {}
    return result


async def pulse_ids(session: AsyncSession, offering_id: str) -> list[str]:
    offering = await get_offering(session, offering_id)
    return await PulseRepository(session).answered_pulse_ids(offering.id)


async def all_responses(
    ctx: ReadContext, offering_id: str, pulse_type: str | None, response_time: Sequence[str]
) -> list[PulseResponseRow]:
    check_pulse_type(pulse_type)
    earliest, latest = time_range(response_time)
    offering = await get_offering_row(ctx, offering_id)
    return _out(await repo.read_responses(ctx, offering.id, earliest, latest, pulse_type=pulse_type))


async def pulse_responses(ctx: ReadContext, offering_id: str, pulse_id: str) -> list[PulseResponseRow]:
    offering = await get_offering_row(ctx, offering_id)
    if await PulseRepository(await ctx.session()).find(offering.id, pulse_id) is None:
        raise ObjectNotFoundError.of("pulse", pulse_id)
    return _out(await repo.read_responses(ctx, offering.id, EARLIEST, LATEST, pulse_id=pulse_id))
