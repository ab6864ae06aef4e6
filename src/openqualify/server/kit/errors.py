"""The contract's named errors, one class per name, with its status. Services raise these; one handler renders them
as `{"name", "details"}` (`middleware.errors`). The 503s share the contract's `ServerError` name."""

from __future__ import annotations


class ApiError(Exception):
    """Base of every error the API reports by name."""

    status_code = 400
    name = "ApiError"

    def __init__(self, details: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(details)
        self.details = details
        self.headers = headers

    def body(self) -> dict[str, str]:
        return {"name": self.name, "details": self.details}


class NotAuthorizedError(ApiError):
    """The bearer token is missing, malformed, unknown or revoked."""

    status_code = 401
    name = "NotAuthorizedError"


class AccessDeniedError(ApiError):
    """The token's organisation may not use the API."""

    status_code = 403
    name = "AccessDeniedError"


class RouteNotFoundError(ApiError):
    """No route matches the method and path."""

    status_code = 404
    name = "RouteNotFoundError"


class TooManyRequestsError(ApiError):
    """The token or address has used up its requests for the window."""

    status_code = 429
    name = "TooManyRequestsError"


class ServerError(ApiError):
    """An unexpected failure on the server's side."""

    status_code = 500
    name = "ServerError"


class SchemaValidationError(ApiError):
    status_code = 400
    name = "SchemaValidationError"


class ApiValidationError(ApiError):
    status_code = 400
    name = "ApiValidationError"


class TextPatternError(ApiError):
    status_code = 400
    name = "TextPatternError"


class InvalidContentError(ApiError):
    status_code = 400
    name = "InvalidContentError"


class IncompatibleParametersError(ApiError):
    status_code = 400
    name = "IncompatibleParametersError"


class OfferingIncompatibleDatesError(ApiError):
    status_code = 400
    name = "OfferingIncompatibleDatesError"


class MissingInfoError(ApiError):
    status_code = 400
    name = "MissingInfoError"


class ObjectExistsError(ApiError):
    status_code = 400
    name = "ObjectExistsError"


class ObjectAlreadyIsError(ApiError):
    status_code = 400
    name = "ObjectAlreadyIsError"


class ObjectIsNotError(ApiError):
    status_code = 400
    name = "ObjectIsNotError"


class ObjectInvalidPropertyError(ApiError):
    status_code = 400
    name = "ObjectInvalidPropertyError"


class InvalidParameterError(ApiError):
    status_code = 400
    name = "InvalidParameterError"


class AssessmentNotSubmittedError(ApiError):
    status_code = 400
    name = "AssessmentNotSubmittedError"


class ContentDoNotMatchError(ApiError):
    status_code = 400
    name = "ContentDoNotMatchError"


class InvalidSourceAndTargetError(ApiError):
    status_code = 400
    name = "InvalidSourceAndTargetError"


class InvalidGroupChannelError(ApiError):
    status_code = 400
    name = "InvalidGroupChannelError"


class InvalidChannelPropertiesError(ApiError):
    status_code = 400
    name = "InvalidChannelPropertiesError"


class UserNotInOfferingError(ApiError):
    status_code = 400
    name = "UserNotInOfferingError"


class UserNotInChannelError(ApiError):
    status_code = 400
    name = "UserNotInChannelError"


class UserSuspendedError(ApiError):
    status_code = 400
    name = "UserSuspendedError"


class UserDoesNotHaveBadgeError(ApiError):
    status_code = 400
    name = "UserDoesNotHaveBadgeError"


class InvalidObjectIdError(ApiError):
    status_code = 400
    name = "InvalidObjectIdError"


class ValidationError(ApiError):
    status_code = 400
    name = "ValidationError"


class ServerBusyError(ApiError):
    """A request waited its whole lock timeout behind other writers: nothing was changed, try again."""

    status_code = 503
    name = "ServerError"  # the contract's name for server-side failures; 503 says it is temporary

    def __init__(self, retry_after_seconds: int = 1) -> None:
        super().__init__(
            "The server is busy: the request changed nothing, try again shortly.",
            {"Retry-After": str(retry_after_seconds)},
        )


class DatabaseUnavailableError(ApiError):
    """The database could not be reached for a while (a restart, a failover, an outage): nothing was changed."""

    status_code = 503
    name = "ServerError"

    def __init__(self, retry_after_seconds: int = 1) -> None:
        super().__init__(
            "The database is unavailable: the request changed nothing, try again shortly.",
            {"Retry-After": str(retry_after_seconds)},
        )


class CommitUncertainError(ApiError):
    """The connection was lost while the change was being committed: whether it was saved cannot be known."""

    status_code = 503
    name = "ServerError"

    def __init__(self) -> None:
        super().__init__(
            "The connection to the database was lost while the change was being saved: it may or may not have "
            "been saved. Read the data before trying again.",
            {"Retry-After": "1"},
        )


class StatementTimeoutError(ApiError):
    """A statement of the request ran past `OPENQUALIFY_STATEMENT_TIMEOUT_MS` and was stopped: nothing changed.

    No Retry-After: the same request is likely to need as long again; a narrower one (a smaller `$top`, a
    simpler `$filter`) may not."""

    status_code = 503
    name = "ServerError"

    def __init__(self, budget_ms: int) -> None:
        super().__init__(
            f"The request took longer than the server allows a database statement ({budget_ms} ms) and was "
            "stopped: it changed nothing. Ask for less (a smaller $top, a simpler $filter) or try again later."
        )


class ObjectNotFoundError(ApiError):
    status_code = 404
    name = "ObjectNotFoundError"

    @classmethod
    def of(cls, thing: str, key: str) -> ObjectNotFoundError:
        """`The offering X was not found.`, the contract's wording."""
        return cls(f"The {thing} {key} was not found.")


SERVER_ERROR_DETAILS = "We're sorry, but something went wrong."
