"""The hub's own named errors (rendered as `{"name", "details"}` like the API's)."""

from __future__ import annotations

from openqualify.server.kit.errors import ApiError


class UnsafeEndpointError(ApiError):
    """An endpoint address production refuses (loopback, private, link-local, metadata)."""

    status_code = 400
    name = "UnsafeEndpointError"


class HubDisabledError(ApiError):
    status_code = 409
    name = "HubDisabledError"


class NoEndpointError(ApiError):
    status_code = 409
    name = "NoEndpointError"


class CursorExpiredError(ApiError):
    status_code = 410
    name = "CursorExpiredError"
