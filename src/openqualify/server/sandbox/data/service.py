"""Reset, demo, export and import of an organisation's data; a learner's own start date."""

from __future__ import annotations

import logging
from collections import deque
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.base import Base
from openqualify.server.db.statistics import note_rows_written
from openqualify.server.kit.auth import Principal, mark_org_changed
from openqualify.server.kit.chunks import CHUNK, pause
from openqualify.server.kit.clock import system_now
from openqualify.server.kit.errors import ApiValidationError, ObjectExistsError, SchemaValidationError
from openqualify.server.kit.timefmt import RANGE_TEXT, DateTimeIn, format_datetime, in_range, shift
from openqualify.server.kit.validation import Str
from openqualify.server.memberships.lookup import get_member
from openqualify.server.offerings.lookup import get_offering
from openqualify.server.sandbox.data.repository import NOT_EXPORTED, OrgDataRepository, org_tables
from openqualify.server.sandbox.data.rows import Finite, describe_at, load_rows
from openqualify.server.sandbox.data.schemas import (
    EXPORT_FORMAT,
    EXPORT_VERSION,
    CountsOut,
    ExportDocument,
    LearnerStartIn,
    LearnerStartOut,
)

log = logging.getLogger(__name__)


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


async def _check_references(loaded: dict[str, list[dict[str, Any]]]) -> None:
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
            for index, row in enumerate(rows):
                value = row.get(column)
                if value is not None and value not in known:
                    raise SchemaValidationError(
                        f"data.tables.{name}[{index}].{column} '{value}' refers to no row of table {target.name} "
                        "in this document"
                    )
            await pause()


async def _refuse_foreign_ids(repo: OrgDataRepository, loaded: dict[str, list[dict[str, Any]]]) -> None:
    """Ids are unique database-wide: an id already taken (by another organisation, ours being empty after the
    reset) is refused by name instead of failing on the unique index."""
    for name, rows in loaded.items():
        table = Base.metadata.tables[name]
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or keys[0].foreign_keys:  # composite keys hang off a checked parent row
            continue
        key = keys[0]
        ids = [row[key.name] for row in rows]
        taken = await repo.first_taken(key, ids)
        if taken is not None:
            raise ObjectExistsError(
                f"data.tables.{name}[{ids.index(taken)}].{key.name} '{taken}' belongs to another organisation in "
                "this database: import into another database, or change the ids"
            )


def _parents_first(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Order rows of a self-referencing table (replies to comments) so that parents come first (a topological
    order, linear in the rows); a cycle of references is refused by row. References were checked to point into
    the document already."""
    self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    if not self_refs:
        return rows
    (pk,) = [c.name for c in table.primary_key.columns]
    waiting = [0] * len(rows)  # parents not placed yet
    children: dict[Any, list[int]] = {}
    for index, row in enumerate(rows):
        for parent in {row.get(ref) for ref in self_refs} - {None}:
            children.setdefault(parent, []).append(index)
            waiting[index] += 1
    ready = deque(index for index, count in enumerate(waiting) if count == 0)
    ordered: list[dict[str, Any]] = []
    while ready:
        row = rows[ready.popleft()]
        ordered.append(row)
        for child in children.get(row[pk], ()):
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    if len(ordered) < len(rows):
        index = next(i for i, count in enumerate(waiting) if count)
        ref = next(ref for ref in self_refs if rows[index].get(ref) is not None)
        raise SchemaValidationError(
            f"data.tables.{table.name}[{index}].{ref} should NOT lead back to the row itself (a cycle of references)"
        )
    return ordered


MAX_IMPORT_ROWS = 100_000
"""Rows an import may hold in all. An import replaces the organisation's data in one transaction; on SQLite that
transaction holds the database's write lock, so other organisations' writes queue behind it (their reads never
do), and the body is parsed in one piece before any chunk runs. 96,000 rows (29 MB of JSON) took 17 s on SQLite on
the shared 2-core reference machine under load (decision B6)."""
MAX_IMPORT_TABLE_ROWS = 50_000
"""Rows of one table."""


class OrganisationIn(BaseModel):
    """The `organisation` part of an export: its name (not imported: the organisation keeps its own) and clock."""

    model_config = ConfigDict(extra="forbid")
    name: Str | None = None
    clockFrozenAt: DateTimeIn | None = None
    clockOffsetSeconds: Finite = 0.0


def _organisation(raw: dict[str, Any]) -> OrganisationIn:
    try:
        organisation = OrganisationIn.model_validate(raw)
    except ValidationError as exc:
        error: dict[str, Any] = dict(exc.errors(include_url=False)[0])
        raise SchemaValidationError(describe_at(error, "organisation", *error["loc"])) from None
    if not in_range(shift(system_now(), organisation.clockOffsetSeconds)):
        raise SchemaValidationError(
            f"data.organisation.clockOffsetSeconds should put the clock at a date-time {RANGE_TEXT}"
        )
    return organisation


def _check_size(tables: dict[str, list[dict[str, Any]]]) -> None:
    total = 0
    for name, rows in tables.items():
        if len(rows) > MAX_IMPORT_TABLE_ROWS:
            raise SchemaValidationError(f"data.tables.{name} should NOT have more than {MAX_IMPORT_TABLE_ROWS} items")
        total += len(rows)
    if total > MAX_IMPORT_ROWS:
        raise SchemaValidationError(
            f"data.tables should NOT have more than {MAX_IMPORT_ROWS} rows in all (this document has {total})"
        )


async def _load(table: Table, raw_rows: list[dict[str, Any]], org_id: str) -> list[dict[str, Any]]:
    """Every row of one table checked (`rows.load_rows`), a chunk at a time with pauses: the checks run in
    Python on the event loop before the write transaction begins."""
    loaded: list[dict[str, Any]] = []
    for start in range(0, len(raw_rows), CHUNK):
        loaded += load_rows(table, raw_rows[start : start + CHUNK], start, org_id)
        await pause()
    return loaded


def _unique_keys(table: Table) -> list[tuple[list[str], str | None]]:
    """The column lists that must be unique in `table` (primary key, unique indexes), with the boolean column a
    partial index is limited to (`uq_channels_private_support`: only private-support channels)."""
    keys: list[tuple[list[str], str | None]] = [([c.name for c in table.primary_key.columns], None)]
    for index in table.indexes:
        if not index.unique:
            continue
        where = index.dialect_options["sqlite"].get("where")
        keys.append(([c.name for c in index.columns], str(where) if where is not None else None))
    return keys


async def _check_unique(loaded: dict[str, list[dict[str, Any]]]) -> None:
    """Rows of one table that the database would refuse as duplicates, refused by name and row instead."""
    for name, rows in loaded.items():
        table = Base.metadata.tables[name]
        for columns, only_if in _unique_keys(table):
            seen: dict[tuple[Any, ...], int] = {}
            for index, row in enumerate(rows):
                if only_if is not None and not row.get(only_if):
                    continue
                key = tuple(row.get(column) for column in columns)
                if key in seen:
                    shown = ", ".join(column for column in columns if column != "org_id")
                    raise SchemaValidationError(
                        f"data.tables.{name}[{index}] should have a ({shown}) of its own: row {seen[key]} has the same"
                    )
                seen[key] = index
            await pause()


async def import_(
    session: AsyncSession, principal: Principal, body: ExportDocument, *, bounded: bool = True
) -> CountsOut:
    """Replace the organisation's data with the document's, all or nothing.

    Everything is checked before the first write: the document's size, every row with the API's types
    (`rows.py`), unique keys, and that every reference points into the document. Then, in the request's one
    transaction, the organisation's rows are deleted and the document's inserted, in chunks with pauses between
    them (other requests run meanwhile; on SQLite other writers queue for the write lock, as they do behind any
    write). A failure at any point rolls the whole back: the organisation keeps its data. `bounded=False` (the
    mirror, which writes outside any request) lifts the size bounds of `POST /_sandbox/import`, nothing else.
    """
    if body.format != EXPORT_FORMAT or body.version != EXPORT_VERSION:
        raise SchemaValidationError(f"[format] expected {EXPORT_FORMAT} version {EXPORT_VERSION}")
    known = {t.name: t for t in org_tables()}
    unknown = sorted(set(body.tables) - set(known))
    if unknown:
        raise SchemaValidationError(f"[tables] unknown table '{unknown[0]}'")
    if bounded:
        _check_size(body.tables)
    organisation = _organisation(body.organisation)
    loaded = {
        name: await _load(table, body.tables[name], principal.org_id)
        for name, table in known.items()
        if body.tables.get(name)
    }
    await _check_unique(loaded)
    await _check_references(loaded)
    repo = OrgDataRepository(session)
    await repo.delete_all(principal.org_id)
    await _refuse_foreign_ids(repo, loaded)
    counts: dict[str, int] = {}
    for name, table in known.items():
        rows = _parents_first(table, loaded.get(name, []))
        if not rows:
            continue
        try:
            await repo.insert(table, rows)
        except DBAPIError:  # a rule the checks above do not know of; the request rolls back as a whole
            log.warning("import into table %s failed", name, exc_info=True)
            raise ApiValidationError(
                f"The rows of table {name} could not be imported: they break a rule of the database."
            ) from None
        counts[name] = len(rows)
    org = await repo.organisation(principal.org_id)
    org.clock_frozen_at = organisation.clockFrozenAt
    org.clock_offset_seconds = organisation.clockOffsetSeconds
    mark_org_changed(session)
    return CountsOut(tables=counts)


async def set_learner_start(
    session: AsyncSession, offering_id: str, email: str, body: LearnerStartIn
) -> LearnerStartOut:
    offering = await get_offering(session, offering_id)
    user, membership = await get_member(session, offering, email)
    membership.start_date = body.start
    return LearnerStartOut(offeringId=offering.id, email=user.email, start=body.start or offering.start)
