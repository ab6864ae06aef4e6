"""The fault rules' SQL: the control plane's unit of work (ORM, organisation-scoped by `kit.tenancy`), and the
two statements the middleware runs on every sandbox request to `/v1` (Core, keyed by the token itself)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from openqualify.server.db.models import ApiToken, Organisation, SandboxFaultRule
from openqualify.server.kit.repository import Repository

_ORDER = (SandboxFaultRule.created_at, SandboxFaultRule.id)


class FaultRuleRepository(Repository):
    async def all(self) -> list[SandboxFaultRule]:
        return await self.scalars(select(SandboxFaultRule).order_by(*_ORDER))

    async def count(self) -> int:
        return int((await self.session.execute(select(func.count()).select_from(SandboxFaultRule))).scalar_one())

    async def find(self, rule_id: str) -> SandboxFaultRule | None:
        return await self.one_or_none(select(SandboxFaultRule).where(SandboxFaultRule.id == rule_id))

    async def delete_all(self) -> int:
        result = await self.session.execute(delete(SandboxFaultRule))
        return int(getattr(result, "rowcount", 0) or 0)


# The token's organisation and its rules in one statement (an outer join: an organisation without rules is one
# row of NULL rule columns), so that a request pays a single indexed lookup whether or not faults are set.
RULES_BY_TOKEN = (
    select(
        ApiToken.org_id,
        SandboxFaultRule.id.label("rule_id"),
        SandboxFaultRule.rule,
        SandboxFaultRule.matched,
        SandboxFaultRule.hits,
    )
    .join(Organisation, Organisation.id == ApiToken.org_id)
    .outerjoin(SandboxFaultRule, SandboxFaultRule.org_id == ApiToken.org_id)
    .where(
        ApiToken.token_hash == bindparam("token_hash"),
        ApiToken.revoked_at.is_(None),
        Organisation.api_enabled.is_(True),
    )
    .order_by(*_ORDER)
)

_COUNT_MATCH = (
    update(SandboxFaultRule)
    .where(SandboxFaultRule.id == bindparam("rule_id"))
    .values(matched=SandboxFaultRule.matched + 1)
    .returning(SandboxFaultRule.matched, SandboxFaultRule.hits)
)
_COUNT_HIT = (
    update(SandboxFaultRule)
    .where(SandboxFaultRule.id == bindparam("rule_id"), SandboxFaultRule.hits < bindparam("limit"))
    .values(hits=SandboxFaultRule.hits + 1)
)


async def count_match(connection: AsyncConnection, rule_id: str) -> tuple[int, int] | None:
    """Count one more matching request: (matched, hits) after it, or None if the rule was deleted meanwhile."""
    row = (await connection.execute(_COUNT_MATCH, {"rule_id": rule_id})).first()
    return None if row is None else (int(row[0]), int(row[1]))


async def count_hit(connection: AsyncConnection, rule_id: str, limit: int | None) -> bool:
    """Count one more injected fault unless the rule has reached `limit` (its `times`) meanwhile."""
    result: Any = await connection.execute(_COUNT_HIT, {"rule_id": rule_id, "limit": limit or 2**31 - 1})
    return bool(result.rowcount)
