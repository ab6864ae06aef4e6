"""The contract's named errors. Services raise these; one handler renders them as `{"name", "details"}`."""

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


def _named(name: str, status: int = 400) -> type[ApiError]:
    return type(name, (ApiError,), {"name": name, "status_code": status})


NotAuthorizedError = _named("NotAuthorizedError", 401)
AccessDeniedError = _named("AccessDeniedError", 403)
RouteNotFoundError = _named("RouteNotFoundError", 404)
TooManyRequestsError = _named("TooManyRequestsError", 429)
ServerError = _named("ServerError", 500)
SchemaValidationError = _named("SchemaValidationError")
ApiValidationError = _named("ApiValidationError")
TextPatternError = _named("TextPatternError")
InvalidContentError = _named("InvalidContentError")
IncompatibleParametersError = _named("IncompatibleParametersError")
OfferingIncompatibleDatesError = _named("OfferingIncompatibleDatesError")
MissingInfoError = _named("MissingInfoError")
ObjectExistsError = _named("ObjectExistsError")
ObjectAlreadyIsError = _named("ObjectAlreadyIsError")
ObjectIsNotError = _named("ObjectIsNotError")
ObjectInvalidPropertyError = _named("ObjectInvalidPropertyError")
InvalidParameterError = _named("InvalidParameterError")
AssessmentNotSubmittedError = _named("AssessmentNotSubmittedError")
ContentDoNotMatchError = _named("ContentDoNotMatchError")
InvalidSourceAndTargetError = _named("InvalidSourceAndTargetError")
InvalidGroupChannelError = _named("InvalidGroupChannelError")
InvalidChannelPropertiesError = _named("InvalidChannelPropertiesError")
UserNotInOfferingError = _named("UserNotInOfferingError")
UserNotInChannelError = _named("UserNotInChannelError")
UserSuspendedError = _named("UserSuspendedError")
UserDoesNotHaveBadgeError = _named("UserDoesNotHaveBadgeError")
InvalidObjectIdError = _named("InvalidObjectIdError")
ValidationError = _named("ValidationError")


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
