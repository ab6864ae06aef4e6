"""Learner activity: progress per offering and per learner, the OData list of all learners, shared social notes
and unit reactions."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.db.models import Membership, User
from openqualify.server.kit.errors import SchemaValidationError
from openqualify.server.kit.json_rows import objects
from openqualify.server.kit.odata import (
    And,
    Call,
    Collection,
    Compare,
    Field,
    FieldRef,
    Lambda,
    LambdaHandler,
    Node,
    Not,
    Or,
    Value,
    compile_filter,
    compile_lambda,
    explained,
    parse_filter,
    parse_orderby,
    parse_top,
)
from openqualify.server.kit.reads import ReadContext
from openqualify.server.memberships.lookup import get_learner
from openqualify.server.offerings.lookup import get_offering, get_offering_row
from openqualify.server.progress import repository as repo
from openqualify.server.progress import schemas
from openqualify.server.progress.repository import ProgressRepository
from openqualify.server.users.lookup import get_user
from openqualify.server.users.schemas import person

ALL_PROGRESS_PARAMS = frozenset({"$top", "$orderby", "$filter"})

# `$filter` compares the stored e-mail; its case-insensitive functions (and `tolower`) read the lower-cased key,
# which is lower(email) (e-mails are ASCII) and has an index and statistics; `$orderby` sorts on the key.
_FILTER_FIELDS: dict[str, Field] = {
    "id": Field(User.id, "string"),
    "email": Field(User.email, "string", lowered=User.email_key),
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


def _pinned_offering(node: Lambda) -> str | None:
    """The offering id of `offerings/any(o: o/id eq 'X' [and ...])`, else None."""
    body = node.body
    if body is None:
        return None
    for term in body.operands if isinstance(body, And) else (body,):
        if isinstance(term, Compare) and term.op == "eq":
            sides = (term.left, term.right)
            for ref, value in (sides, sides[::-1]):
                if (
                    ref == FieldRef("id", node.variable)
                    and isinstance(value, Value)
                    and value.kind == "string"
                    and isinstance(value.value, str)
                ):
                    return value.value
    return None


def _lambdas(node: Node) -> Iterator[Lambda]:
    """The top-level `any(...)` nodes of a filter."""
    if isinstance(node, Lambda):
        yield node
    elif isinstance(node, (And, Or)):
        for operand in node.operands:
            yield from _lambdas(operand)
    elif isinstance(node, Not):
        yield from _lambdas(node.operand)
    elif isinstance(node, Compare):
        yield from _lambdas(node.left)
        yield from _lambdas(node.right)
    elif isinstance(node, Call):
        for arg in node.args:
            yield from _lambdas(arg)


# Organisation size the plan choice below is tuned for.
_PLANNED_ORG_USERS = 100_000
# At most this many pinned offerings are sized per request; the others keep the EXISTS form.
_MAX_SIZED_OFFERINGS = 4


def _offerings_handler(small: frozenset[str]) -> LambdaHandler:
    """`offerings/any(...)`: a correlated EXISTS, which walks the users in page order and probes each one's
    memberships (cost ~ page size x organisation / offering learners); for an offering in `small`, the same
    test written as IN (its learners), which starts from its memberships (cost ~ its learners)."""

    def handle(node: Lambda) -> ColumnElement[bool]:
        condition = compile_lambda(node, _OFFERING_FIELDS)
        pinned = _pinned_offering(node)
        if pinned is not None and pinned in small:
            return repo.learner_in_offering(pinned, condition)
        return repo.learner_offering_exists(condition)

    return handle


_COLLECTIONS: Mapping[str, LambdaHandler] = {
    "offerings": Collection(_offerings_handler(frozenset()), _OFFERING_FIELDS)
}


async def _small_offerings(session: AsyncSession, tree: Node, limit: int) -> frozenset[str]:
    """Pinned offerings small enough to drive the query: fewer members than sqrt(page x organisation), where
    starting from the offering beats walking the users.

    SQLite only: it has no per-value statistics and follows the written form, while PostgreSQL plans both
    forms alike from its statistics (checked with EXPLAIN ANALYZE), so there the count would only add a query.
    """
    if session.get_bind().dialect.name != "sqlite":
        return frozenset()
    pinned = {offering_id for node in _lambdas(tree) if (offering_id := _pinned_offering(node))}
    if not pinned or len(pinned) > _MAX_SIZED_OFFERINGS:
        return frozenset()
    cap = math.isqrt(limit * _PLANNED_ORG_USERS)
    sizes = await ProgressRepository(session).offering_sizes(sorted(pinned), cap)
    return frozenset(offering_id for offering_id, size in sizes.items() if size < cap)


_LEARNER_PROGRESS_KEYS = ("courseId", "email", "firstName", "lastName", "personId", "completion", "lastLoggedInAt")


async def learners_progress(ctx: ReadContext, offering_id: str) -> list[dict[str, Any]]:
    """`LearnerProgressResponse` rows as JSON-ready dicts (`kit.json_rows`): this list runs to thousands of rows."""
    offering = await get_offering_row(ctx, offering_id)
    return objects(_LEARNER_PROGRESS_KEYS, await repo.read_offering_learners(ctx, offering.id, offering.content_id))


def _learner_out(user: User, rows: Iterable[tuple[str, int]]) -> schemas.LearnerOut:
    return schemas.LearnerOut(
        id=user.id,
        **person(user),
        offerings=[schemas.OfferingProgressRow(id=o, completion=str(c)) for o, c in rows],
    )


async def user_progress(session: AsyncSession, email: str) -> schemas.LearnerOut:
    user = await get_user(session, email)
    rows = await ProgressRepository(session).learner_offerings([user.id])
    return _learner_out(user, ((offering_id, completion) for _, offering_id, _, completion in rows))


async def user_offering_progress(session: AsyncSession, email: str, offering_id: str) -> schemas.OfferingProgressOut:
    offering = await get_offering(session, offering_id)
    user, _ = await get_learner(session, offering, email)
    return schemas.OfferingProgressOut(
        id=user.id,
        email=user.email,
        firstName=user.first_name,
        lastName=user.last_name,
        completion=str(await ProgressRepository(session).completion_of(offering.id, user.id)),
    )


def check_query_params(names: Iterable[str], allowed: frozenset[str]) -> None:
    for name in names:
        if name not in allowed:
            raise SchemaValidationError(f"Unknown query parameter '{name}'")


async def all_progress(
    session: AsyncSession, top: str | None, orderby: str | None, filter_text: str | None
) -> dict[str, Any]:
    """One page of learners (in SQL), then their offerings in one IN query: cost follows the page size. The
    answer is `AllProgressOut` as JSON-ready values (`kit.json_rows`): pages run to a thousand learners."""
    limit = parse_top(top)
    with explained(_FILTER_FIELDS, _COLLECTIONS):
        tree = parse_filter(filter_text) if filter_text and filter_text.strip() else None
        where = None if tree is None else compile_filter(tree, _FILTER_FIELDS, _COLLECTIONS)
    order = parse_orderby(orderby, _ORDER_FIELDS) if orderby and orderby.strip() else [User.email_key.asc()]
    if tree is not None:  # the query is valid: now choose how to run `offerings/any(o: o/id eq ...)`
        small = await _small_offerings(session, tree, limit)
        if small:
            where = compile_filter(tree, _FILTER_FIELDS, {"offerings": _offerings_handler(small)})
    users = await ProgressRepository(session).users_page(where, [*order, User.id.asc()], limit)
    progress = objects(("id", "email", "firstName", "lastName", "personId"), users)
    by_user: dict[str, list[dict[str, str]]] = {}
    for learner in progress:
        learner["offerings"] = by_user[learner["id"]] = []
    names: dict[str, dict[str, str]] = {}
    for user_id, offering_id, name, completion in await ProgressRepository(session).learner_offerings(list(by_user)):
        by_user[user_id].append({"id": offering_id, "completion": str(completion)})
        names.setdefault(offering_id, {"name": name})
    return {"data": {"progress": progress, "offerings": names}, "top": limit}


_NOTE_KEYS = (
    "userId", "personId", "email", "firstName", "lastName", "pageId", "social-note-paragraphId", "social-note-content"
)


async def social_notes(ctx: ReadContext, offering_id: str) -> list[dict[str, Any]]:
    """`SocialNotesResponse` rows as JSON-ready dicts (two keys are hyphenated on the wire)."""
    offering = await get_offering_row(ctx, offering_id)
    return objects(_NOTE_KEYS, await repo.read_shared_notes(ctx, offering.id))


async def unit_reactions(ctx: ReadContext, offering_id: str) -> list[dict[str, Any]]:
    """`UnitReactionsAnalyticsResponse` rows as JSON-ready dicts."""
    offering = await get_offering_row(ctx, offering_id)
    return [
        {"pageId": page_id, "feedback": {"thumbs-up": up, "thumbs-down": down}}
        for page_id, up, down in await repo.read_reaction_counts(ctx, offering.id)
    ]
