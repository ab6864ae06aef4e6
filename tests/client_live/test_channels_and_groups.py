"""Talk channels (kinds, group-discussion learners, posts, comments, replies) and assessment groups."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from openqualify.client import (
    ApiValidationError,
    Client,
    InvalidChannelPropertiesError,
    InvalidGroupChannelError,
    ObjectExistsError,
    ObjectNotFoundError,
    OfferingUser,
    SchemaValidationError,
    UserNotInChannelError,
    UserNotInOfferingError,
)
from openqualify.client import models as m
from tests.fixtures.client_live import NOW, Sandbox

pytestmark = pytest.mark.e2e
DAY = timedelta(days=1)

ANA = "ana.lopez@example.com"
BEN = "ben.tui@example.com"
FAC = "facilitator.rose@example.com"


def _offering_with_people(client: Client, sandbox: Sandbox, *, default_channels: bool = False) -> str:
    root = sandbox.course("Team Leadership")["rootContentId"]
    offering = client.offerings.create(
        start=NOW - 5 * DAY, end=NOW + 40 * DAY, root_content_id=root, create_default_channels=default_channels
    ).id
    result = client.offerings.add_users(offering, [
        OfferingUser(email=ANA, first_name="Ana", last_name="Lopez", send_invite=False),
        OfferingUser(email=BEN, first_name="Ben", last_name="Tui", send_invite=False),
        OfferingUser(email=FAC, first_name="Rose", last_name="Harris", is_facilitator=True, send_invite=False),
    ])  # fmt: skip
    assert result.status == 201
    return offering


def test_channels_kinds_learners_and_content(client: Client, sandbox: Sandbox) -> None:
    offering = _offering_with_people(client, sandbox, default_channels=True)
    defaults = client.channels.list(offering)
    assert all(isinstance(c, m.ChannelResponse) for c in defaults)
    assert [c.title for c in defaults] == ["Facilitator support", "General"]  # private support first

    news = client.channels.create(offering, "Announcements", is_broadcast_only=True)
    assert isinstance(news, m.ChannelResponse) and news.is_broadcast_only is True and news.id
    team = client.channels.create(offering, "Team Kōwhai")
    assert team.is_broadcast_only is False
    assert [c.id for c in client.channels.list(offering)][-2:] == [news.id, team.id]

    group = client.channels.update(offering, team.id, title="Team Kōwhai (group)", group_discussion=True,
                                   auto_assign=False)  # fmt: skip
    assert (group.id, group.title) == (team.id, "Team Kōwhai (group)")
    with pytest.raises(InvalidChannelPropertiesError):
        client.channels.update(offering, team.id, is_broadcast_only=True, group_discussion=True)

    assert client.channels.learners(offering, team.id).learners == []
    assert client.channels.add_learner(offering, team.id, ANA) is None
    assert client.channels.add_learner(offering, team.id, BEN) is None
    with pytest.raises(ObjectExistsError):
        client.channels.add_learner(offering, team.id, ANA)
    with pytest.raises(ObjectNotFoundError):
        client.channels.add_learner(offering, team.id, "stranger@example.com")  # no such user
    client.users.create("visitor@example.com", first_name="Vi", last_name="Sitor", send_invite=False)
    with pytest.raises(UserNotInOfferingError):
        client.channels.add_learner(offering, team.id, "visitor@example.com")  # a user, not a member
    members = client.channels.learners(offering, team.id)
    assert isinstance(members, m.ChannelLearners) and members.title == "Team Kōwhai (group)"
    assert sorted(u.email or "" for u in members.learners or []) == [ANA, BEN]
    assert client.channels.remove_learner(offering, team.id, BEN) is None
    assert [u.email for u in client.channels.learners(offering, team.id).learners or []] == [ANA]
    with pytest.raises(UserNotInChannelError):
        client.channels.remove_learner(offering, team.id, BEN)
    with pytest.raises(InvalidGroupChannelError) as not_group:
        client.channels.learners(offering, news.id)
    assert not_group.value.details == f"Channel {news.id} is not a group discussion channel."

    # A conversation: a facilitator's post (with an attachment), a learner's comment, a reply, a muted comment.
    post = sandbox.post_in(
        offering, news.id, FAC, "Welcome", "<p>Kia ora koutou!</p>", createdAt="2026-02-25T08:00:00Z",
        attachments=[{"mimetype": "application/pdf", "size": 5120, "url": "https://files.example.com/plan.pdf"}],
    )  # fmt: skip
    comment = sandbox.comment(post["id"], ANA, "Thanks, excited to start", createdAt="2026-02-25T09:30:00Z")
    reply = sandbox.reply(comment["id"], FAC, "Great to have you", createdAt="2026-02-25T10:00:00Z")
    sandbox.comment(
        post["id"], BEN, "spam spam", createdAt="2026-02-25T11:00:00Z",
        moderation={"isMuted": True, "reason": "Off topic", "moderatorEmail": FAC},
    )  # fmt: skip

    (listed,) = client.channels.posts(offering, news.id)
    assert isinstance(listed, m.Post)
    assert (listed.id, listed.title, listed.email, listed.is_facilitator_post) == (post["id"], "Welcome", FAC, True)
    assert listed.created_at == NOW - 5 * DAY - timedelta(hours=1)
    assert [(a.mimetype, a.size) for a in listed.attachments or []] == [("application/pdf", 5120)]
    comments = client.channels.comments(offering, news.id)
    assert comments[0].id == comment["id"]
    assert all(isinstance(c, m.Comment) and c.post_id == post["id"] and c.parent_comment_id is None for c in comments)
    muted = comments[1]
    assert muted.moderation is not None and muted.moderation.is_muted is True
    assert muted.moderation.reason == "Off topic" and muted.moderation.moderator.first_name == "Rose"
    (listed_reply,) = client.channels.replies(offering, news.id)
    assert (listed_reply.id, listed_reply.parent_comment_id, listed_reply.email) == (reply["id"], comment["id"], FAC)
    assert client.channels.posts(offering, team.id) == []


def test_assessment_groups(client: Client, sandbox: Sandbox) -> None:
    offering = _offering_with_people(client, sandbox)
    assert client.groups.list(offering) == []
    syndicate = client.groups.create(offering, "Syndicate A")
    assert isinstance(syndicate, m.AssessmentGroupResponse) and syndicate.title == "Syndicate A"
    assert syndicate.id and re.fullmatch(r"[0-9a-f]{24}", syndicate.id)
    assert syndicate.created_at == "2026-03-02T09:00:00.000Z"
    sandbox.advance(minutes=5)
    other = client.groups.create(offering, "Syndicate B")
    assert [g.id for g in client.groups.list(offering)] == [syndicate.id, other.id]

    added = client.groups.add_learner(offering, syndicate.id, ANA)
    assert isinstance(added, m.UserResponse) and (added.email, added.first_name) == (ANA, "Ana")
    client.groups.add_learner(offering, syndicate.id, BEN)
    client.groups.add_learner(offering, other.id, ANA)  # a learner may be in several groups
    assert sorted(u.email or "" for u in client.groups.learners(offering, syndicate.id)) == [ANA, BEN]
    with pytest.raises(ApiValidationError):
        client.groups.add_learner(offering, syndicate.id, ANA)  # already in the group
    with pytest.raises(ApiValidationError):
        client.groups.add_learner(offering, syndicate.id, FAC)  # a facilitator, not a learner

    assert client.groups.remove_learner(offering, syndicate.id, BEN) is None
    assert [u.email for u in client.groups.learners(offering, syndicate.id)] == [ANA]
    with pytest.raises(ApiValidationError):
        client.groups.remove_learner(offering, syndicate.id, BEN)
    with pytest.raises(SchemaValidationError) as bad_id:
        client.groups.learners(offering, "syndicate-a")
    assert "groupId" in bad_id.value.details


def test_groups_made_at_the_same_instant_list_in_creation_order(client: Client, sandbox: Sandbox) -> None:
    offering = _offering_with_people(client, sandbox)
    titles = [f"Syndicate {letter}" for letter in "ABCDEFGH"]  # 1 chance in 40,320 of passing by luck
    for title in titles:
        client.groups.create(offering, title)
    assert [g.title for g in client.groups.list(offering)] == titles
