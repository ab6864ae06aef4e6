"""Talk channels (with group-channel members, posts, comments and replies) and assessment groups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from openqualify.server.db.base import ID_LENGTH, Base, OrgScoped, fk_column, id_column


class Channel(OrgScoped, Base):
    """A talk channel of an offering. At most one of the three kind flags is true (full access: none)."""

    __tablename__ = "channels"
    __table_args__ = (
        Index("ix_channels_offering_created", "offering_id", "created_at"),
        # One private-support channel per offering, also under concurrent writes.
        Index(
            "uq_channels_private_support",
            "offering_id",
            unique=True,
            sqlite_where=text("private_support"),
            postgresql_where=text("private_support"),
        ),
    )

    id: Mapped[str] = id_column()
    offering_id: Mapped[str] = fk_column("offerings.id")
    title: Mapped[str] = mapped_column(Text)
    is_broadcast_only: Mapped[bool] = mapped_column(default=False)
    group_discussion: Mapped[bool] = mapped_column(default=False)
    private_support: Mapped[bool] = mapped_column(default=False)
    # Group channels only: every learner of the offering is allocated to the channel.
    auto_assign: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]


class ChannelMember(OrgScoped, Base):
    """A learner allocated to a group-discussion channel."""

    __tablename__ = "channel_members"
    __table_args__ = (
        Index("uq_channel_members_channel_user", "channel_id", "user_id", unique=True),
        Index("ix_channel_members_offering_user", "offering_id", "user_id"),
    )

    id: Mapped[str] = id_column()
    channel_id: Mapped[str] = fk_column("channels.id")
    offering_id: Mapped[str] = fk_column("offerings.id")
    user_id: Mapped[str] = fk_column("users.id", index=True)
    created_at: Mapped[datetime]


class _Moderated:
    """Moderation state shared by posts and comments."""

    is_muted: Mapped[bool] = mapped_column(default=False)
    moderation_reason: Mapped[str | None] = mapped_column(Text)
    moderator_user_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    moderated: Mapped[bool] = mapped_column(default=False)


class ChannelPost(_Moderated, OrgScoped, Base):
    """A thread started in a channel (written through the sandbox; the API only reads posts)."""

    __tablename__ = "channel_posts"
    __table_args__ = (Index("ix_channel_posts_channel_created", "channel_id", "created_at"),)

    id: Mapped[str] = id_column()
    channel_id: Mapped[str] = fk_column("channels.id")
    user_id: Mapped[str] = fk_column("users.id", index=True)
    title: Mapped[str | None] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text, default="")
    is_facilitator_post: Mapped[bool] = mapped_column(default=False)
    attachments: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]


class ChannelComment(_Moderated, OrgScoped, Base):
    """A comment on a post (no parent) or a reply to another comment (parent set)."""

    __tablename__ = "channel_comments"
    __table_args__ = (Index("ix_channel_comments_channel_created", "channel_id", "created_at"),)

    id: Mapped[str] = id_column()
    channel_id: Mapped[str] = fk_column("channels.id")
    post_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("channel_posts.id", ondelete="CASCADE"), index=True
    )
    parent_comment_id: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("channel_comments.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = fk_column("users.id", index=True)
    content: Mapped[str] = mapped_column(Text, default="")
    is_facilitator_post: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]


class AssessmentGroup(OrgScoped, Base):
    """A named group of an offering's learners (for group tasks and marking); id is a 24-hex ObjectId."""

    __tablename__ = "assessment_groups"
    __table_args__ = (Index("ix_assessment_groups_offering_created", "offering_id", "created_at"),)

    id: Mapped[str] = id_column()
    offering_id: Mapped[str] = fk_column("offerings.id")
    title: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class AssessmentGroupMember(OrgScoped, Base):
    __tablename__ = "assessment_group_members"
    __table_args__ = (
        Index("uq_assessment_group_members_group_user", "group_id", "user_id", unique=True),
        Index("ix_assessment_group_members_offering_user", "offering_id", "user_id"),
    )

    id: Mapped[str] = id_column()
    group_id: Mapped[str] = fk_column("assessment_groups.id")
    offering_id: Mapped[str] = fk_column("offerings.id")
    user_id: Mapped[str] = fk_column("users.id", index=True)
    created_at: Mapped[datetime]


__all__ = [
    "AssessmentGroup",
    "AssessmentGroupMember",
    "Channel",
    "ChannelComment",
    "ChannelMember",
    "ChannelPost",
]
