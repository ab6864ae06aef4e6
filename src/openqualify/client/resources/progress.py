"""Learners' progress through offerings."""

from __future__ import annotations

from collections.abc import Iterator

from .._paging import MAX_PAGE_SIZE, Keyset
from ..models import AllProgressResponse, LearnerProgressResponse, LearnerResponse, UserOfferingProgress
from ._resource import Resource, operation


class ProgressResource(Resource):
    @operation("GET", "/offerings/{offeringId}/analytics/learners-progress")
    def offering(self, offering_id: str) -> list[LearnerProgressResponse]:
        """Completion of every learner in an offering."""
        return self._call(
            "GET", "offerings", offering_id, "analytics", "learners-progress", into=list[LearnerProgressResponse]
        )

    @operation("GET", "/users/all/progress")
    def all(
        self, *, top: int | None = None, orderby: str | None = None, filter: str | None = None
    ) -> AllProgressResponse:
        """Every learner with their completion per offering (`$top`, `$orderby`, `$filter`)."""
        params = {"$top": top, "$orderby": orderby, "$filter": filter}
        return self._call("GET", "users", "all", "progress", params=params, into=AllProgressResponse)

    def all_pages(
        self, *, filter: str | None = None, page_size: int = MAX_PAGE_SIZE
    ) -> Iterator[AllProgressResponse]:
        """Every learner, page after page: each page is the server's answer to `/users/all/progress` (learners
        ordered by `id`, `page_size` at most; `filter` is a `$filter` they must match too). Keyset paging on
        `id` with `$orderby` and `$filter`, the contract's only means, since a request returns 1000 at most."""
        cursor = Keyset(filter, page_size)
        while not cursor.done:
            page = self._call("GET", "users", "all", "progress", params=cursor.params(), into=AllProgressResponse)
            cursor.advance([learner.id for learner in page.learners], page.top)
            if page.learners:
                yield page

    @operation("GET", "/users/{userEmail}/progress")
    def user(self, email: str) -> LearnerResponse:
        """One learner's completion across their offerings."""
        return self._call("GET", "users", email, "progress", into=LearnerResponse)

    @operation("GET", "/users/{userEmail}/offerings/{offeringId}/progress")
    def user_offering(self, email: str, offering_id: str) -> UserOfferingProgress:
        """One learner's completion in one offering."""
        return self._call("GET", "users", email, "offerings", offering_id, "progress", into=UserOfferingProgress)
