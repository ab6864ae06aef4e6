"""Per-item outcomes of `POST /offerings/{offeringId}/users` (201, 207 Multi-Status, or 400 for all).

A 400 says only one thing for a whole batch: the server refused every item and sent one error (iQualify's and
OpenQualify's is the first item's). What happened to each of the others is not in the answer, so `add_users`
finds out: it reads the offering's members once (an item whose person is already a member was refused as
`ObjectExistsError`: `already_members`), and sends every other item again alone, since a one-item batch's answer
is that item's own outcome (`resolve_refused`). A refused batch changed nothing, so no item is added twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from ._errors import IQualifyError, ObjectExistsError, error_from_response, make_error
from .models import OfferingUserAddResponse

ITEM_ERROR_STATUS = 400
"""Items of a 207 carry no status of their own; their errors are reported with this one."""

RESEND_CONCURRENCY = 8
"""How many one-item requests find out the items of a refused batch at once (`add_users(concurrency=...)`)."""

PLAIN_KEYS = frozenset(
    {"email", "firstName", "lastName", "personId", "isFacilitator", "isMarker", "isReadonly", "sendInvite",
     "sendNotificationEmail"}
)  # fmt: skip
"""An item with only these keys cannot be refused for its shape once its person is known to be a member (the
server checks the shape first, then membership): a member's plain item is `ObjectExistsError`, as sent alone."""


@dataclass(frozen=True)
class BulkItemResult:
    """What happened to one requested member, at `index` in the request."""

    index: int
    email: str | None
    user: OfferingUserAddResponse | None = None
    error: IQualifyError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class BulkAddResult:
    """Outcomes in request order, each item's own. `status` and `error` are the batch's answer: `error` is set
    when the server refused the whole batch (HTTP 400), whose items' outcomes were then found out (from the
    member list, or each sent again alone); `requests` counts the requests this result took."""

    status: int
    items: list[BulkItemResult] = field(default_factory=list)
    error: IQualifyError | None = None
    requests: int = 1

    @property
    def added(self) -> list[BulkItemResult]:
        return [item for item in self.items if item.ok]

    @property
    def failed(self) -> list[BulkItemResult]:
        return [item for item in self.items if not item.ok]

    @property
    def ok(self) -> bool:
        return all(item.ok for item in self.items)


def _is_error(element: Any) -> bool:
    return isinstance(element, dict) and (
        isinstance(element.get("error"), dict) or ("name" in element and "details" in element)
    )


def bulk_handler(emails: Sequence[str | None]) -> Callable[[httpx.Response], BulkAddResult]:
    """A response handler mapping the answer onto the requested `emails`, in order."""

    def handle(response: httpx.Response) -> BulkAddResult:
        status = response.status_code
        if status == 400:
            whole = error_from_response(response)
            items = [
                BulkItemResult(i, email, error=make_error(400, _with_email(whole, email), response=response))
                for i, email in enumerate(emails)
            ]
            return BulkAddResult(status, items, whole)
        if not response.is_success:
            raise error_from_response(response)
        body = response.json() if response.content else []
        elements = body if isinstance(body, list) else []
        items = []
        for i, email in enumerate(emails):
            element = elements[i] if i < len(elements) else None
            if element is None:
                error = make_error(ITEM_ERROR_STATUS, None, fallback="The server returned no result for this item.")
                items.append(BulkItemResult(i, email, error=error))
            elif _is_error(element):
                error = make_error(ITEM_ERROR_STATUS, element, response=response)
                items.append(BulkItemResult(i, error.email or email, error=error))
            else:
                user = OfferingUserAddResponse.model_validate(element)
                items.append(BulkItemResult(i, user.email or email, user=user))
        return BulkAddResult(status, items)

    return handle


def _with_email(error: IQualifyError, email: str | None) -> dict[str, Any]:
    body = {"name": error.name, "details": error.details}
    if email is not None:
        body["email"] = email
    return body


def already_members(
    batch: BulkAddResult, items: Sequence[dict[str, Any]], members: set[str] | None, offering_id: str
) -> dict[int, BulkItemResult]:
    """The outcomes the member list tells for a refused batch: each plain item whose person is a member (e-mails
    compared case-insensitively) was refused as already in the offering. `members` None: not known."""
    known: dict[int, BulkItemResult] = {}
    for outcome, item in zip(batch.items, items, strict=True):
        email = item.get("email")
        if members is None or not isinstance(email, str) or email.lower() not in members or not set(item) <= PLAIN_KEYS:
            continue
        details = f"The user {email} is already in the offering {offering_id}."
        error = ObjectExistsError(ITEM_ERROR_STATUS, "ObjectExistsError", details, email=email)
        known[outcome.index] = BulkItemResult(outcome.index, email, error=error)
    return known


def resolve_refused(
    batch: BulkAddResult,
    known: dict[int, BulkItemResult],
    resent: Sequence[int],
    answers: Sequence[BulkAddResult | IQualifyError],
    reads: int,
) -> BulkAddResult:
    """`batch` (a 400 for every item) with each item's own outcome: from `known` (the member list), else from the
    answer to the item's own one-item request (`resent[i]` is the index answered by `answers[i]`): that answer's
    item, or the error with which the one-item request failed outright (e.g. a 5xx). `reads`: requests made to
    learn `known`."""
    answered = dict(zip(resent, answers, strict=True))
    items = []
    for item in batch.items:
        if item.index in known:
            items.append(known[item.index])
            continue
        answer = answered[item.index]
        if isinstance(answer, IQualifyError):
            items.append(BulkItemResult(item.index, item.email, error=answer))
        else:
            own = answer.items[0]
            items.append(BulkItemResult(item.index, own.email, user=own.user, error=own.error))
    return BulkAddResult(batch.status, items, batch.error, requests=batch.requests + reads + len(answers))


def refuses_the_batch_itself(error: IQualifyError | None) -> bool:
    """A 400 about the body as a whole (ajv's path `data`, e.g. `data should NOT have more than 10000 items`), not
    about one of its items (`data[3].email ...`): every item shares it, and none is sent again."""
    return error is not None and error.name == "SchemaValidationError" and error.details.startswith("data ")
