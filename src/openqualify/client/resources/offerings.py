"""Offerings (class activations): lifecycle, metadata, members and markers' lists."""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from .._base import bool_param
from .._bulk import (
    RESEND_CONCURRENCY,
    BulkAddResult,
    already_members,
    bulk_handler,
    refuses_the_batch_itself,
    resolve_refused,
)
from .._errors import IQualifyError
from .._paging import MAX_PAGE_SIZE, Keyset
from ..models import (
    OfferingMetadataResponse,
    OfferingUser,
    OfferingUserResponse,
    PortfolioActivations,
)
from ._resource import Resource, Send, body, jsonable, operation

Offerings = builtins.list[OfferingMetadataResponse]
OfferingUserInput = OfferingUser | Mapping[str, Any]


class OfferingsResource(Resource):
    @operation("GET", "/offerings")
    def list(self) -> Offerings:
        """All offerings: current, past and future."""
        return self._call("GET", "offerings", into=Offerings)

    @operation("GET", "/offerings/current")
    def current(self) -> Offerings:
        """Offerings running now."""
        return self._call("GET", "offerings", "current", into=Offerings)

    @operation("GET", "/offerings/future")
    def future(self) -> Offerings:
        """Offerings that have not started yet."""
        return self._call("GET", "offerings", "future", into=Offerings)

    @operation("GET", "/offerings/past")
    def past(self) -> Offerings:
        """Offerings that have ended."""
        return self._call("GET", "offerings", "past", into=Offerings)

    @operation("GET", "/offerings/info/{textPattern}")
    def search(self, text_pattern: str) -> builtins.list[PortfolioActivations]:
        """Offerings whose `info` contains `text_pattern` (at least 3 characters)."""
        return self._call("GET", "offerings", "info", text_pattern, into=builtins.list[PortfolioActivations])

    @operation("GET", "/offerings/summary")
    def summary(
        self, *, top: int | None = None, orderby: str | None = None, filter: str | None = None
    ) -> builtins.list[PortfolioActivations]:
        """A filtered, ordered page of offerings (`$top`, `$orderby`, `$filter`)."""
        params = {"$top": top, "$orderby": orderby, "$filter": filter}
        return self._call("GET", "offerings", "summary", params=params, into=builtins.list[PortfolioActivations])

    def summary_pages(
        self, *, filter: str | None = None, page_size: int = MAX_PAGE_SIZE
    ) -> Iterator[builtins.list[PortfolioActivations]]:
        """Every offering of the summary, page after page (ordered by `id`, `page_size` at most; `filter` is a
        `$filter` they must match too): keyset paging on `id`, since one request returns 1000 at most."""
        cursor = Keyset(filter, page_size)
        while not cursor.done:
            params = cursor.params()
            page = self._call("GET", "offerings", "summary", params=params, into=builtins.list[PortfolioActivations])
            cursor.advance([offering.id for offering in page])
            if page:
                yield page

    @operation("GET", "/offerings/{offeringId}")
    def get(self, offering_id: str) -> OfferingMetadataResponse:
        """One offering."""
        return self._call("GET", "offerings", offering_id, into=OfferingMetadataResponse)

    @operation("POST", "/offerings")
    def create(
        self,
        *,
        start: datetime | str,
        end: datetime | str | None = None,
        name: str | None = None,
        description: str | None = None,
        overview: str | None = None,
        identifier: str | None = None,
        content_id: str | None = None,
        root_content_id: str | None = None,
        has_early_close_off: bool | None = None,
        early_close_off_date: datetime | str | None = None,
        use_relative_dates: bool | None = None,
        is_readonly: bool | None = None,
        trailer_video_url: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        badge: Mapping[str, Any] | None = None,
        create_default_channels: bool | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> OfferingMetadataResponse:
        """Activate a course (by `content_id` or `root_content_id`) as a new offering."""
        payload = body(
            extra, start=start, end=end, name=name, description=description, overview=overview,
            identifier=identifier, content_id=content_id, root_content_id=root_content_id,
            has_early_close_off=has_early_close_off, early_close_off_date=early_close_off_date,
            use_relative_dates=use_relative_dates, is_readonly=is_readonly, trailer_video_url=trailer_video_url,
            metadata=metadata, badge=badge, create_default_channels=create_default_channels,
        )  # fmt: skip
        return self._call("POST", "offerings", json=payload, into=OfferingMetadataResponse)

    @operation("PATCH", "/offerings/{offeringId}")
    def update(
        self,
        offering_id: str,
        *,
        start: datetime | str | None = None,
        end: datetime | str | None = None,
        name: str | None = None,
        description: str | None = None,
        overview: str | None = None,
        identifier: str | None = None,
        content_id: str | None = None,
        root_content_id: str | None = None,
        has_early_close_off: bool | None = None,
        early_close_off_date: datetime | str | None = None,
        use_relative_dates: bool | None = None,
        is_readonly: bool | None = None,
        trailer_video_url: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        badge: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> OfferingMetadataResponse:
        """Change the given fields (None leaves a field alone; send `extra={"end": None}` to clear one)."""
        payload = body(
            extra, start=start, end=end, name=name, description=description, overview=overview,
            identifier=identifier, content_id=content_id, root_content_id=root_content_id,
            has_early_close_off=has_early_close_off, early_close_off_date=early_close_off_date,
            use_relative_dates=use_relative_dates, is_readonly=is_readonly, trailer_video_url=trailer_video_url,
            metadata=metadata, badge=badge,
        )  # fmt: skip
        return self._call("PATCH", "offerings", offering_id, json=payload, into=OfferingMetadataResponse)

    @operation("PUT", "/offerings/{offeringId}/metadata/category")
    def set_category(self, offering_id: str, category: str) -> OfferingMetadataResponse:
        """Replace the offering's category."""
        return self._meta(offering_id, "category", category)

    @operation("PUT", "/offerings/{offeringId}/metadata/level")
    def set_level(self, offering_id: str, level: str) -> OfferingMetadataResponse:
        """Replace the offering's level."""
        return self._meta(offering_id, "level", level)

    @operation("PUT", "/offerings/{offeringId}/metadata/tags")
    def set_tags(self, offering_id: str, tags: Sequence[str]) -> OfferingMetadataResponse:
        """Replace the offering's whole list of tags."""
        return self._meta(offering_id, "tags", builtins.list(tags))

    @operation("PUT", "/offerings/{offeringId}/metadata/topic")
    def set_topic(self, offering_id: str, topic: str) -> OfferingMetadataResponse:
        """Replace the offering's topic."""
        return self._meta(offering_id, "topic", topic)

    @operation("GET", "/offerings/{offeringId}/users")
    def users(
        self,
        offering_id: str,
        *,
        facilitators: bool | None = None,
        learners: bool | None = None,
        markers: bool | None = None,
    ) -> builtins.list[OfferingUserResponse]:
        """Members of the offering; pass False to leave a role out (every role is included by default)."""
        params = {
            "facilitators": bool_param(facilitators),
            "learners": bool_param(learners),
            "markers": bool_param(markers),
        }
        return self._call(
            "GET", "offerings", offering_id, "users", params=params, into=builtins.list[OfferingUserResponse]
        )

    @operation("POST", "/offerings/{offeringId}/users")
    def add_users(
        self, offering_id: str, users: Sequence[OfferingUserInput], *, concurrency: int = RESEND_CONCURRENCY
    ) -> BulkAddResult:
        """Add members (creating unknown users); returns each requested user's own outcome, in order.

        A 201, a 207 Multi-Status and a 400 (every item refused) all come back as a `BulkAddResult`; other
        failures raise. A 400 carries one error for the whole batch, so for a refused batch of several the
        offering's members are read once (a member's item was refused as `ObjectExistsError`) and every other
        item is sent again alone, at most `concurrency` at a time, to get its own answer.
        """
        items = [jsonable(OfferingUser.model_validate(u) if isinstance(u, Mapping) else u) for u in users]
        emails = [item.get("email") for item in items]
        segments = ("offerings", offering_id, "users")
        result = self._call("POST", *segments, json=items, handler=bulk_handler(emails))
        if result.status != 400 or len(items) < 2 or refuses_the_batch_itself(result.error):
            return result
        members = self._member_emails(offering_id)
        known = already_members(result, items, members, offering_id)
        resent = [i for i in range(len(items)) if i not in known]
        sends = [Send("POST", segments, bulk_handler([emails[i]]), [items[i]]) for i in resent]
        return resolve_refused(result, known, resent, self._call_each(sends, concurrency), reads=1)

    def _member_emails(self, offering_id: str) -> set[str] | None:
        """The e-mails of the offering's members, lower-cased; None when they cannot be read."""
        try:
            members = self.users(offering_id)
        except IQualifyError:
            return None
        return {member.email.lower() for member in members if member.email}

    @operation("DELETE", "/offerings/{offeringId}/users/{userEmail}")
    def remove_user(self, offering_id: str, email: str) -> None:
        """Remove a member, whatever their role."""
        return self._call("DELETE", "offerings", offering_id, "users", email)

    @operation("GET", "/offerings/{offeringId}/users/{markerEmail}/marks")
    def marker_learners(self, offering_id: str, marker_email: str) -> builtins.list[OfferingUserResponse]:
        """Learners a marker (coach) marks."""
        return self._call(
            "GET", "offerings", offering_id, "users", marker_email, "marks",
            into=builtins.list[OfferingUserResponse],
        )  # fmt: skip

    @operation("POST", "/offerings/{offeringId}/users/{markerEmail}/marks")
    def add_marker_learners(
        self, offering_id: str, marker_email: str, learner_emails: Sequence[str]
    ) -> builtins.list[OfferingUserResponse]:
        """Add learners to a marker's list; returns the whole list afterwards."""
        return self._call(
            "POST", "offerings", offering_id, "users", marker_email, "marks",
            json=builtins.list(learner_emails), into=builtins.list[OfferingUserResponse],
        )  # fmt: skip

    @operation("DELETE", "/offerings/{offeringId}/users/{markerEmail}/marks")
    def remove_marker_learners(
        self, offering_id: str, marker_email: str, learner_emails: Sequence[str]
    ) -> builtins.list[OfferingUserResponse]:
        """Take learners off a marker's list; returns the remaining list."""
        return self._call(
            "DELETE", "offerings", offering_id, "users", marker_email, "marks",
            json=builtins.list(learner_emails), into=builtins.list[OfferingUserResponse],
        )  # fmt: skip

    def _meta(self, offering_id: str, field: str, value: object) -> OfferingMetadataResponse:
        return self._call(
            "PUT", "offerings", offering_id, "metadata", field, json={field: value}, into=OfferingMetadataResponse
        )

