"""Demo data: talk channels with conversations, and assessment groups, for every offering that has started.

Each class has a full-access "General" channel, a private-support channel, a group-discussion channel with part
of the learners and a broadcast-only "Announcements" channel. What is said fits the course and the moment:
learners discuss their course's topics (`catalogue`) while they take part in the class (their plans), ask
facilitators about the class's own tasks in private support and get an answer, plan their group work in the
group channel; facilitators welcome the class and announce each task as it opens and before it is due. Nobody
posts before the class opened, after it closed, or after the demo's "now"; accounts that never signed in post
nothing. Rows go in with bulk inserts; texts, times and choices come from the context's seeded random source.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from openqualify.server.assessments import dates
from openqualify.server.db.models import Assessment, AssessmentSetting, Membership, Offering
from openqualify.server.db.models.social import (
    AssessmentGroup,
    AssessmentGroupMember,
    Channel,
    ChannelComment,
    ChannelMember,
    ChannelPost,
)
from openqualify.server.kit.timefmt import to_utc
from openqualify.server.sandbox.demo.catalogue import (
    COMMENTS,
    FACILITATOR_ANSWERS,
    REPLIES,
    CourseContent,
    content_of,
)
from openqualify.server.sandbox.demo.context import DemoContext
from openqualify.server.sandbox.demo.plans import Plan

MODERATION_REASONS = ("Off-topic", "Shares personal contact details", "Inappropriate language", "Spam")
GROUP_TOPICS = ("Case study", "Project team", "Study circle", "Workshop")
ATTACHMENTS = (("application/pdf", "pdf"), ("image/png", "png"), ("image/jpeg", "jpg"))
# (title, text, the facilitator's answer: an index into FACILITATOR_ANSWERS); {task} is one of the class's tasks.
SUPPORT_QUESTIONS = (
    ("Question about the {task}", "Can I use an example from a previous job for the {task}?", 0),
    ("Extension for the {task}", "I have been unwell this week. Could I have a few more days for the {task}?", 1),
    ("Template for the {task}", "The template for the {task} will not open on my laptop. Is there another format?", 2),
    ("Where do I submit the {task}?", "I have finished the {task} but cannot see where to upload it.", 3),
)
GROUP_POSTS = (
    ("Meeting this week", "Shall we meet on Thursday at 12 to go over the {task}?"),
    ("Shared notes", "I have started a shared document for the {task}; add your ideas."),
    ("Who does what?", "I can take the first part of the {task}. Who wants the rest?"),
    ("Nearly there", "Our draft of the {task} is almost done. Can everyone read it before Friday?"),
)


class _Builder:
    """Collects the rows of every table, inserted in bulk at the end."""

    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.rng = ctx.rng
        self.rows: dict[type, list[dict[str, Any]]] = defaultdict(list)
        self.replies: list[dict[str, Any]] = []
        self.offering_of: dict[str, str] = {}  # channel id -> offering id

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

    def channel(self, offering: Offering, title: str, at: datetime, **flags: bool) -> dict[str, Any]:
        channel_id = self.ctx.ids.push("social", at)
        self.offering_of[channel_id] = offering.id
        return self._row(
            Channel,
            id=channel_id,
            offering_id=offering.id,
            title=title,
            is_broadcast_only=flags.get("broadcast", False),
            group_discussion=flags.get("group", False),
            private_support=flags.get("support", False),
            auto_assign=False,
            created_at=at,
        )

    def post(
        self,
        channel: dict[str, Any],
        author: Membership,
        at: datetime,
        title: str,
        content: str,
        moderators: list[Membership],
    ) -> dict[str, Any]:
        at = at.replace(microsecond=0)
        attachments = []
        if self.rng.random() < 0.1:
            mimetype, ext = self.rng.choice(ATTACHMENTS)
            file_id = self.ctx.ids.push("social", at)
            size = self.rng.randint(20_000, 4_000_000)
            url = f"https://files.iqualify.example/{file_id}.{ext}"
            attachments.append({"id": file_id, "mimetype": mimetype, "size": size, "url": url})
        self.ctx.saw(self.offering_of[channel["id"]], author.user_id, at)
        return self._row(
            ChannelPost,
            id=self.ctx.ids.push("social", at),
            channel_id=channel["id"],
            user_id=author.user_id,
            title=title,
            content=content,
            is_facilitator_post=author.is_facilitator,
            attachments=attachments,
            created_at=at,
            **self._moderation(moderators),
        )

    def comment(
        self,
        post: dict[str, Any],
        author: Membership,
        at: datetime,
        content: str,
        moderators: list[Membership],
        parent: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        at = at.replace(microsecond=0)
        row = {
            "org_id": self.ctx.org_id,
            "id": self.ctx.ids.push("social", at),
            "channel_id": post["channel_id"],
            "post_id": post["id"],
            "parent_comment_id": None if parent is None else parent["id"],
            "user_id": author.user_id,
            "content": content,
            "is_facilitator_post": author.is_facilitator,
            "created_at": at,
            **self._moderation(moderators),
        }
        (self.rows[ChannelComment] if parent is None else self.replies).append(row)
        self.ctx.saw(self.offering_of[post["channel_id"]], author.user_id, at)
        return row


class _Class:
    """One offering's conversations: who could say something when, and the texts that fit its course."""

    def __init__(
        self,
        builder: _Builder,
        offering: Offering,
        members: list[Membership],
        tasks: list[Assessment],
        settings: dict[str, AssessmentSetting],
        until: datetime,
    ) -> None:
        self.b, self.rng, self.offering, self.until = builder, builder.rng, offering, until
        self.words: CourseContent = content_of(builder.ctx.course_codes, offering.course_id)
        self.facilitators = [m for m in members if m.is_facilitator]
        self.plans: dict[str, Plan] = {}
        for membership in members:
            plan = builder.ctx.plans.get((offering.id, membership.user_id))
            if plan is not None and plan.started:
                self.plans[membership.user_id] = plan
        self.learners = [m for m in members if m.user_id in self.plans]
        self.tasks = [t for t in tasks if not t.hidden]
        self.settings = settings  # the class's own task dates, by assessment id

    def window(self, member: Membership) -> tuple[datetime, datetime]:
        """When a member took part: a learner by their plan, a facilitator from the start to the end (or now)."""
        plan = self.plans.get(member.user_id)
        if plan is None:
            return to_utc(self.offering.start), self.until
        return plan.start, plan.last_active

    def during(self, member: Membership, after: datetime, within: timedelta) -> datetime | None:
        """A moment after `after` (and within `within` of it) when `member` was taking part, if any."""
        first, last = self.window(member)
        low, high = max(first, after + timedelta(minutes=5)), min(last, after + within, self.until)
        if high <= low:
            return None
        return low + (high - low) * self.rng.random()

    def responders(
        self, pool: list[Membership], after: datetime, within: timedelta, count: int
    ) -> list[tuple[Membership, datetime]]:
        found: list[tuple[Membership, datetime]] = []
        for member in self.rng.sample(pool, len(pool)):
            if len(found) >= count:
                break
            at = self.during(member, after, within)
            if at is not None:
                found.append((member, at))
        return sorted(found, key=lambda pair: pair[1])

    def discussion(
        self,
        channel: dict[str, Any],
        starters: list[Membership],
        responders: list[Membership],
        topics: list[tuple[str, str]],
    ) -> None:
        """Threads on `topics`, each with a few comments and replies from members taking part at the time."""
        rng, b = self.rng, self.b
        for title, text in topics:
            author = rng.choice(starters) if starters else None
            at = (
                None
                if author is None
                else self.during(author, channel["created_at"], self.until - channel["created_at"])
            )
            if author is None or at is None:
                continue
            post = b.post(channel, author, at, title, text, self.facilitators)
            for member, comment_at in self.responders(responders, at, timedelta(days=5), rng.randint(0, 4)):
                comment = b.comment(post, member, comment_at, rng.choice(COMMENTS), self.facilitators)
                for replier, reply_at in self.responders(
                    responders, comment_at, timedelta(days=3), rng.choice((0, 0, 1, 2))
                ):
                    b.comment(post, replier, reply_at, rng.choice(REPLIES), self.facilitators, parent=comment)

    def support(self, channel: dict[str, Any]) -> None:
        """Learners ask about the class's tasks; a facilitator answers within two days; some say thanks."""
        rng, b = self.rng, self.b
        if not self.learners or not self.facilitators or not self.tasks:
            return
        for _ in range(rng.randint(2, 6)):
            learner = rng.choice(self.learners)
            at = self.during(learner, channel["created_at"], self.until - channel["created_at"])
            if at is None:
                continue
            title, text, answer = rng.choice(SUPPORT_QUESTIONS)
            task = rng.choice(self.tasks).title
            post = b.post(channel, learner, at, title.format(task=task), text.format(task=task), self.facilitators)
            answered = self.responders(self.facilitators, at, timedelta(days=2), 1)
            for facilitator, answer_at in answered:
                comment = b.comment(post, facilitator, answer_at, FACILITATOR_ANSWERS[answer], self.facilitators)
                thanks = self.during(learner, answer_at, timedelta(days=2))
                if thanks is not None and rng.random() < 0.5:
                    b.comment(post, learner, thanks, "Thank you!", self.facilitators, parent=comment)

    def announcements(self, channel: dict[str, Any]) -> None:
        """A welcome, then each visible task as it opens (when later than the start) and two days before it is
        due (fixed dates only)."""
        rng, b, offering = self.rng, self.b, self.offering
        if not self.facilitators:
            return
        course = offering.name.split(" - ")[0]
        news = [
            (
                channel["created_at"] + timedelta(hours=1),
                f"Welcome to {course}",
                "Kia ora and welcome! Start with the overview page and introduce yourself in General.",
            )
        ]
        for task in self.tasks:
            own = self.settings.get(task.id)
            opens, due = dates.open_date(task, own, offering), dates.due_date(task, own, offering)
            opened_later = opens is not None and to_utc(opens) > channel["created_at"] + timedelta(days=1)
            if opens is not None and opened_later and not offering.use_relative_dates:
                text = f"The {task.title} is open. Read the brief and ask questions in Facilitator support."
                news.append((to_utc(opens) + timedelta(hours=2), f"{task.title} is open", text))
            if due is not None and not offering.use_relative_dates:
                news.append(
                    (
                        to_utc(due) - timedelta(days=2),
                        f"Reminder: {task.title}",
                        f"A reminder that the {task.title} is due in two days.",
                    )
                )
        for at, title, text in sorted(news):
            if not channel["created_at"] < at <= self.until:
                continue
            post = b.post(channel, rng.choice(self.facilitators), at, title, text, [])
            for member, thanks_at in self.responders(self.learners, at, timedelta(days=2), rng.choice((0, 0, 1, 2))):
                b.comment(post, member, thanks_at, rng.choice(REPLIES), self.facilitators)

    def group_work(self, channel: dict[str, Any], allocated: list[Membership]) -> None:
        rng = self.rng
        active = [m for m in allocated if m.user_id in self.plans]
        if not active or not self.tasks:
            return
        posts = [
            (t, x.format(task=rng.choice(self.tasks).title)) for t, x in rng.sample(GROUP_POSTS, rng.randint(1, 4))
        ]
        self.discussion(channel, active, [*active, *self.facilitators], posts)


def _offering(
    builder: _Builder,
    offering: Offering,
    members: list[Membership],
    tasks: list[Assessment],
    settings: dict[str, AssessmentSetting],
    now: datetime,
) -> None:
    ctx, rng = builder.ctx, builder.rng
    learners = [m for m in members if m.is_learner]
    opened = to_utc(offering.start) + timedelta(minutes=5)
    latest = to_utc(now) - timedelta(minutes=30)  # nothing at the very moment the demo is built
    until = latest if offering.end is None else min(latest, to_utc(offering.end))
    conversation = _Class(builder, offering, members, tasks, settings, until)

    general = builder.channel(offering, "General", opened)
    support = builder.channel(offering, "Facilitator support", opened + timedelta(seconds=1), support=True)
    topic = rng.choice(GROUP_TOPICS)
    group = builder.channel(offering, f"{topic} group", opened + timedelta(days=1), group=True)
    news = builder.channel(offering, "Announcements", opened + timedelta(days=1, seconds=1), broadcast=True)

    allocated = rng.sample(learners, k=min(len(learners), max(2, len(learners) // 2))) if learners else []
    for learner in allocated:
        builder._row(
            ChannelMember,
            id=ctx.ids.push("social", group["created_at"]),
            channel_id=group["id"],
            offering_id=offering.id,
            user_id=learner.user_id,
            created_at=group["created_at"],
        )

    topics = rng.sample(list(conversation.words.topics), rng.randint(3, len(conversation.words.topics)))
    talkers = [*conversation.learners, *conversation.facilitators]
    conversation.discussion(general, conversation.learners or conversation.facilitators, talkers, topics)
    conversation.support(support)
    conversation.group_work(group, allocated)
    conversation.announcements(news)

    for index in range(rng.randint(1, 3)):
        at = to_utc(offering.start) + timedelta(days=index + 1)
        group_row = builder._row(
            AssessmentGroup,
            id=ctx.ids.object_id("social", at),
            offering_id=offering.id,
            title=f"{rng.choice(GROUP_TOPICS)} {index + 1}",
            created_at=at,
        )
        chosen = rng.sample(learners, k=min(len(learners), rng.randint(2, 6))) if learners else []
        for learner in chosen:
            builder._row(
                AssessmentGroupMember,
                id=ctx.ids.push("social", at),
                group_id=group_row["id"],
                offering_id=offering.id,
                user_id=learner.user_id,
                created_at=at,
            )


def seed(ctx: DemoContext) -> None:
    """Channels, conversations and assessment groups for every offering that has started."""
    by_offering: dict[str, list[Membership]] = defaultdict(list)
    for membership in ctx.memberships:
        by_offering[membership.offering_id].append(membership)
    tasks: dict[str, list[Assessment]] = defaultdict(list)
    for task in ctx.session.execute(
        select(Assessment).where(Assessment.org_id == ctx.org_id).order_by(Assessment.position)
    ).scalars():
        tasks[task.content_id].append(task)
    settings: dict[str, dict[str, AssessmentSetting]] = defaultdict(dict)
    for setting in ctx.session.execute(
        select(AssessmentSetting).where(AssessmentSetting.org_id == ctx.org_id)
    ).scalars():
        settings[setting.offering_id][setting.assessment_id] = setting
    builder = _Builder(ctx)
    for offering in sorted(ctx.offerings, key=lambda o: (o.start, o.id)):
        if to_utc(offering.start) <= ctx.now:
            members, own = by_offering.get(offering.id, []), settings[offering.id]
            _offering(builder, offering, members, tasks[offering.content_id], own, ctx.now)
    for model in (Channel, ChannelMember, ChannelPost, ChannelComment, AssessmentGroup, AssessmentGroupMember):
        if builder.rows[model]:
            ctx.session.execute(insert(model), builder.rows[model])
    if builder.replies:  # after the comments they answer
        ctx.session.execute(insert(ChannelComment), builder.replies)
