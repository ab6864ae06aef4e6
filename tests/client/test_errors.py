"""Error bodies become exceptions named after the contract's errors."""

from __future__ import annotations

import pytest

import openqualify.client as sdk
from openqualify.client import ClientError, IQualifyError, ObjectNotFoundError, ServerError
from tests.fixtures.sdk import Recorder

CONTRACT_NAMES = [
    "NotAuthorizedError", "AccessDeniedError", "ObjectNotFoundError", "RouteNotFoundError", "TooManyRequestsError",
    "ServerError", "SchemaValidationError", "ApiValidationError", "TextPatternError", "InvalidContentError",
    "IncompatibleParametersError", "OfferingIncompatibleDatesError", "MissingInfoError", "ObjectExistsError",
    "ObjectAlreadyIsError", "ObjectIsNotError", "ObjectInvalidPropertyError", "InvalidParameterError",
    "AssessmentNotSubmittedError", "ContentDoNotMatchError", "InvalidSourceAndTargetError",
    "InvalidGroupChannelError", "InvalidChannelPropertiesError", "UserNotInOfferingError", "UserNotInChannelError",
    "UserSuspendedError", "UserDoesNotHaveBadgeError", "InvalidObjectIdError", "ValidationError",
]  # fmt: skip


@pytest.mark.parametrize("name", CONTRACT_NAMES)
def test_each_contract_error_name_maps_to_its_class(recorder: Recorder, name: str) -> None:
    status = {"NotAuthorizedError": 401, "AccessDeniedError": 403, "ObjectNotFoundError": 404,
              "RouteNotFoundError": 404, "TooManyRequestsError": 429, "ServerError": 500}.get(name, 400)  # fmt: skip
    recorder.reply(status, {"name": name, "details": f"{name} details"})
    with pytest.raises(IQualifyError) as raised:
        recorder.client(retry=sdk.RetryPolicy(max_retries=0)).offerings.get("o1")
    error = raised.value
    assert type(error) is getattr(sdk, name)
    assert (error.status, error.name, error.details) == (status, name, f"{name} details")
    assert isinstance(error, ServerError if status >= 500 else ClientError)
    assert error.response is not None


def test_unknown_names_fall_back_by_status(recorder: Recorder) -> None:
    recorder.reply(418, {"name": "TeapotError", "details": "short and stout"})
    with pytest.raises(ClientError) as raised:
        recorder.client().org.get()
    assert type(raised.value) is ClientError and raised.value.name == "TeapotError"
    recorder.reply(501, {"name": "NotImplementedError", "details": "later"})
    with pytest.raises(ServerError) as server:
        recorder.client().org.get()
    assert type(server.value) is ServerError and server.value.status == 501


def test_wrapped_and_non_json_error_bodies(recorder: Recorder) -> None:
    recorder.reply(404, {"error": {"name": "ObjectNotFoundError", "details": "gone"}})
    with pytest.raises(ObjectNotFoundError) as wrapped:
        recorder.client().offerings.get("o1")
    assert wrapped.value.details == "gone"

    recorder.responses = []
    recorder.responses.append(lambda request: __import__("httpx").Response(400, text="<html>bad</html>"))
    with pytest.raises(ClientError) as html:
        recorder.client().offerings.get("o1")
    assert (html.value.status, html.value.name, html.value.details) == (400, "", "<html>bad</html>")
    assert str(html.value) == "400: <html>bad</html>"


def test_error_as_dict_and_message() -> None:
    error = sdk.ObjectExistsError(400, "ObjectExistsError", "exists", email="a@example.com")
    assert str(error) == "400 ObjectExistsError: exists"
    expected = {"status": 400, "name": "ObjectExistsError", "details": "exists", "email": "a@example.com"}
    assert error.to_dict() == expected
