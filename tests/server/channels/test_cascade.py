"""Membership hooks (`channels.cascade`), default channels, and the demo seeder of this area."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from openqualify.server.channels import cascade
from openqualify.server.channels.defaults import create_default_channels
from openqualify.server.db.engine import make_async_engine, make_sessionmaker
from openqualify.server.db.models import Offering, User
from openqualify.server.kit.tenancy import admin_session, bind_org
from tests.fixtures.api import Api
from tests.fixtures.channels import Setup
from tests.fixtures.factories import insert_member, insert_offering, make_course


def _run(database_url: str, org_id: str, action: Callable[[AsyncSession], Awaitable[None]]) -> None:
    """Run `action` in one committed unit of work bound to the organisation, as a request would."""

    async def main() -> None:
        engine = make_async_engine(database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                bind_org(session.sync_session, org_id)
                await action(session)
                await session.commit()
        finally:
            await engine.dispose()

    asyncio.run(main())


def _user_id(setup: Setup, email: str) -> str:
    with admin_session(setup.engine) as session:
        return session.execute(
            select(User.id).where(User.org_id == setup.api.org_id, User.email_key == email)
        ).scalar_one()


def _allocated(setup: Setup) -> tuple[list[str], list[str]]:
    channel = setup.group_channel()
    group = setup.api.post(f"/offerings/{setup.offering}/groups", json={"title": "G"}).json()
    for email in ("ann@example.com", "ben@example.com"):
        setup.api.post(f"/offerings/{setup.offering}/channels/{channel['id']}/learners", json={"email": email})
        setup.api.post(f"/offerings/{setup.offering}/groups/{group['id']}/learners", json={"email": email})
    channel_url = f"/offerings/{setup.offering}/channels/{channel['id']}/learners"
    group_url = f"/offerings/{setup.offering}/groups/{group['id']}/learners"
    return [channel_url], [group_url]


def _emails(setup: Setup, channel_url: str, group_url: str) -> tuple[list[str], list[str]]:
    in_channel = [item["email"] for item in setup.api.get(channel_url).json()["learners"]]
    in_group = [item["email"] for item in setup.api.get(group_url).json()]
    return in_channel, in_group


def test_member_removed_leaves_groups_and_group_channels(setup: Setup, database_url: str) -> None:
    (channel_url,), (group_url,) = _allocated(setup)
    ann = _user_id(setup, "ann@example.com")
    _run(database_url, setup.api.org_id, lambda s: cascade.on_member_removed(s, setup.offering, ann))
    assert _emails(setup, channel_url, group_url) == (["ben@example.com"], ["ben@example.com"])


def test_transfer_drops_source_allocations(setup: Setup, database_url: str) -> None:
    (channel_url,), (group_url,) = _allocated(setup)
    target = insert_offering(setup.engine, setup.api, make_course(setup.api, "Target"))
    auto = setup.api.post(
        f"/offerings/{target}/channels", json={"title": "Team", "groupDiscussion": True, "group": {"autoAssign": True}}
    ).json()
    ben = insert_member(setup.engine, setup.api, target, "ben@example.com")
    _run(database_url, setup.api.org_id, lambda s: cascade.on_learner_transferred(s, ben, setup.offering, target))
    assert _emails(setup, channel_url, group_url) == (["ann@example.com"], ["ann@example.com"])
    # The target's auto-assign group channel takes the newcomer.
    learners = setup.api.get(f"/offerings/{target}/channels/{auto['id']}/learners").json()["learners"]
    assert [item["email"] for item in learners] == ["ben@example.com"]


def test_learners_added_join_auto_assign_channels_once(setup: Setup, database_url: str) -> None:
    response = setup.api.post(
        f"/offerings/{setup.offering}/channels",
        json={"title": "All", "groupDiscussion": True, "group": {"autoAssign": True}},
    )
    channel = response.json()
    url = f"/offerings/{setup.offering}/channels/{channel['id']}/learners"
    assert len(setup.api.get(url).json()["learners"]) == 3
    dan = insert_member(setup.engine, setup.api, setup.offering, "dan@example.com")
    ann = _user_id(setup, "ann@example.com")
    _run(database_url, setup.api.org_id, lambda s: cascade.on_learners_added(s, setup.offering, [dan, ann]))
    assert [item["email"] for item in setup.api.get(url).json()["learners"]][-1] == "dan@example.com"
    assert len(setup.api.get(url).json()["learners"]) == 4


def test_default_channels(setup: Setup, database_url: str) -> None:
    async def action(session: AsyncSession) -> None:
        offering = (await session.execute(select(Offering).where(Offering.id == setup.offering))).scalar_one()
        await create_default_channels(session, offering, datetime.now(UTC))

    _run(database_url, setup.api.org_id, action)
    listed = setup.api.get(f"/offerings/{setup.offering}/channels").json()
    assert [c["title"] for c in listed] == ["Facilitator support", "General"]  # private support first
    second = setup.api.post(f"/offerings/{setup.offering}/channels", json={"title": "x", "privateSupport": True})
    assert second.status_code == 400  # the default support channel is the offering's one


def _running_offering_with_a_group_channel(api: Api) -> tuple[str, list[dict[str, Any]]]:
    for offering in api.get("/offerings/current").json():
        channels = api.get(f"/offerings/{offering['id']}/channels").json()
        if any(c["title"].endswith(" group") for c in channels):
            return offering["id"], channels
    raise AssertionError("no running offering of the demo has a group channel")


def test_the_demo_fills_a_running_offerings_channels(new_api: Callable[[], Api]) -> None:
    api = new_api()
    assert api.sandbox.post("/demo").status_code == 201
    offering, channels = _running_offering_with_a_group_channel(api)
    assert channels[0]["title"] == "Facilitator support"  # private support first
    assert any(c["isBroadcastOnly"] for c in channels)
    posts = comments = 0
    for channel in channels:
        base = f"/offerings/{offering}/analytics/channels/{channel['id']}"
        posts += len(api.get(f"{base}/posts").json())
        comments += len(api.get(f"{base}/comments").json())
        api.get(f"{base}/replies")
    assert posts > 0 and comments > 0
    group_channel = next(c for c in channels if c["title"].endswith(" group"))
    learners = api.get(f"/offerings/{offering}/channels/{group_channel['id']}/learners").json()["learners"]
    assert len(learners) >= 2
    assert 1 <= len(api.get(f"/offerings/{offering}/groups").json()) <= 3


def _conversations(api: Api) -> list[tuple[str, list[tuple[str, str]]]]:
    offering, channels = _running_offering_with_a_group_channel(api)
    found = []
    for channel in channels:
        posts = api.get(f"/offerings/{offering}/analytics/channels/{channel['id']}/posts").json()
        found.append((channel["title"], [(p.get("title", ""), p["content"]) for p in posts]))
    return found


def test_the_demos_conversations_are_the_same_in_every_organisation(new_api: Callable[[], Api]) -> None:
    first, second = new_api(), new_api()
    for api in (first, second):
        assert api.sandbox.post("/demo").status_code == 201
    assert _conversations(first) == _conversations(second)


def test_offering_created_with_default_channels(api: Api) -> None:
    course = make_course(api)
    body = {"start": "2026-01-01T00:00:00Z", "contentId": course["contentId"], "name": "X"}
    created = api.post("/offerings", json={**body, "createDefaultChannels": True})
    assert created.status_code == 201, created.text
    titles = [c["title"] for c in api.get(f"/offerings/{created.json()['id']}/channels").json()]
    assert titles == ["Facilitator support", "General"]
    plain = api.post("/offerings", json=body).json()
    assert api.get(f"/offerings/{plain['id']}/channels").json() == []


def test_removing_a_member_through_the_api(setup: Setup) -> None:
    (channel_url,), (group_url,) = _allocated(setup)
    response = setup.api.delete(f"/offerings/{setup.offering}/users/ann@example.com")
    assert response.status_code == 204, response.text
    assert _emails(setup, channel_url, group_url) == (["ben@example.com"], ["ben@example.com"])


def test_learners_added_through_the_api_join_auto_assign_channels(setup: Setup) -> None:
    channel = setup.group_channel("Auto")
    url = f"/offerings/{setup.offering}/channels/{channel['id']}"
    assert setup.api.patch(url, json={"group": {"autoAssign": True}}).status_code == 200
    added = setup.api.post(
        f"/offerings/{setup.offering}/users",
        json=[
            {"email": "new.learner@example.com", "firstName": "New", "lastName": "Learner"},
            {"email": "new.coach@example.com", "firstName": "New", "lastName": "Coach", "isMarker": True},
        ],
    )
    assert added.status_code == 201, added.text
    setup.api.post("/users", json={"email": "late@example.com", "firstName": "Late", "lastName": "Comer"})
    assert setup.api.post("/users/late@example.com/offerings", json=[setup.offering]).status_code == 200
    emails = {learner["email"] for learner in setup.api.get(f"{url}/learners").json()["learners"]}
    assert {"new.learner@example.com", "late@example.com"} <= emails
    assert "new.coach@example.com" not in emails
