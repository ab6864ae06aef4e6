"""Talk channels of an offering, their group-discussion learners and their content."""

from __future__ import annotations

import builtins

from ..models import ChannelLearners, ChannelResponse, Comment, Post
from ._resource import Resource, T, body, operation


class ChannelsResource(Resource):
    @operation("GET", "/offerings/{offeringId}/channels")
    def list(self, offering_id: str) -> builtins.list[ChannelResponse]:
        """The offering's channels."""
        return self._call("GET", "offerings", offering_id, "channels", into=builtins.list[ChannelResponse])

    @operation("POST", "/offerings/{offeringId}/channels")
    def create(self, offering_id: str, title: str, *, is_broadcast_only: bool | None = None) -> ChannelResponse:
        """Add a channel."""
        payload = body(title=title, is_broadcast_only=is_broadcast_only)
        return self._call("POST", "offerings", offering_id, "channels", json=payload, into=ChannelResponse)

    @operation("PATCH", "/offerings/{offeringId}/channels/{channelId}")
    def update(
        self,
        offering_id: str,
        channel_id: str,
        *,
        title: str | None = None,
        is_broadcast_only: bool | None = None,
        group_discussion: bool | None = None,
        private_support: bool | None = None,
        auto_assign: bool | None = None,
    ) -> ChannelResponse:
        """Rename a channel or change its kind (at most one of the three kinds may be true)."""
        payload = body(
            title=title,
            is_broadcast_only=is_broadcast_only,
            group_discussion=group_discussion,
            private_support=private_support,
            group=None if auto_assign is None else {"autoAssign": auto_assign},
        )
        return self._call(
            "PATCH", "offerings", offering_id, "channels", channel_id, json=payload, into=ChannelResponse
        )

    @operation("GET", "/offerings/{offeringId}/channels/{channelId}/learners")
    def learners(self, offering_id: str, channel_id: str) -> ChannelLearners:
        """A group-discussion channel with the learners allocated to it."""
        return self._call("GET", "offerings", offering_id, "channels", channel_id, "learners", into=ChannelLearners)

    @operation("POST", "/offerings/{offeringId}/channels/{channelId}/learners")
    def add_learner(self, offering_id: str, channel_id: str, email: str) -> None:
        """Allocate a learner to a group-discussion channel."""
        return self._call("POST", "offerings", offering_id, "channels", channel_id, "learners", json={"email": email})

    @operation("DELETE", "/offerings/{offeringId}/channels/{channelId}/learners")
    def remove_learner(self, offering_id: str, channel_id: str, email: str) -> None:
        """Take a learner out of a group-discussion channel."""
        return self._call(
            "DELETE", "offerings", offering_id, "channels", channel_id, "learners", json={"email": email}
        )

    @operation("GET", "/offerings/{offeringId}/analytics/channels/{channelId}/posts")
    def posts(self, offering_id: str, channel_id: str) -> builtins.list[Post]:
        """Posts in a channel."""
        return self._content(offering_id, channel_id, "posts", into=builtins.list[Post])

    @operation("GET", "/offerings/{offeringId}/analytics/channels/{channelId}/comments")
    def comments(self, offering_id: str, channel_id: str) -> builtins.list[Comment]:
        """Comments on a channel's posts."""
        return self._content(offering_id, channel_id, "comments", into=builtins.list[Comment])

    @operation("GET", "/offerings/{offeringId}/analytics/channels/{channelId}/replies")
    def replies(self, offering_id: str, channel_id: str) -> builtins.list[Comment]:
        """Replies to comments in a channel."""
        return self._content(offering_id, channel_id, "replies", into=builtins.list[Comment])

    def _content(self, offering_id: str, channel_id: str, kind: str, *, into: type[T]) -> T:
        return self._call("GET", "offerings", offering_id, "analytics", "channels", channel_id, kind, into=into)
