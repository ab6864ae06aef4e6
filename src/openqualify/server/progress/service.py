"""Learner activity: progress per offering and per learner, the OData list of all learners, shared social notes
and unit reactions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import Membership, User
from openqualify.server.kit.errors import SchemaValidationError
from openqualify.server.kit.odata import (
    Field,
    Lambda,
    LambdaHandler,
    compile_filter,
    compile_lambda,
    parse_filter,
    parse_orderby,
    parse_top,
)
from openqualify.server.memberships.lookup import get_learner
from openqualify.server.offerings.lookup import get_offering
from openqualify.server.progress import repository as repo
from openqualify.server.progress import schemas
from openqualify.server.users.service import get_user

ALL_PROGRESS_PARAMS = frozenset({"$top", "$orderby", "$filter"})

# `$filter` compares the stored e-mail; `$orderby` sorts on the lower-cased key (indexed, case-insensitive).
_FILTER_FIELDS: dict[str, Field] = {
    "id": Field(User.id, "string"),
    "email": Field(User.email, "string"),
    "firstName": Field(User.first_name, "string"),
    "lastName": Field(User.last_name, "string"),
    "personId": Field(User.person_id, "string"),
}
_ORDER_FIELDS: dict[str, Field] = {**_FILTER_FIELDS, "email": Field(User.email_key, "string")}


# Inside `offerings/any(o: ...)`: the user's learner memberships and their stored completion.
_OFFERING_FIELDS: dict[str, Field] = {
    "id": Field(Membership.offering_id, "string"),
    "completion": Field(repo.COMPLETION, "number"),
}


def _offerings_any(node: Lambda) -> ColumnElement[bool]:
    return repo.learner_offering_exists(compile_lambda(node, _OFFERING_FIELDS))


_COLLECTIONS: Mapping[str, LambdaHandler] = {"offerings": _offerings_any}


async def learners_progress(session: AsyncSession, offering_id: str) -> list[schemas.LearnerProgressOut]:
    offering = await get_offering(session, offering_id)
    return [
        schemas.LearnerProgressOut(
            courseId=offering.content_id,
            email=user.email,
            firstName=user.first_name,
            lastName=user.last_name,
            personId=user.person_id,
            completion=str(completion),
            lastLoggedInAt=membership.last_logged_in_at,
        )
        for user, membership, completion in await repo.offering_learners(session, offering.id)
    ]


def _learner_out(user: User, rows: Iterable[tuple[str, int]]) -> schemas.LearnerOut:
    return schemas.LearnerOut(
        id=user.id,
        email=user.email,
        firstName=user.first_name,
        lastName=user.last_name,
        personId=user.person_id,
        offerings=[schemas.OfferingProgressRow(id=o, completion=str(c)) for o, c in rows],
    )


async def user_progress(session: AsyncSession, email: str) -> schemas.LearnerOut:
    user = await get_user(session, email)
    rows = await repo.learner_offerings(session, [user.id])
    return _learner_out(user, ((offering_id, completion) for _, offering_id, _, completion in rows))


async def user_offering_progress(session: AsyncSession, email: str, offering_id: str) -> schemas.OfferingProgressOut:
    offering = await get_offering(session, offering_id)
    user, _ = await get_learner(session, offering, email)
    return schemas.OfferingProgressOut(
        id=user.id,
        email=user.email,
        firstName=user.first_name,
        lastName=user.last_name,
        completion=str(await repo.completion_of(session, offering.id, user.id)),
    )


def check_query_params(names: Iterable[str], allowed: frozenset[str]) -> None:
    for name in names:
        if name not in allowed:
            raise SchemaValidationError(f"Unknown query parameter '{name}'")


async def all_progress(
    session: AsyncSession, top: str | None, orderby: str | None, filter_text: str | None
) -> schemas.AllProgressOut:
    """One page of learners (in SQL), then their offerings in one IN query: cost follows the page size."""
    limit = parse_top(top)
    where = None
    if filter_text and filter_text.strip():
        where = compile_filter(parse_filter(filter_text), _FILTER_FIELDS, _COLLECTIONS)
    order = parse_orderby(orderby, _ORDER_FIELDS) if orderby and orderby.strip() else [User.email_key.asc()]
    users = await repo.users_page(session, where, [*order, User.id.asc()], limit)
    by_user: dict[str, list[tuple[str, int]]] = {}
    names: dict[str, schemas.OfferingName] = {}
    for user_id, offering_id, name, completion in await repo.learner_offerings(session, [u.id for u in users]):
        by_user.setdefault(user_id, []).append((offering_id, completion))
        names.setdefault(offering_id, schemas.OfferingName(name=name))
    return schemas.AllProgressOut(
        data=schemas.AllProgressData(
            progress=[_learner_out(user, by_user.get(user.id, ())) for user in users], offerings=names
        ),
        top=limit,
    )


async def social_notes(session: AsyncSession, offering_id: str) -> list[schemas.SocialNoteOut]:
    offering = await get_offering(session, offering_id)
    return [
        schemas.SocialNoteOut(
            userId=user.id,
            personId=user.person_id,
            email=user.email,
            firstName=user.first_name,
            lastName=user.last_name,
            pageId=note.page_id,
            paragraphId=note.paragraph_id,
            content=note.content,
        )
        for note, user in await repo.shared_notes(session, offering.id)
    ]


async def unit_reactions(session: AsyncSession, offering_id: str) -> list[schemas.UnitReactionsOut]:
    offering = await get_offering(session, offering_id)
    return [
        schemas.UnitReactionsOut(pageId=page_id, feedback=schemas.ReactionCounts(thumbsUp=up, thumbsDown=down))
        for page_id, up, down in await repo.reaction_counts(session, offering.id)
    ]
