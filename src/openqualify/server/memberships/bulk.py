"""`POST /offerings/{offeringId}/users`: adding many members in one request, item by item.

Every item is judged first (schema, already a member, suspended account, names for a new account) against
users and memberships loaded in a few IN queries; the accepted items are then written as plain rows, in chunks
that leave the event loop free for other requests (`kit.chunks`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.channels import cascade as channels_cascade
from openqualify.server.event_hub import emitters as hub
from openqualify.server.kit.auth import Principal
from openqualify.server.kit.chunks import CHUNK, pause
from openqualify.server.kit.errors import (
    ApiError,
    MissingInfoError,
    ObjectExistsError,
    SchemaValidationError,
)
from openqualify.server.kit.ids import push_id
from openqualify.server.kit.jsonbody import first_error_validator
from openqualify.server.kit.validation import describe
from openqualify.server.memberships import schemas
from openqualify.server.memberships.repository import MembershipRepository
from openqualify.server.offerings.lookup import get_offering_with_course
from openqualify.server.users.repository import Account, UserRepository, email_key
from openqualify.server.users.schemas import InviteOut, ProfileRequestOut, UserMetadataOut
from openqualify.server.users.service import NewUser, invite_url, new_user_values, suspended_error

_ITEM = first_error_validator(schemas.OfferingUserIn)  # an item's first error only (issue 19.1)

AddResult = schemas.OfferingUserAddOut | schemas.ItemErrorOut


@dataclass(slots=True)
class _Accepted:
    item: schemas.OfferingUserIn
    user: Account
    is_new: bool


def already_member_error(email: str, offering_id: str) -> ObjectExistsError:
    return ObjectExistsError(f"The user {email} is already in the offering {offering_id}.")


def _parse(index: int, raw: Any) -> schemas.OfferingUserIn | ApiError:
    try:
        item: schemas.OfferingUserIn = _ITEM.validate_python(raw)
        return item
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        located = {**first, "loc": ("body", index, *first.get("loc", ()))}
        return SchemaValidationError(describe(located))


def _raw_email(raw: Any) -> str | None:
    email = raw.get("email") if isinstance(raw, dict) else None
    return email if isinstance(email, str) else None


def _new_user(item: schemas.OfferingUserIn) -> NewUser:
    return NewUser(
        email=item.email,
        first_name=item.firstName,
        last_name=item.lastName,
        person_id=item.personId,
        display_name=item.profile.displayName if item.profile else None,
        tags=tuple(item.metadata.tags or ()) if item.metadata else (),
    )


def _email(org_id: str, user: Account, kind: str, subject: str, now: datetime, offering_id: str) -> dict[str, Any]:
    """An outbox row, as `users.service.send_email` records one."""
    return {
        "id": push_id(),
        "org_id": org_id,
        "user_id": user.id,
        "kind": kind,
        "subject": subject,
        "offering_id": offering_id,
        "created_at": now,
    }


def _added(accepted: _Accepted) -> schemas.OfferingUserAddOut:
    item = accepted.item
    with_link = accepted.is_new and not item.sendInvite
    return schemas.OfferingUserAddOut(
        email=item.email,
        firstName=item.firstName,
        lastName=item.lastName,
        personId=item.personId,
        metadata=UserMetadataOut(tags=list(item.metadata.tags or [])) if item.metadata else None,
        profile=ProfileRequestOut(displayName=item.profile.displayName) if item.profile else None,
        isFacilitator=item.isFacilitator,
        isMarker=item.isMarker,
        isReadonly=item.isReadonly,
        sendInvite=item.sendInvite,
        sendNotificationEmail=item.sendNotificationEmail,
        invite=InviteOut(url=invite_url(accepted.user)) if with_link else None,
    )


async def add_members(
    session: AsyncSession, principal: Principal, offering_id: str, raw_items: list[Any]
) -> tuple[int, list[AddResult]]:
    """(status, results in request order): 201 all added, 207 mixed; all failed raises the first error."""
    if not raw_items:
        raise SchemaValidationError("data should NOT have fewer than 1 items")
    parsed: list[schemas.OfferingUserIn | ApiError] = []
    for start in range(0, len(raw_items), CHUNK):
        parsed.extend(_parse(start + n, raw) for n, raw in enumerate(raw_items[start : start + CHUNK]))
        await pause()
    valid = [p for p in parsed if isinstance(p, schemas.OfferingUserIn)]
    if not valid:  # a request that is all bad input is a schema error, reported before any lookup
        raise next(p for p in parsed if isinstance(p, ApiError))
    offering, course = await get_offering_with_course(session, offering_id)
    hub.course_known(session, course)  # the events' course block
    now = principal.now()
    users_repo = UserRepository(session)
    repo = MembershipRepository(session)

    users = await users_repo.accounts_by_email(p.email for p in valid)
    members = await repo.member_user_ids(offering.id, [u.id for u in users.values()])

    org_id = principal.org_id
    outcomes: list[_Accepted | ApiError] = []
    added_keys: set[str] = set()
    new_users: list[dict[str, Any]] = []
    for item in parsed:
        if isinstance(item, ApiError):
            outcomes.append(item)
            continue
        key = email_key(item.email)
        user = users.get(key)
        if key in added_keys or (user is not None and user.id in members):
            outcomes.append(already_member_error(user.email if user else item.email, offering.id))
            continue
        if user is not None and user.suspended:
            outcomes.append(suspended_error(user))
            continue
        is_new = user is None
        if user is None:
            missing = "firstName" if not item.firstName else "lastName" if not item.lastName else None
            if missing:
                outcomes.append(MissingInfoError(f"The field '{missing}' is missing or invalid."))
                continue
            # The invitation recorded below is counted in the row itself.
            values = new_user_values(_new_user(item), now, invites_sent=1 if item.sendInvite else 0)
            values["org_id"] = org_id
            new_users.append(values)
            user = Account(values["id"], values["email"], values["email_key"], values["invite_code"], False)
            users[key] = user
        added_keys.add(key)
        outcomes.append(_Accepted(item, user, is_new))

    accepted = [o for o in outcomes if isinstance(o, _Accepted)]
    if not accepted:
        raise next(o for o in outcomes if isinstance(o, ApiError))

    # Plain rows through ORM bulk INSERT: no per-object bookkeeping (and no flush-time stamping, hence org_id).
    await users_repo.insert_many(new_users)  # accounts first: memberships and e-mails refer to them
    await repo.insert_memberships(
        [
            {
                "id": push_id(),
                "org_id": org_id,
                "offering_id": offering.id,
                "user_id": a.user.id,
                "is_facilitator": a.item.isFacilitator,
                "is_marker": a.item.isMarker,
                "is_readonly": a.item.isReadonly,
                "start_date": None,
                "last_logged_in_at": None,
                "created_at": now,
            }
            for a in accepted
        ]
    )
    outbox: list[dict[str, Any]] = []
    for a in accepted:
        if a.is_new and a.item.sendInvite:
            subject = f"You have been invited to {offering.name}"
            outbox.append(_email(org_id, a.user, "invite", subject, now, offering.id))
        elif not a.is_new and a.item.sendNotificationEmail:
            subject = f"You have been added to {offering.name}"
            outbox.append(_email(org_id, a.user, "offering-notification", subject, now, offering.id))
    await repo.insert_emails(outbox)
    learner_ids = [a.user.id for a in accepted if not a.item.isFacilitator and not a.item.isMarker]
    if learner_ids:
        await channels_cascade.on_learners_added(session, offering.id, learner_ids)
    await hub.users_created(session, new_users)
    roles = [(a.user.id, a.item.isFacilitator, a.item.isMarker, a.item.isReadonly) for a in accepted]
    await hub.members_added(session, offering, roles, known=new_users)

    results: list[AddResult] = []
    for index, outcome in enumerate(outcomes):
        if isinstance(outcome, _Accepted):
            results.append(_added(outcome))
        else:
            body = outcome.body()
            results.append(
                schemas.ItemErrorOut(name=body["name"], details=body["details"], email=_raw_email(raw_items[index]))
            )
    status = 201 if len(accepted) == len(outcomes) else 207
    return status, results
