"""Exceptions raised by the SDK, one class per error name the contract defines.

Every API failure is an `IQualifyError` carrying the HTTP `status`, the contract's error `name` and the
human-readable `details`. Names the SDK does not know map by status to `ClientError` (4xx) or `ServerError`
(5xx). Transport failures (DNS, refused connection, timeout) raise `APIConnectionError`.
"""

from __future__ import annotations

from typing import Any

import httpx


class IQualifyError(Exception):
    """Base of every error reported by the API; `status`, `name` and `details` mirror the response."""

    default_status = 0

    def __init__(
        self,
        status: int,
        name: str,
        details: str,
        *,
        email: str | None = None,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(f"{status} {name}: {details}" if name else f"{status}: {details}")
        self.status = status
        self.name = name
        self.details = details
        self.email = email
        self.response = response

    def to_dict(self) -> dict[str, Any]:
        """The error as the API's flat JSON body (plus `status`, and `email` for bulk items)."""
        body: dict[str, Any] = {"status": self.status, "name": self.name, "details": self.details}
        if self.email is not None:
            body["email"] = self.email
        return body


class ClientError(IQualifyError):
    """A 4xx answer: the request was refused and retrying it unchanged will not help."""


class ServerError(IQualifyError):
    """A 5xx answer (also the contract's `ServerError`, 500)."""


class APIConnectionError(IQualifyError):
    """No HTTP answer at all: connection refused, DNS failure, protocol error."""

    def __init__(self, details: str, *, cause: BaseException | None = None) -> None:
        super().__init__(0, "ConnectionError", details)
        self.__cause__ = cause


class APITimeoutError(APIConnectionError):
    """The request timed out before an answer arrived."""


# 4xx errors named by the contract; `_STATUS` gives the status they normally come with.
class NotAuthorizedError(ClientError): ...
class AccessDeniedError(ClientError): ...
class ObjectNotFoundError(ClientError): ...
class RouteNotFoundError(ClientError): ...
class TooManyRequestsError(ClientError): ...
class SchemaValidationError(ClientError): ...
class ApiValidationError(ClientError): ...
class TextPatternError(ClientError): ...
class InvalidContentError(ClientError): ...
class IncompatibleParametersError(ClientError): ...
class OfferingIncompatibleDatesError(ClientError): ...
class MissingInfoError(ClientError): ...
class ObjectExistsError(ClientError): ...
class ObjectAlreadyIsError(ClientError): ...
class ObjectIsNotError(ClientError): ...
class ObjectInvalidPropertyError(ClientError): ...
class InvalidParameterError(ClientError): ...
class AssessmentNotSubmittedError(ClientError): ...
class ContentDoNotMatchError(ClientError): ...
class InvalidSourceAndTargetError(ClientError): ...
class InvalidGroupChannelError(ClientError): ...
class InvalidChannelPropertiesError(ClientError): ...
class UserNotInOfferingError(ClientError): ...
class UserNotInChannelError(ClientError): ...
class UserSuspendedError(ClientError): ...
class UserDoesNotHaveBadgeError(ClientError): ...
class InvalidObjectIdError(ClientError): ...
class ValidationError(ClientError): ...


NAMED_ERRORS: dict[str, type[IQualifyError]] = {
    cls.__name__: cls
    for cls in (
        NotAuthorizedError, AccessDeniedError, ObjectNotFoundError, RouteNotFoundError, TooManyRequestsError,
        ServerError, SchemaValidationError, ApiValidationError, TextPatternError, InvalidContentError,
        IncompatibleParametersError, OfferingIncompatibleDatesError, MissingInfoError, ObjectExistsError,
        ObjectAlreadyIsError, ObjectIsNotError, ObjectInvalidPropertyError, InvalidParameterError,
        AssessmentNotSubmittedError, ContentDoNotMatchError, InvalidSourceAndTargetError,
        InvalidGroupChannelError, InvalidChannelPropertiesError, UserNotInOfferingError, UserNotInChannelError,
        UserSuspendedError, UserDoesNotHaveBadgeError, InvalidObjectIdError, ValidationError,
    )
}


def error_class(name: str, status: int) -> type[IQualifyError]:
    """The class for an error `name`; unknown names fall back to a generic class chosen by `status`."""
    named = NAMED_ERRORS.get(name)
    if named is not None:
        return named
    return ServerError if status >= 500 else ClientError


def make_error(
    status: int, body: Any, *, response: httpx.Response | None = None, fallback: str = ""
) -> IQualifyError:
    """Build the exception for an error body: flat `{name, details}`, or the contract's `{error: {...}}`."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        body = body["error"]
    if isinstance(body, dict):
        name = str(body.get("name") or "")
        details = str(body.get("details") or body.get("message") or fallback)
        email = body.get("email")
    else:
        name, details, email = "", fallback, None
    return error_class(name, status)(
        status, name, details, email=email if isinstance(email, str) else None, response=response
    )


def error_from_response(response: httpx.Response) -> IQualifyError:
    """The exception for an unsuccessful HTTP response, tolerating bodies that are not JSON."""
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    fallback = response.text.strip() or response.reason_phrase or f"HTTP {response.status_code}"
    return make_error(response.status_code, body, response=response, fallback=fallback)
