"""`/offerings/{offeringId}/users...` (members and marker lists) and `/users/{userEmail}/{transfer,offerings}`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Path, Query, Response

from openqualify.server.kit.deps import BulkLimit, PrincipalDep, SessionDep, UserEmailPath
from openqualify.server.kit.errors import SchemaValidationError
from openqualify.server.kit.reads import ReadContextDep
from openqualify.server.kit.routing import api_router
from openqualify.server.kit.validation import Str, check_bulk_size
from openqualify.server.memberships import bulk, schemas, service
from openqualify.server.offerings.schemas import OfferingOut

router = api_router(tags=["Offering learners"])

OfferingIdPath = Annotated[str, Path(alias="offeringId")]
# The contract gives markerEmail no format: any value is looked up, and a non-member is a 404.
MarkerEmailPath = Annotated[str, Path(alias="markerEmail")]
StrList = Annotated[list[Str], Body()]


def _flag(name: str, value: str) -> bool:
    """The contract's "true"/"false" query strings."""
    if value not in ("true", "false"):
        raise SchemaValidationError(f"[{name}] {value} should be equal to one of the allowed values true, false")
    return value == "true"


@router.read("/offerings/{offeringId}/users", model=list[schemas.OfferingUserResponseOut])
async def list_members(
    ctx: ReadContextDep,
    offeringId: str,
    facilitators: Annotated[str, Query()] = "true",
    learners: Annotated[str, Query()] = "true",
    markers: Annotated[str, Query()] = "true",
) -> list[schemas.OfferingUserResponseOut]:
    roles = {
        "facilitators": _flag("facilitators", facilitators),
        "learners": _flag("learners", learners),
        "markers": _flag("markers", markers),
    }
    return await service.list_members(await ctx.session(), offeringId, **roles)


@router.post(
    "/offerings/{offeringId}/users",
    status_code=201,
    response_model=list[schemas.OfferingUserAddOut | schemas.ItemErrorOut],
)
async def add_members(
    principal: PrincipalDep,
    session: SessionDep,
    response: Response,
    offering_id: OfferingIdPath,
    items: Annotated[list[Any], Body()],
    bulk_limit: BulkLimit,
) -> list[bulk.AddResult]:
    check_bulk_size(items, bulk_limit)
    status, results = await bulk.add_members(session, principal, offering_id, items)
    response.status_code = status
    return results


@router.delete("/offerings/{offeringId}/users/{userEmail}", status_code=204, response_class=Response)
async def remove_member(
    principal: PrincipalDep, session: SessionDep, offering_id: OfferingIdPath, email: UserEmailPath
) -> None:
    await service.remove_member(session, offering_id, email)


@router.read("/offerings/{offeringId}/users/{markerEmail}/marks", model=list[schemas.OfferingUserOut])
async def marked_learners(ctx: ReadContextDep, offeringId: str, markerEmail: str) -> list[schemas.OfferingUserOut]:
    return await service.marked_learners(await ctx.session(), offeringId, markerEmail)


@router.post("/offerings/{offeringId}/users/{markerEmail}/marks", response_model=list[schemas.OfferingUserOut])
async def assign_learners(
    principal: PrincipalDep,
    session: SessionDep,
    offering_id: OfferingIdPath,
    marker_email: MarkerEmailPath,
    emails: StrList,
    bulk_limit: BulkLimit,
) -> list[schemas.OfferingUserOut]:
    check_bulk_size(emails, bulk_limit)
    return await service.assign_learners(session, principal, offering_id, marker_email, emails)


@router.delete("/offerings/{offeringId}/users/{markerEmail}/marks", response_model=list[schemas.OfferingUserOut])
async def unassign_learners(
    principal: PrincipalDep,
    session: SessionDep,
    offering_id: OfferingIdPath,
    marker_email: MarkerEmailPath,
    emails: StrList,
    bulk_limit: BulkLimit,
) -> list[schemas.OfferingUserOut]:
    check_bulk_size(emails, bulk_limit)
    return await service.unassign_learners(session, offering_id, marker_email, emails)


@router.patch("/users/{userEmail}/transfer", status_code=200, response_class=Response)
async def transfer(
    principal: PrincipalDep, session: SessionDep, email: UserEmailPath, body: schemas.TransferRequest
) -> Response:
    await service.transfer(session, principal, email, body)
    return Response(status_code=200)


users_router = api_router(tags=["Users in iQualify"])


@users_router.read("/users/{userEmail}/offerings", model=list[OfferingOut])
async def user_offerings(ctx: ReadContextDep, userEmail: UserEmailPath) -> list[OfferingOut]:
    return await service.user_offerings(await ctx.session(), userEmail)


@users_router.post("/users/{userEmail}/offerings", response_model=list[OfferingOut])
async def enrol_in_offerings(
    principal: PrincipalDep, session: SessionDep, email: UserEmailPath, offering_ids: StrList, bulk_limit: BulkLimit
) -> list[OfferingOut]:
    check_bulk_size(offering_ids, bulk_limit)
    return await service.enrol_in_offerings(session, principal, email, offering_ids)


router.routes.extend(users_router.routes)
