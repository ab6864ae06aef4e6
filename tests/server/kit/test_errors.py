"""The contract's named errors are real classes: one per name, its status and name as class attributes, the flat
body unchanged, and the same names the SDK turns back into its own classes."""

from __future__ import annotations

import inspect

from openqualify.client._errors import NAMED_ERRORS
from openqualify.server.kit import errors
from openqualify.server.kit.errors import ApiError

STATUS_BY_NAME = {
    "NotAuthorizedError": 401,
    "AccessDeniedError": 403,
    "ObjectNotFoundError": 404,
    "RouteNotFoundError": 404,
    "TooManyRequestsError": 429,
    "ServerError": 500,
}
SERVER_ERROR_503 = {"ServerBusyError", "DatabaseUnavailableError", "CommitUncertainError", "StatementTimeoutError"}


def _classes() -> dict[str, type[ApiError]]:
    return {
        name: cls
        for name, cls in vars(errors).items()
        if inspect.isclass(cls) and issubclass(cls, ApiError) and cls is not ApiError
    }


def test_one_class_per_contract_name_each_defined_in_the_module() -> None:
    classes = _classes()
    named = {name: cls for name, cls in classes.items() if name not in SERVER_ERROR_503}
    assert sorted(named) == sorted(NAMED_ERRORS)  # the SDK knows every name the server sends, and no other
    for name, cls in named.items():
        assert cls.__module__ == errors.__name__ and cls.__qualname__ == name
        assert cls.name == name
        assert cls.status_code == STATUS_BY_NAME.get(name, 400), name


def test_the_503s_are_the_contracts_server_error() -> None:
    classes = _classes()
    for name in SERVER_ERROR_503:
        assert classes[name].name == "ServerError" and classes[name].status_code == 503


def test_body_and_headers_are_the_flat_shape() -> None:
    details = "The user ann@example.com is not in the offering o1."
    error = errors.UserNotInOfferingError(details)
    assert isinstance(error, ApiError) and error.status_code == 400 and error.headers is None
    assert error.body() == {"name": "UserNotInOfferingError", "details": details}
    busy = errors.ServerBusyError(2)
    assert busy.body()["name"] == "ServerError" and busy.headers == {"Retry-After": "2"}
    assert errors.ObjectNotFoundError.of("offering", "o1").body() == {
        "name": "ObjectNotFoundError",
        "details": "The offering o1 was not found.",
    }
