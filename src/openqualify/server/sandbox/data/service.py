"""Reset, demo, export and import of an organisation's data; a learner's own start date."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.base import Base, UTCDateTime
from openqualify.server.db.statistics import note_rows_written
from openqualify.server.kit.auth import Principal, mark_org_changed
from openqualify.server.kit.errors import ApiValidationError, ObjectExistsError, SchemaValidationError
from openqualify.server.kit.timefmt import format_datetime, parse_datetime
from openqualify.server.memberships.lookup import get_member
from openqualify.server.offerings.lookup import get_offering
from openqualify.server.sandbox.data.repository import NOT_EXPORTED, OrgDataRepository, org_tables
from openqualify.server.sandbox.data.schemas import (
    EXPORT_FORMAT,
    EXPORT_VERSION,
    CountsOut,
    ExportDocument,
    LearnerStartIn,
    LearnerStartOut,
)


async def reset(session: AsyncSession, principal: Principal) -> CountsOut:
    return CountsOut(tables=await OrgDataRepository(session).delete_all(principal.org_id))


async def demo(session: AsyncSession, principal: Principal) -> CountsOut:
    from openqualify.server.sandbox.demo import build_demo

    repo = OrgDataRepository(session)
    if await repo.has_data():
        raise ObjectExistsError("The organisation already has data: reset it first (POST /_sandbox/reset).")
    now = principal.now()
    await session.run_sync(lambda sync_session: build_demo(sync_session, principal.org_id, now))
    counts = await repo.counts(principal.org_id)
    for table, count in counts.items():
        note_rows_written(session, table, count)
    return CountsOut(tables=counts)


def _dump_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_datetime(value)
    return value


async def export(session: AsyncSession, principal: Principal) -> ExportDocument:
    repo = OrgDataRepository(session)
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in org_tables():
        dumped = [
            {k: _dump_value(v) for k, v in row._mapping.items() if k != "org_id"}
            for row in await repo.table_rows(table, principal.org_id)
        ]
        if dumped:
            tables[table.name] = dumped
    org = await repo.organisation(principal.org_id)
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


async def _refuse_foreign_ids(repo: OrgDataRepository, loaded: dict[str, list[dict[str, Any]]]) -> None:
    """Ids are unique database-wide: an id already taken (by another organisation, ours being empty after the
    reset) is refused by name instead of failing on the unique index."""
    for name, rows in loaded.items():
        table = Base.metadata.tables[name]
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or keys[0].foreign_keys:  # composite keys hang off a checked parent row
            continue
        key = keys[0]
        taken = await repo.first_taken(key, [row[key.name] for row in rows if row.get(key.name) is not None])
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


async def import_(session: AsyncSession, principal: Principal, body: ExportDocument) -> CountsOut:
    if body.format != EXPORT_FORMAT or body.version != EXPORT_VERSION:
        raise SchemaValidationError(f"[format] expected {EXPORT_FORMAT} version {EXPORT_VERSION}")
    known = {t.name: t for t in org_tables()}
    unknown = sorted(set(body.tables) - set(known))
    if unknown:
        raise SchemaValidationError(f"[tables] unknown table '{unknown[0]}'")
    loaded = {
        name: [_load_row(table, raw, principal.org_id) for raw in body.tables[name]]
        for name, table in known.items()
        if body.tables.get(name)
    }
    _check_references(loaded)
    repo = OrgDataRepository(session)
    await repo.delete_all(principal.org_id)
    await _refuse_foreign_ids(repo, loaded)
    counts: Counter[str] = Counter()
    for name, table in known.items():
        rows = _parents_first(table, loaded.get(name, []))
        columns = {key for row in rows for key in row}
        rows = [{key: row.get(key) for key in columns} for row in rows]
        try:
            await repo.insert(table, rows)
        except DBAPIError as exc:  # the request rolls back as a whole
            raise ApiValidationError(f"The rows of table {name} could not be imported: {exc.orig}") from None
        if rows:
            counts[name] = len(rows)
            note_rows_written(session, name, len(rows))
    org = await repo.organisation(principal.org_id)
    frozen = body.organisation.get("clockFrozenAt")
    org.clock_frozen_at = parse_datetime(frozen) if isinstance(frozen, str) else None
    offset = body.organisation.get("clockOffsetSeconds")
    org.clock_offset_seconds = float(offset) if isinstance(offset, int | float) else 0.0
    mark_org_changed(session)
    return CountsOut(tables=dict(counts))


async def set_learner_start(
    session: AsyncSession, offering_id: str, email: str, body: LearnerStartIn
) -> LearnerStartOut:
    offering = await get_offering(session, offering_id)
    user, membership = await get_member(session, offering, email)
    membership.start_date = body.start
    return LearnerStartOut(offeringId=offering.id, email=user.email, start=body.start or offering.start)
