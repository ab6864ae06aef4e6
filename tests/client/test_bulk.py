"""`offerings.add_users`: each item's own outcome for 201, 207 and 400 (refused: members read, the rest resent)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from openqualify.client import (
    BulkAddResult,
    MissingInfoError,
    ObjectExistsError,
    ObjectNotFoundError,
    RetryPolicy,
    SchemaValidationError,
    ServerError,
)
from tests.fixtures.sdk import Recorder, body_of

USERS = [{"email": "a@example.com"}, {"email": "b@example.com"}]
USER_EMAILS = ("a@example.com", "b@example.com")


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


def by_email(
    errors: dict[str, tuple[int, dict[str, str]]], members: tuple[str, ...] = (), members_status: int = 200
) -> Callable[[httpx.Request], httpx.Response]:
    """A server that refuses items by e-mail, answering a batch as iQualify does (201, 207, or 400 with the first
    item's error when every item is refused; e-mails not in `errors` are added), and listing `members`."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            listed = [{"email": email, "id": f"u{n}"} for n, email in enumerate(members)]
            return httpx.Response(members_status, json=listed if members_status == 200 else ERROR_500)
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
ERROR_500 = {"name": "ServerError", "details": "We're sorry, but something went wrong."}


def sent(recorder: Recorder) -> list[tuple[str, Any]]:
    return [(r.method, body_of(r) if r.method == "POST" else r.url.path) for r in recorder.requests]


def test_400_refused_batch_is_resolved_item_by_item(recorder: Recorder) -> None:
    """The blocker of issue 18: one error for a refused batch is not every item's error."""
    recorder.responses.append(by_email({"a@example.com": EXISTS, "b@example.com": MISSING}, ("A@example.com",)))
    result = recorder.client().offerings.add_users("o1", USERS)
    assert isinstance(result.error, ObjectExistsError) and result.status == 400
    assert [type(item.error) for item in result.items] == [ObjectExistsError, MissingInfoError]
    assert [(item.index, item.email) for item in result.items] == [(0, "a@example.com"), (1, "b@example.com")]
    assert result.items[0].error.details == "The user a@example.com is already in the offering o1."
    assert result.items[1].error.email == "b@example.com"
    # the batch, the members (a is one: no need to ask again), then b alone
    assert sent(recorder) == [("POST", USERS), ("GET", "/v1/offerings/o1/users"), ("POST", USERS[1:])]
    assert result.requests == 3


def test_400_refused_batch_in_the_other_order(recorder: Recorder) -> None:
    recorder.responses.append(by_email({"a@example.com": MISSING, "b@example.com": EXISTS}, ("b@example.com",)))
    result = recorder.client().offerings.add_users("o1", USERS)
    assert [item.error.name for item in result.items if item.error] == ["MissingInfoError", "ObjectExistsError"]
    assert sent(recorder)[2:] == [("POST", USERS[:1])]


def test_a_batch_of_members_costs_two_requests(recorder: Recorder) -> None:
    """A nightly re-run: everyone is already a member, and nobody is sent again."""
    everyone = [{"email": f"p{i}@example.com"} for i in range(200)]
    recorder.responses.append(by_email({p["email"]: EXISTS for p in everyone}, tuple(p["email"] for p in everyone)))
    result = recorder.client().offerings.add_users("o1", everyone)
    assert all(isinstance(item.error, ObjectExistsError) for item in result.items)
    assert len(recorder.requests) == result.requests == 2


def test_a_members_item_that_is_not_plain_is_sent_again(recorder: Recorder) -> None:
    """The server checks an item's shape before membership: a member's item with an unknown key is asked about."""
    details = "data[0] should NOT have additional properties ('role')"
    schema = (400, {"name": "SchemaValidationError", "details": details})
    recorder.responses.append(by_email({"a@example.com": schema, "b@example.com": EXISTS}, USER_EMAILS))
    result = recorder.client().offerings.add_users("o1", [{"email": "a@example.com", "role": "boss"}, USERS[1]])
    assert [type(item.error) for item in result.items] == [SchemaValidationError, ObjectExistsError]
    assert sent(recorder)[2:] == [("POST", [{"email": "a@example.com", "role": "boss"}])]


def test_a_refusal_of_the_batch_itself_is_every_items_and_nothing_is_sent_again(recorder: Recorder) -> None:
    """Too many items (ajv's path `data`, not `data[i]`): sending them one by one would add what was refused."""
    recorder.reply(400, {"name": "SchemaValidationError", "details": "data should NOT have more than 1 items"})
    result = recorder.client().offerings.add_users("o1", USERS)
    assert [type(item.error) for item in result.items] == [SchemaValidationError, SchemaValidationError]
    assert len(recorder.requests) == 1 and result.requests == 1


def test_without_the_member_list_every_item_is_sent_again(recorder: Recorder) -> None:
    recorder.responses.append(by_email({"a@example.com": EXISTS, "b@example.com": MISSING}, members_status=500))
    result = recorder.client(retry=RetryPolicy(max_retries=0)).offerings.add_users("o1", USERS)
    assert [type(item.error) for item in result.items] == [ObjectExistsError, MissingInfoError]
    assert result.items[0].error.details == "already a member"  # the server's own answer
    assert result.requests == len(recorder.requests) == 4


def test_400_for_one_item_is_that_items_own_answer(recorder: Recorder) -> None:
    recorder.reply(*MISSING)
    result = recorder.client().offerings.add_users("o1", USERS[:1])
    assert isinstance(result.items[0].error, MissingInfoError) and result.items[0].email == "a@example.com"
    assert len(recorder.requests) == 1 and result.requests == 1


def test_a_resend_that_fails_outright_is_that_items_error(recorder: Recorder) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=[])
        if len(body_of(request)) == 1 and body_of(request)[0]["email"] == "b@example.com":
            return httpx.Response(500, json=ERROR_500)
        return httpx.Response(400, json=MISSING[1])

    recorder.responses.append(answer)
    result = recorder.client().offerings.add_users("o1", USERS)
    assert isinstance(result.items[0].error, MissingInfoError)
    assert isinstance(result.items[1].error, ServerError) and result.items[1].email == "b@example.com"
    assert len(recorder.requests) == 4  # a POST answered 500 is not retried: it may have taken effect


def test_refused_batch_resends_at_most_concurrency_at_once(recorder: Recorder) -> None:
    emails = [f"u{i}@example.com" for i in range(9)]
    barrier = threading.Barrier(3, timeout=10)  # broken unless three resends are in flight together
    lock, in_flight, most = threading.Lock(), [0], [0]

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=[])
        if len(body_of(request)) > 1:
            return httpx.Response(400, json=MISSING[1])
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        barrier.wait()
        with lock:
            in_flight[0] -= 1
        return httpx.Response(400, json=MISSING[1])

    recorder.responses.append(answer)
    result = recorder.client().offerings.add_users("o1", [{"email": e} for e in emails], concurrency=3)
    assert [item.email for item in result.items] == emails and not result.added
    assert most[0] == 3 and result.requests == 11


def test_async_client_resolves_a_refused_batch_too(recorder: Recorder) -> None:
    recorder.responses.append(by_email({"a@example.com": EXISTS, "b@example.com": MISSING}, ("a@example.com",)))

    async def run() -> BulkAddResult:
        async with recorder.async_client() as client:
            return await client.offerings.add_users("o1", USERS, concurrency=2)

    result = asyncio.run(run())
    assert [type(item.error) for item in result.items] == [ObjectExistsError, MissingInfoError]
    assert sent(recorder) == [("POST", USERS), ("GET", "/v1/offerings/o1/users"), ("POST", USERS[1:])]


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
    assert body_of(recorder.requests[0]) == [{"email": "a@example.com", "bogus": 1}]  # the unknown key is sent
