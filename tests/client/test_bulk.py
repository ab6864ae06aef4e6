"""`offerings.add_users`: per-item outcomes for 201, 207 and 400."""

from __future__ import annotations

import pytest

from openqualify.client import ObjectExistsError, ObjectNotFoundError, SchemaValidationError

from .conftest import Recorder

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


def test_400_whole_request_failed_is_a_result_not_an_exception(recorder: Recorder) -> None:
    recorder.reply(400, {"name": "ObjectExistsError", "details": "a@example.com is already a member"})
    result = recorder.client().offerings.add_users("o1", USERS)
    assert isinstance(result.error, ObjectExistsError)
    assert [item.email for item in result.failed] == ["a@example.com", "b@example.com"]
    assert all(isinstance(item.error, ObjectExistsError) for item in result.items)
    assert result.items[1].error.email == "b@example.com"


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
