"""Users of the organisation: accounts, invitations, permissions, suspension and transfers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from ..models import OfferingMetadataResponse, UserResponse
from ._resource import Resource, body, operation

Permission = Literal["builder", "manager"]


def _user_body(
    extra: Mapping[str, Any] | None,
    tags: Sequence[str] | None,
    display_name: str | None,
    **fields: Any,
) -> dict[str, Any]:
    return body(
        extra,
        metadata=None if tags is None else {"tags": list(tags)},
        profile=None if display_name is None else {"displayName": display_name},
        **fields,
    )


class UsersResource(Resource):
    @operation("POST", "/users")
    def create(
        self,
        email: str,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        person_id: str | None = None,
        tags: Sequence[str] | None = None,
        display_name: str | None = None,
        send_invite: bool | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> UserResponse:
        """Create a user; with `send_invite=False` the result carries the sign-up link in `invite.url`."""
        payload = _user_body(
            extra, tags, display_name, email=email, first_name=first_name, last_name=last_name,
            person_id=person_id, send_invite=send_invite,
        )  # fmt: skip
        return self._call("POST", "users", json=payload, into=UserResponse)

    @operation("GET", "/users/{userEmail}")
    def get(self, email: str) -> UserResponse:
        """One user, by e-mail."""
        return self._call("GET", "users", email, into=UserResponse)

    @operation("PATCH", "/users/{userEmail}")
    def update(
        self,
        email: str,
        *,
        new_email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        person_id: str | None = None,
        tags: Sequence[str] | None = None,
        display_name: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> UserResponse:
        """Change the given fields of a user (`new_email` changes the address itself)."""
        payload = _user_body(
            extra, tags, display_name, email=new_email, first_name=first_name, last_name=last_name,
            person_id=person_id,
        )  # fmt: skip
        return self._call("PATCH", "users", email, json=payload, into=UserResponse)

    @operation("POST", "/users/{userEmail}/invite-email")
    def send_invite(self, email: str) -> None:
        """Send the invitation e-mail again."""
        return self._call("POST", "users", email, "invite-email")

    @operation("GET", "/users/{userEmail}/offerings")
    def offerings(self, email: str) -> list[OfferingMetadataResponse]:
        """Offerings the user belongs to, in any role."""
        return self._call("GET", "users", email, "offerings", into=list[OfferingMetadataResponse])

    @operation("POST", "/users/{userEmail}/offerings")
    def add_offerings(self, email: str, offering_ids: Sequence[str]) -> list[OfferingMetadataResponse]:
        """Enrol the user as a learner in offerings; returns all the user's offerings afterwards."""
        return self._call(
            "POST", "users", email, "offerings", json=list(offering_ids), into=list[OfferingMetadataResponse]
        )

    @operation("POST", "/users/{userEmail}/permissions/{permissionName}")
    def grant_permission(self, email: str, permission: Permission) -> UserResponse:
        """Grant an organisation permission: `builder` (author) or `manager`."""
        return self._call("POST", "users", email, "permissions", permission, into=UserResponse)

    @operation("PUT", "/users/{userEmail}/suspend")
    def suspend(self, email: str, suspended: bool = True) -> None:
        """Suspend a user, or reactivate them with `suspended=False`."""
        return self._call("PUT", "users", email, "suspend", json={"suspended": suspended})

    @operation("PATCH", "/users/{userEmail}/transfer")
    def transfer(
        self, email: str, *, from_offering_id: str, to_offering_id: str, send_invite: bool | None = None
    ) -> None:
        """Move a learner, with their progress, from one offering to another of the same content."""
        payload = body(from_offering_id=from_offering_id, to_offering_id=to_offering_id, send_invite=send_invite)
        return self._call("PATCH", "users", email, "transfer", json=payload)
