"""The organisation's fault rules: add (checked against the contract's routes), list, delete, clear."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.contract import API_PREFIX, error_name, operations, templates
from openqualify.server.db.models import SandboxFaultRule
from openqualify.server.kit.auth import Principal
from openqualify.server.kit.errors import ObjectNotFoundError, SchemaValidationError
from openqualify.server.kit.ids import push_id
from openqualify.server.sandbox.faults.deliveries import DELIVERY_ONLY, checked_delivery_rule, refuse_fields
from openqualify.server.sandbox.faults.repository import FaultRuleRepository
from openqualify.server.sandbox.faults.schemas import FAULT_STATUSES, FaultRuleIn, FaultRuleOut

MAX_RULES = 100  # per organisation
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "*"})


def _check_match(method: str, path: str) -> tuple[str, str]:
    method = method.upper()
    if method not in METHODS:
        raise SchemaValidationError(f"data.match.method should be one of GET, POST, PUT, PATCH, DELETE, *: {method}")
    if path == "*":
        return method, path
    if not path.startswith(API_PREFIX + "/") and path != API_PREFIX + "/*":
        raise SchemaValidationError(
            f"data.match.path should be *, a prefix ending in /* or a route template of the contract, starting "
            f"with {API_PREFIX}/: {path}"
        )
    if path.endswith("/*"):
        return method, path
    template = path[len(API_PREFIX) :].rstrip("/") or "/"
    if template not in templates():
        raise SchemaValidationError(
            f"data.match.path {path} is not a route template of the contract (e.g. "
            f"{API_PREFIX}/offerings/{{offeringId}}/users; use /* at the end for a prefix)"
        )
    if method != "*" and not any(op.method == method and op.template == template for op in operations()):
        raise SchemaValidationError(f"data.match: the contract has no operation {method} {path}")
    return method, API_PREFIX + template


def _checked(body: FaultRuleIn) -> dict[str, Any]:
    if body.target == "deliveries":
        return checked_delivery_rule(body)
    refuse_fields(body, DELIVERY_ONLY, "", "deliveries")
    refuse_fields(body.match, ("eventType", "url"), "match.", "deliveries")
    method, path = _check_match(body.match.method or "*", body.match.path or "*")
    if body.status is not None and body.status not in FAULT_STATUSES:
        allowed = ", ".join(str(s) for s in sorted(FAULT_STATUSES))
        raise SchemaValidationError(f"data.status should be one of {allowed}")
    if body.status is not None and body.drop is not None:
        raise SchemaValidationError("data should have status or drop, not both (a status answers, a drop loses)")
    if body.status is None and body.drop is None and not body.latencyMs and body.latency is None:
        raise SchemaValidationError("data should have at least one of status, drop, latencyMs, latency")
    if body.retryAfter is not None and body.status is None:
        raise SchemaValidationError("data.retryAfter needs a status")
    rule = body.model_dump(exclude_none=True, exclude={"match", *DELIVERY_ONLY})
    rule["match"] = {"method": method, "path": path}
    if body.latency is not None:
        rule["latency"] = body.latency.model_dump(exclude_none=True)
    return rule


def rule_out(row: SandboxFaultRule) -> FaultRuleOut:
    rule = row.rule
    times = rule.get("times")
    return FaultRuleOut(
        id=row.id,
        createdAt=row.created_at,
        **rule,
        name=error_name(rule["status"]) if "status" in rule else None,
        matched=row.matched,
        hits=row.hits,
        exhausted=times is not None and row.hits >= times,
    )


async def add(session: AsyncSession, principal: Principal, body: FaultRuleIn) -> FaultRuleOut:
    rule = _checked(body)
    repo = FaultRuleRepository(session)
    if await repo.count() >= MAX_RULES:
        raise SchemaValidationError(f"an organisation has at most {MAX_RULES} fault rules: delete some first")
    row = await repo.store(
        SandboxFaultRule(id=push_id(), created_at=principal.now(), rule=rule, matched=0, hits=0)
    )
    return rule_out(row)


async def list_rules(session: AsyncSession) -> list[FaultRuleOut]:
    return [rule_out(row) for row in await FaultRuleRepository(session).all()]


async def delete(session: AsyncSession, rule_id: str) -> None:
    repo = FaultRuleRepository(session)
    row = await repo.find(rule_id)
    if row is None:
        raise ObjectNotFoundError.of("fault rule", rule_id)
    await repo.delete(row)


async def clear(session: AsyncSession) -> int:
    return await FaultRuleRepository(session).delete_all()
