"""The organisation behind the token, and the API's index of endpoints."""

from __future__ import annotations

from typing import Any

from ..models import OrgResponse
from ._resource import Resource, operation


class OrgResource(Resource):
    @operation("GET", "/org")
    def get(self) -> OrgResponse:
        """The organisation the token belongs to."""
        return self._call("GET", "org", into=OrgResponse)

    @operation("GET", "/")
    def endpoints(self) -> dict[str, Any]:
        """The API's map of endpoint names to URLs."""
        return self._call("GET", into=dict[str, Any])
