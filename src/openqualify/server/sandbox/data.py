"""Sandbox control plane, data: fill an organisation with the demo, reset it, export and import it, and set a
learner's own start date (offerings with relative dates).

Export/import move everything an organisation owns except its API tokens. Ids are kept, so an export can be
imported into another OpenQualify database, or back into the same organisation after changes; not cloned
next to itself in the same database (ids are unique database-wide).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, Table, delete, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.base import Base, UTCDateTime
from openqualify.server.db.models import Course, Organisation, User
from openqualify.server.db.statistics import note_rows_written
from openqualify.server.kit.auth import mark_org_changed
from openqualify.server.kit.deps import PrincipalDep, SessionDep, UserEmailPath
from openqualify.server.kit.errors import ApiValidationError, ObjectExistsError, SchemaValidationError
from openqualify.server.kit.routing import api_router
from openqualify.server.kit.timefmt import DateTimeIn, DateTimeOut, format_datetime, parse_datetime
from openqualify.server.memberships.lookup import get_member
from openqualify.server.offerings.lookup import get_offering

router = api_router(tags=["Sandbox"], prefix="/_sandbox")

EXPORT_FORMAT = "openqualify-export"
EXPORT_VERSION = 1
# Credentials never leave the database; the organisation row itself is the importing organisation.
NOT_EXPORTED = frozenset({"organisations", "api_tokens"})
IMPORT_BATCH = 1_000


def _org_tables() -> list[Table]:
    """Every table holding organisation data, parents before children."""
    return [t for t in Base.metadata.sorted_tables if "org_id" in t.c and t.name not in NOT_EXPORTED]


async def _reset(session: AsyncSession, org_id: str) -> dict[str, int]:
    """Delete all of the organisation's data (children first); its tokens and clock stay."""
    deleted: dict[str, int] = {}
    for table in reversed(_org_tables()):
        result = await session.execute(delete(table).where(table.c.org_id == org_id))
        if result.rowcount:
            deleted[table.name] = result.rowcount
    return deleted


class CountsOut(BaseModel):
    tables: dict[str, int]


@router.post("/reset", response_model=CountsOut)
async def reset(principal: PrincipalDep, session: SessionDep) -> CountsOut:
    """Delete every course, offering, user and activity of this organisation (tokens and clock stay)."""
    return CountsOut(tables=await _reset(session, principal.org_id))


@router.post("/demo", status_code=201, response_model=CountsOut)
async def demo(principal: PrincipalDep, session: SessionDep) -> CountsOut:
    """Fill this (empty) organisation with the deterministic demo data of `openqualify serve --demo`."""
    from openqualify.server.sandbox.demo import build_demo

    has_data = (await session.execute(select(func.count()).select_from(User))).scalar_one() or (
        await session.execute(select(func.count()).select_from(Course))
    ).scalar_one()
    if has_data:
        raise ObjectExistsError("The organisation already has data: reset it first (POST /_sandbox/reset).")
    now = principal.now()
    await session.run_sync(lambda sync_session: build_demo(sync_session, principal.org_id, now))
    counts = await _counts(session, principal.org_id)
    for table, count in counts.items():
        note_rows_written(session, table, count)
    return CountsOut(tables=counts)


async def _counts(session: AsyncSession, org_id: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in _org_tables():
        statement = select(func.count()).select_from(table).where(table.c.org_id == org_id)
        n = (await session.execute(statement)).scalar_one()
        if n:
            counts[table.name] = n
    return counts


def _dump_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_datetime(value)
    return value


class ExportDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: str = EXPORT_FORMAT
    version: int = EXPORT_VERSION
    exportedAt: DateTimeOut | None = None
    organisation: dict[str, Any] = Field(default_factory=dict)
    tables: dict[str, list[dict[str, Any]]]


@router.get("/export", response_model=ExportDocument)
async def export(principal: PrincipalDep, session: SessionDep) -> ExportDocument:
    """Everything this organisation owns (except its tokens), table by table, as JSON."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in _org_tables():
        rows = await session.execute(select(table).where(table.c.org_id == principal.org_id))
        dumped = [
            {k: _dump_value(v) for k, v in row._mapping.items() if k != "org_id"} for row in rows
        ]
        if dumped:
            tables[table.name] = dumped
    org = await session.get(Organisation, principal.org_id)
    assert org is not None
    return ExportDocument(
        exportedAt=principal.now(),
        organisation={
            "name": org.name,
            "clockFrozenAt": format_datetime(org.clock_frozen_at) if org.clock_frozen_at else None,
            "clockOffsetSeconds": org.clock_offset_seconds,
        },
        tables=tables,
    )


def _load_row(table: Table, raw: dict[str, Any], org_id: str) -> dict[str, Any]:
    """A row of the document as the caller's organisation's row: whatever `org_id` it names is ignored."""
    row: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "org_id":
            continue
        if key not in table.c:
            raise SchemaValidationError(f"[tables.{table.name}] unknown column '{key}'")
        column_type = table.c[key].type
        if isinstance(column_type, UTCDateTime) and isinstance(value, str):
            try:
                value = parse_datetime(value)
            except ValueError:
                raise SchemaValidationError(f"[tables.{table.name}.{key}] should match format \"date-time\"") from None
        elif value is not None and not isinstance(column_type, JSON) and isinstance(value, dict | list):
            raise SchemaValidationError(f"[tables.{table.name}.{key}] should not be an object")
        row[key] = value
    row["org_id"] = org_id
    return row


def _check_references(loaded: dict[str, list[dict[str, Any]]]) -> None:
    """Every id a row refers to (foreign keys) must be an id of a row of the same document: the organisation
    was reset first, so anything else would point into another organisation."""
    for name, rows in loaded.items():
        table = Base.metadata.tables[name]
        for fk in table.foreign_keys:
            target = fk.column.table
            if target.name in NOT_EXPORTED:  # org_id: set to the caller's organisation above
                continue
            column, target_column = fk.parent.name, fk.column.name
            known = {row.get(target_column) for row in loaded.get(target.name, ())}
            for row in rows:
                value = row.get(column)
                if value is not None and value not in known:
                    raise SchemaValidationError(
                        f"[tables.{name}.{column}] '{value}' refers to no row of table {target.name} in this document"
                    )


async def _refuse_foreign_ids(session: AsyncSession, loaded: dict[str, list[dict[str, Any]]]) -> None:
    """Ids are unique database-wide: an id already taken (by another organisation, ours being empty after the
    reset) is refused by name instead of failing on the unique index."""
    for name, rows in loaded.items():
        table = Base.metadata.tables[name]
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or keys[0].foreign_keys:  # composite keys hang off a checked parent row
            continue
        key = keys[0]
        ids = [row[key.name] for row in rows if row.get(key.name) is not None]
        for start in range(0, len(ids), IMPORT_BATCH):
            taken = (await session.execute(
                select(key).where(key.in_(ids[start : start + IMPORT_BATCH])).limit(1)
            )).scalar_one_or_none()
            if taken is not None:
                raise ObjectExistsError(
                    f"[tables.{name}] id '{taken}' belongs to another organisation in this database: "
                    "import into another database, or change the ids"
                )


def _parents_first(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Order rows of a self-referencing table (e.g. replies to comments) so that parents come first."""
    self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    if not self_refs:
        return rows
    (pk,) = [c.name for c in table.primary_key.columns]
    placed: set[Any] = set()
    ordered: list[dict[str, Any]] = []
    pending = rows
    while pending:
        ready = [r for r in pending if all(r.get(ref) in (None, *placed) for ref in self_refs)]
        if not ready:  # a cycle or a dangling reference: let the database report it
            ordered.extend(pending)
            break
        ordered.extend(ready)
        placed.update(r[pk] for r in ready)
        pending = [r for r in pending if r[pk] not in placed]
    return ordered


@router.post("/import", response_model=CountsOut)
async def import_(principal: PrincipalDep, session: SessionDep, body: ExportDocument) -> CountsOut:
    """Replace this organisation's data with an export (all or nothing)."""
    if body.format != EXPORT_FORMAT or body.version != EXPORT_VERSION:
        raise SchemaValidationError(f"[format] expected {EXPORT_FORMAT} version {EXPORT_VERSION}")
    known = {t.name: t for t in _org_tables()}
    unknown = sorted(set(body.tables) - set(known))
    if unknown:
        raise SchemaValidationError(f"[tables] unknown table '{unknown[0]}'")
    loaded = {
        name: [_load_row(table, raw, principal.org_id) for raw in body.tables[name]]
        for name, table in known.items()
        if body.tables.get(name)
    }
    _check_references(loaded)
    await _reset(session, principal.org_id)
    await _refuse_foreign_ids(session, loaded)
    counts: Counter[str] = Counter()
    for name, table in known.items():
        rows = _parents_first(table, loaded.get(name, []))
        columns = {key for row in rows for key in row}
        rows = [{key: row.get(key) for key in columns} for row in rows]
        try:
            for start in range(0, len(rows), IMPORT_BATCH):
                await session.execute(table.insert(), rows[start : start + IMPORT_BATCH])
        except DBAPIError as exc:  # the request rolls back as a whole
            raise ApiValidationError(f"The rows of table {name} could not be imported: {exc.orig}") from None
        if rows:
            counts[name] = len(rows)
            note_rows_written(session, name, len(rows))
    org = await session.get(Organisation, principal.org_id)
    assert org is not None
    frozen = body.organisation.get("clockFrozenAt")
    org.clock_frozen_at = parse_datetime(frozen) if isinstance(frozen, str) else None
    offset = body.organisation.get("clockOffsetSeconds")
    org.clock_offset_seconds = float(offset) if isinstance(offset, int | float) else 0.0
    mark_org_changed(session)
    return CountsOut(tables=dict(counts))


class LearnerStartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: DateTimeIn | None


class LearnerStartOut(BaseModel):
    offeringId: str
    email: str
    start: DateTimeOut


@router.put("/offerings/{offeringId}/users/{userEmail}/start", response_model=LearnerStartOut)
async def set_learner_start(
    principal: PrincipalDep, session: SessionDep, offeringId: str, email: UserEmailPath, body: LearnerStartIn
) -> LearnerStartOut:
    """A member's own opening date, from which relative due dates count (`null`: the offering's start)."""
    offering = await get_offering(session, offeringId)
    user, membership = await get_member(session, offering, email)
    membership.start_date = body.start
    return LearnerStartOut(offeringId=offering.id, email=user.email, start=body.start or offering.start)
