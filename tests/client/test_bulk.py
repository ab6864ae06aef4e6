"""`offerings.add_users`: each item's own outcome for 201, 207 and 400 (a refused batch is resent item by item)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable

import httpx
import pytest

from openqualify.client import (
    BulkAddResult,
    MissingInfoError,
    ObjectExistsError,
    ObjectNotFoundError,
    SchemaValidationError,
    ServerError,
)

from .conftest import Recorder, body_of

USERS = [{"email": "a@example.com"}, {"email": "b@example.com"}]


def test_201_every_item_added(recorder: Recorder) -> None:
    recorder.reply(201, [{"email": "a@example.com"}, {"email": "b@example.com", "invite": {"url": "u"}}])
    result = recorder.client().offerings.add_users("o1", USERS)
    assert (result.status, result.ok, result.error) == (201, True, None)
    assert [item.email for item in result.added] == ["a@example.com", "b@example.com"]
    assert result.items[1].user.invite.url == "u"


def test_207_mixed_outcomes_in_request_order(recorder: Recorder) -> None:
    recorder.reply(207, [
        {"name": "UserSuspendedError", "details": "suspended", "email": "a@example.com"},
        {"email": "b@example.com"},
    ])  # fmt: skip
    result = recorder.client().offerings.add_users("o1", USERS)
    assert result.status == 207 and not result.ok
    assert [item.index for item in result.failed] == [0]
    failure = result.failed[0].error
    assert (failure.name, failure.details, failure.email, failure.status) == (
        "UserSuspendedError", "suspended", "a@example.com", 400)
    assert result.added[0].email == "b@example.com"


def by_email(errors: dict[str, tuple[int, dict[str, str]]]) -> Callable[[httpx.Request], httpx.Response]:
    """A server that refuses items by e-mail: the batch's answer is built as iQualify's (201, 207, or 400 with
    the first item's error when every item is refused); e-mails not in `errors` are added."""

    def answer(request: httpx.Request) -> httpx.Response:
        items = json.loads(request.content)
        outcomes = [errors.get(item["email"]) for item in items]
        if all(outcomes):
            status, body = outcomes[0]  # type: ignore[misc]
            return httpx.Response(status, json=body)
        elements = [
            {**outcome[1], "email": item["email"]} if outcome else {"email": item["email"]}
            for item, outcome in zip(items, outcomes, strict=True)
        ]
        return httpx.Response(207 if any(outcomes) else 201, json=elements)

    return answer


EXISTS = (400, {"name": "ObjectExistsError", "details": "already a member"})
MISSING = (400, {"name": "MissingInfoError", "details": "The field 'firstName' is missing or invalid."})


def test_400_refused_batch_is_resolved_item_by_item(recorder: Recorder) -> None:
    """The blocker of issue 18: one error for a refused batch is not every item's error."""
    recorder.responses.append(by_email({"a@example.com": EXISTS, "b@example.com": MISSING}))
    result = recorder.client().offerings.add_users("o1", USERS)
    assert isinstance(result.error, ObjectExistsError) and result.status == 400
    assert [type(item.error) for item in result.items] == [ObjectExistsError, MissingInfoError]
    assert [(item.index, item.email) for item in result.items] == [(0, "a@example.com"), (1, "b@example.com")]
    assert result.items[1].error.email == "b@example.com"
    assert [body_of(r) for r in recorder.requests] == [USERS, USERS[:1], USERS[1:]]
    assert result.requests == 3


def test_400_refused_batch_in_the_other_order(recorder: Recorder) -> None:
    recorder.responses.append(by_email({"a@example.com": MISSING, "b@example.com": EXISTS}))
    result = recorder.client().offerings.add_users("o1", USERS)
    assert [item.error.name for item in result.items if item.error] == ["MissingInfoError", "ObjectExistsError"]


def test_400_for_one_item_is_that_items_own_answer(recorder: Recorder) -> None:
    recorder.reply(*MISSING)
    result = recorder.client().offerings.add_users("o1", USERS[:1])
    assert isinstance(result.items[0].error, MissingInfoError) and result.items[0].email == "a@example.com"
    assert len(recorder.requests) == 1 and result.requests == 1


def test_a_resend_that_fails_outright_is_that_items_error(recorder: Recorder) -> None:
    server_error = (500, {"name": "ServerError", "details": "We're sorry, but something went wrong."})
    answers = iter([httpx.Response(400, json=EXISTS[1]), httpx.Response(400, json=EXISTS[1])])

    def answer(request: httpx.Request) -> httpx.Response:
        if len(body_of(request)) == 2:
            return next(answers)
        if body_of(request)[0]["email"] == "b@example.com":
            return httpx.Response(server_error[0], json=server_error[1])
        return next(answers)

    recorder.responses.append(answer)
    result = recorder.client().offerings.add_users("o1", USERS)
    assert isinstance(result.items[0].error, ObjectExistsError)
    assert isinstance(result.items[1].error, ServerError) and result.items[1].email == "b@example.com"
    assert len(recorder.requests) == 3  # a POST answered 500 is not retried: it may have taken effect


def test_refused_batch_resends_at_most_concurrency_at_once(recorder: Recorder) -> None:
    emails = [f"u{i}@example.com" for i in range(9)]
    barrier = threading.Barrier(3, timeout=10)  # broken unless three resends are in flight together
    lock, in_flight, most = threading.Lock(), [0], [0]

    def answer(request: httpx.Request) -> httpx.Response:
        items = body_of(request)
        if len(items) > 1:
            return httpx.Response(MISSING[0], json=MISSING[1])
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        barrier.wait()
        with lock:
            in_flight[0] -= 1
        return httpx.Response(MISSING[0], json=MISSING[1])

    recorder.responses.append(answer)
    result = recorder.client().offerings.add_users("o1", [{"email": e} for e in emails], concurrency=3)
    assert [item.email for item in result.items] == emails and not result.added
    assert most[0] == 3 and result.requests == 10


def test_async_client_resolves_a_refused_batch_too(recorder: Recorder) -> None:
    recorder.responses.append(by_email({"a@example.com": EXISTS, "b@example.com": MISSING}))

    async def run() -> BulkAddResult:
        async with recorder.async_client() as client:
            return await client.offerings.add_users("o1", USERS, concurrency=2)

    result = asyncio.run(run())
    assert [type(item.error) for item in result.items] == [ObjectExistsError, MissingInfoError]
    resent = sorted(json.dumps(body_of(r)) for r in recorder.requests[1:])
    assert resent == [json.dumps(USERS[:1]), json.dumps(USERS[1:])]


def test_short_207_answer_marks_the_rest_failed(recorder: Recorder) -> None:
    recorder.reply(207, [{"email": "a@example.com"}])
    result = recorder.client().offerings.add_users("o1", USERS)
    assert [item.ok for item in result.items] == [True, False]
    assert result.items[1].error.details == "The server returned no result for this item."


def test_other_statuses_raise(recorder: Recorder) -> None:
    recorder.reply(404, {"name": "ObjectNotFoundError", "details": "The offering o9 was not found."})
    with pytest.raises(ObjectNotFoundError):
        recorder.client().offerings.add_users("o9", USERS)


def test_400_schema_error_on_the_whole_body(recorder: Recorder) -> None:
    recorder.reply(400, {"name": "SchemaValidationError", "details": "should NOT have additional properties"})
    result = recorder.client().offerings.add_users("o1", [{"email": "a@example.com", "bogus": 1}])
    assert isinstance(result.error, SchemaValidationError)
    assert recorder.requests[0].content == b'[{"email":"a@example.com","bogus":1}]'
