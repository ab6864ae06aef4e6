"""Demo data: talk channels with conversations, and assessment groups, for every current offering.

Each current offering gets a full-access "General" channel, a private-support channel, a group-discussion
channel with part of the learners and a broadcast-only channel; each channel holds 5-30 posts with
comments and replies by members, a few of them moderated. Rows go in with bulk inserts; texts, times and
choices come from the context's seeded random source, so the same seed builds the same data (ids excepted).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert

from openqualify.server.db.models import Membership, Offering
from openqualify.server.db.models.social import (
    AssessmentGroup,
    AssessmentGroupMember,
    Channel,
    ChannelComment,
    ChannelMember,
    ChannelPost,
)
from openqualify.server.kit.timefmt import to_utc
from openqualify.server.sandbox.demo.context import DemoContext, is_current

MODERATION_REASONS = ("Off-topic", "Shares personal contact details", "Inappropriate language", "Spam")
GROUP_TOPICS = ("Case study", "Project team", "Study circle", "Workshop")
ATTACHMENTS = (("application/pdf", "pdf"), ("image/png", "png"), ("image/jpeg", "jpg"))


class _Builder:
    """Collects the rows of every table, inserted in bulk at the end."""

    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.rng = ctx.rng
        self.rows: dict[type, list[dict[str, Any]]] = defaultdict(list)
        self.replies: list[dict[str, Any]] = []

    def _row(self, model: type, **values: Any) -> dict[str, Any]:
        row = {"org_id": self.ctx.org_id, **values}
        self.rows[model].append(row)
        return row

    def _moderation(self, moderators: list[Membership]) -> dict[str, Any]:
        if not moderators or self.rng.random() >= 0.04:
            return {"moderated": False, "is_muted": False, "moderation_reason": None, "moderator_user_id": None}
        return {
            "moderated": True,
            "is_muted": self.rng.random() < 0.8,
            "moderation_reason": self.rng.choice(MODERATION_REASONS),
            "moderator_user_id": self.rng.choice(moderators).user_id,
        }

    def _when(self, after: datetime, until: datetime) -> datetime:
        span = max((until - after).total_seconds(), 60.0)
        return after + timedelta(seconds=self.rng.uniform(30, span))

    def channel(self, offering: Offering, title: str, at: datetime, **flags: bool) -> dict[str, Any]:
        return self._row(
            Channel,
            id=self.ctx.ids.push("social", at),
            offering_id=offering.id,
            title=title,
            is_broadcast_only=flags.get("broadcast", False),
            group_discussion=flags.get("group", False),
            private_support=flags.get("support", False),
            auto_assign=False,
            created_at=at,
        )

    def conversation(
        self,
        channel: dict[str, Any],
        starters: list[Membership],
        responders: list[Membership],
        facilitators: list[Membership],
        until: datetime,
    ) -> None:
        """5-30 posts, each with up to 4 comments, each comment with up to 2 replies."""
        if not starters or not responders:
            return
        faker = self.ctx.faker
        for _ in range(self.rng.randint(5, 30)):
            author = self.rng.choice(starters)
            at = self._when(channel["created_at"], until)
            attachments = []
            if self.rng.random() < 0.1:
                mimetype, ext = self.rng.choice(ATTACHMENTS)
                file_id = self.ctx.ids.push("social", at)
                attachments.append(
                    {
                        "id": file_id,
                        "mimetype": mimetype,
                        "size": self.rng.randint(20_000, 4_000_000),
                        "url": f"https://files.iqualify.example/{file_id}.{ext}",
                    }
                )
            post = self._row(
                ChannelPost,
                id=self.ctx.ids.push("social", at),
                channel_id=channel["id"],
                user_id=author.user_id,
                title=faker.sentence(nb_words=self.rng.randint(3, 8)).rstrip("."),
                content=faker.paragraph(nb_sentences=self.rng.randint(1, 4)),
                is_facilitator_post=author.is_facilitator,
                attachments=attachments,
                created_at=at,
                **self._moderation(facilitators),
            )
            for _ in range(self.rng.randint(0, 4)):
                writer = self.rng.choice(responders)
                comment_at = self._when(at, min(until, at + timedelta(days=5)))
                comment = self._row(
                    ChannelComment,
                    id=self.ctx.ids.push("social", comment_at),
                    channel_id=channel["id"],
                    post_id=post["id"],
                    parent_comment_id=None,
                    user_id=writer.user_id,
                    content=faker.sentence(nb_words=self.rng.randint(5, 20)),
                    is_facilitator_post=writer.is_facilitator,
                    created_at=comment_at,
                    **self._moderation(facilitators),
                )
                for _ in range(self.rng.choice((0, 0, 1, 2))):
                    replier = self.rng.choice(responders)
                    reply_at = self._when(comment_at, min(until, comment_at + timedelta(days=3)))
                    self.replies.append(
                        {
                            "org_id": self.ctx.org_id,
                            "id": self.ctx.ids.push("social", reply_at),
                            "channel_id": channel["id"],
                            "post_id": post["id"],
                            "parent_comment_id": comment["id"],
                            "user_id": replier.user_id,
                            "content": faker.sentence(nb_words=self.rng.randint(3, 15)),
                            "is_facilitator_post": replier.is_facilitator,
                            "created_at": reply_at,
                            **self._moderation(facilitators),
                        }
                    )

    def offering(self, offering: Offering, members: list[Membership]) -> None:
        rng = self.rng
        now = self.ctx.now
        learners = [m for m in members if m.is_learner]
        facilitators = [m for m in members if m.is_facilitator]
        opened = to_utc(offering.start) + timedelta(minutes=5)
        until = to_utc(now) if offering.end is None else min(to_utc(now), to_utc(offering.end))

        general = self.channel(offering, "General", opened)
        support = self.channel(offering, "Facilitator support", opened + timedelta(seconds=1), support=True)
        topic = rng.choice(GROUP_TOPICS)
        group = self.channel(offering, f"{topic} group", opened + timedelta(days=1), group=True)
        news = self.channel(offering, "Announcements", opened + timedelta(days=1, seconds=1), broadcast=True)

        allocated = rng.sample(learners, k=min(len(learners), max(2, len(learners) // 2))) if learners else []
        for learner in allocated:
            self._row(
                ChannelMember,
                id=self.ctx.ids.push("social", group["created_at"]),
                channel_id=group["id"],
                offering_id=offering.id,
                user_id=learner.user_id,
                created_at=group["created_at"],
            )

        self.conversation(general, members, members, facilitators, until)
        # Private support: learners start threads, facilitators answer.
        self.conversation(support, learners, [*learners, *facilitators], facilitators, until)
        self.conversation(group, allocated, [*allocated, *facilitators], facilitators, until)
        self.conversation(news, facilitators or members, members, facilitators, until)

        for index in range(rng.randint(1, 3)):
            at = to_utc(offering.start) + timedelta(days=index + 1)
            group_row = self._row(
                AssessmentGroup,
                id=self.ctx.ids.object_id("social", at),
                offering_id=offering.id,
                title=f"{rng.choice(GROUP_TOPICS)} {index + 1}",
                created_at=at,
            )
            chosen = rng.sample(learners, k=min(len(learners), rng.randint(2, 6))) if learners else []
            for learner in chosen:
                self._row(
                    AssessmentGroupMember,
                    id=self.ctx.ids.push("social", at),
                    group_id=group_row["id"],
                    offering_id=offering.id,
                    user_id=learner.user_id,
                    created_at=at,
                )

    def insert(self) -> None:
        session = self.ctx.session
        for model in (Channel, ChannelMember, ChannelPost, ChannelComment, AssessmentGroup, AssessmentGroupMember):
            if self.rows[model]:
                session.execute(insert(model), self.rows[model])
        if self.replies:  # after the comments they answer
            session.execute(insert(ChannelComment), self.replies)


def seed(ctx: DemoContext) -> None:
    """Channels, conversations and assessment groups for every current offering."""
    by_offering: dict[str, list[Membership]] = defaultdict(list)
    for membership in ctx.memberships:
        by_offering[membership.offering_id].append(membership)
    builder = _Builder(ctx)
    for offering in ctx.offerings:
        if is_current(offering, ctx.now):
            builder.offering(offering, by_offering.get(offering.id, []))
    builder.insert()
