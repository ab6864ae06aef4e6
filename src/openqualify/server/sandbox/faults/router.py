"""`/_sandbox/faults`: the organisation's fault and latency rules (applied by `faults.middleware`)."""

from __future__ import annotations

from fastapi import Response

from openqualify.server.kit.deps import PrincipalDep, SessionDep
from openqualify.server.kit.routing import api_router
from openqualify.server.sandbox.faults import schemas, service

router = api_router(tags=["Sandbox"], prefix="/_sandbox")


@router.post("/faults", status_code=201, response_model=schemas.FaultRuleOut)
async def add_fault(principal: PrincipalDep, session: SessionDep, body: schemas.FaultRuleIn) -> schemas.FaultRuleOut:
    """Add a rule: requests to `/v1` matching `match` (a method or `*`; a contract route template, a prefix
    ending in `/*`, or `*`) get a `status` answer (not run), a `drop`ped connection, or a delay (`latencyMs`,
    `latency`), with an optional `probability` (reproducible with `seed`), `times` and `every`."""
    return await service.add(session, principal, body)


@router.get("/faults", response_model=list[schemas.FaultRuleOut])
async def list_faults(principal: PrincipalDep, session: SessionDep) -> list[schemas.FaultRuleOut]:
    """The organisation's rules in the order they apply, with how often each matched and fired."""
    return await service.list_rules(session)


@router.delete("/faults/{faultId}", status_code=204)
async def delete_fault(principal: PrincipalDep, session: SessionDep, faultId: str) -> Response:
    await service.delete(session, faultId)
    return Response(status_code=204)


@router.delete("/faults", response_model=schemas.FaultsCleared)
async def clear_faults(principal: PrincipalDep, session: SessionDep) -> schemas.FaultsCleared:
    """Delete every rule of the organisation (`POST /_sandbox/reset` does too)."""
    return schemas.FaultsCleared(deleted=await service.clear(session))
